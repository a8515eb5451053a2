// A handler's bug must not stop the service. An error a handler throws
// synchronously, or a promise it returns that rejects, already becomes a 500
// for its request (exchange.ts). What is left are errors with no request to
// blame: a promise the handler dropped that rejects later, an exception in
// its timer callback. Node ends the process for those by default; a server
// logs them and lives on. And a write to a closed stdout/stderr (the reader
// of the log went away) must never take the server down either.
import { writeSync } from 'node:fs';

let installed = false;

/**
 * `exceptionEndsProcess`: in a process that serves one connection (the
 * process-per-connection model's child), an exception nobody caught ends the
 * process — that is the model's isolation: the one connection is lost, the
 * master logs it. Everywhere else the server logs it and lives on.
 */
export function guardProcess({ exceptionEndsProcess = false } = {}): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => report('a promise rejected and nobody handled it', reason));
  process.on('uncaughtException', (error) => {
    if (exceptionEndsProcess) {
      report('an exception escaped (from a handler\'s callback?); this process ends', error, false);
      process.exit(1);
    }
    report('an exception escaped (from a handler\'s callback?)', error);
  });
  // EPIPE and friends on the standard streams: nobody is reading; carry on.
  process.stdout.on?.('error', () => {});
  process.stderr.on?.('error', () => {});
}

function report(what: string, reason: unknown, servingOn = true): void {
  const detail = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
  try {
    writeSync(2, `fourfold: ${what}${servingOn ? '; serving on' : ''}: ${detail}\n`);
  } catch {
    /* stderr is gone too */
  }
}
