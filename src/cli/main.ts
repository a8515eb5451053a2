#!/usr/bin/env node
// fourfold's command line: `fourfold serve …` (and, soon, `fourfold bench …`).
import { readFileSync } from 'node:fs';
import { serveCommand } from './serve-command.js';
import { benchCommand } from './bench-command.js';
import { UsageError, StartError } from '../serve.js';

const HELP = `Usage: fourfold <command> [options]

Commands
  serve [root]   serve static files and/or a handler (see: fourfold serve --help)
  bench          measure the models side by side (see: fourfold bench --help)

Options
  -h, --help     this help
  -v, --version  print the version

An HTTP/1.1 server on the raw socket API whose concurrency model is a switch.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (command === '-v' || command === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  if (command === 'serve') return serveCommand(rest);
  if (command === 'bench') return benchCommand(rest);
  throw new UsageError(`unknown command '${command}' (try: fourfold serve)`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`fourfold: ${e.message} (see fourfold --help)\n`);
      process.exitCode = 2;
    } else if (e instanceof StartError) {
      process.stderr.write(`fourfold: ${e.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`fourfold: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
