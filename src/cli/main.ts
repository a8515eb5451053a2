#!/usr/bin/env node
// fourfold's command line. `fourfold` alone serves the current directory, as
// `npx http-server` and `npx serve` do; flags without a command are serve's
// (`npx fourfold -p 3000`), and so is a directory (`npx fourfold ./dist`).
import { statSync } from 'node:fs';
import { serveCommand } from './serve-command.js';
import { benchCommand } from './bench-command.js';
import { UsageError, StartError } from '../serve.js';
import { didYouMean } from '../models/suggest.js';
import { version } from './version.js';

const HELP = `Usage: fourfold [command] [options]

Commands
  serve [root]   serve static files and/or a handler (the default command;
                 root defaults to the current directory; see: fourfold serve --help)
  demo           serve the bundled demo site, which explains the models
  bench          measure the models side by side (see: fourfold bench --help)
  version        print the version

Options
  -h, --help     this help
  -v, --version  print the version

  fourfold                      serves the current directory on http://127.0.0.1:8080
  fourfold ./site -p 3000       serves ./site on port 3000

An HTTP/1.1 server on the raw socket API whose concurrency model is a switch.`;

const COMMANDS = ['serve', 'demo', 'bench', 'version', 'help'];

/** Which help a usage error points to. */
type Topic = 'fourfold' | 'fourfold serve' | 'fourfold bench';

async function main(argv: string[], setTopic: (t: Topic) => void): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (command === '-v' || command === '--version' || command === 'version') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  setTopic('fourfold serve');
  if (command === undefined || command.startsWith('-')) return serveCommand(argv);
  if (command === 'serve') return serveCommand(rest);
  if (command === 'demo') return serveCommand(rest, { demo: true });
  setTopic('fourfold bench');
  if (command === 'bench') return benchCommand(rest);
  if (isDirectory(command)) {
    setTopic('fourfold serve');
    return serveCommand(argv);
  }
  setTopic('fourfold');
  throw new UsageError(`unknown command '${command}'${didYouMean(command, COMMANDS)}`);
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

let topic: Topic = 'fourfold';
main(process.argv.slice(2), (t) => (topic = t)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`fourfold: ${e.cliMessage}; see ${topic} --help\n`);
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
