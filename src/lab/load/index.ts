// Which load generator: wrk when installed (C: it steals less CPU), else autocannon.
import type { ToolVersions } from '../machine.js';
import type { LoadClient } from './types.js';
import { wrkClient } from './wrk.js';
import { autocannonClient } from './autocannon.js';

export type ClientChoice = 'auto' | 'wrk' | 'autocannon';

export function chooseClient(choice: ClientChoice, tools: ToolVersions, scratchDir: string): LoadClient {
  if (choice === 'wrk' || (choice === 'auto' && tools.wrk !== null)) {
    if (tools.wrk === null) throw new Error('--client wrk: wrk is not installed (Debian: apt-get install wrk)');
    return wrkClient(tools.wrk, scratchDir);
  }
  if (tools.autocannon === null) throw new Error('autocannon is not installed (npm install)');
  return autocannonClient(`autocannon ${tools.autocannon}`);
}

export type { LoadClient, LoadResult, LoadSpec, Latency, LoadErrors } from './types.js';
export { errorTotal } from './types.js';
