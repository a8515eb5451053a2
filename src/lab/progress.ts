// Progress while the lab runs, on stderr (stdout stays clean for --json and
// the summary). A bar on a terminal (cli-progress), one line per step otherwise.
import cliProgress from 'cli-progress';

export interface Progress {
  /** A step starts: what is being measured, and its share of the planned time. */
  step(label: string): void;
  /** The step is done. */
  done(weight: number): void;
  note(message: string): void;
  stop(): void;
}

export function createProgress(totalWeight: number, enabled: boolean): Progress {
  const stream = process.stderr;
  if (!enabled) return { step() {}, done() {}, note() {}, stop() {} };
  if (!stream.isTTY) {
    let n = 0;
    const t0 = performance.now();
    return {
      step(label) {
        n++;
        stream.write(`fourfold bench: [${n}] ${((performance.now() - t0) / 1000).toFixed(1)} s  ${label}\n`);
      },
      done() {},
      note(message) {
        stream.write(`fourfold bench: ${message}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: 'fourfold bench {bar} {percentage}% | ETA {eta_formatted} | {label}', stream, hideCursor: true, clearOnComplete: true, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  let value = 0;
  bar.start(Math.max(1, Math.round(totalWeight)), 0, { label: 'starting' });
  return {
    step(label) {
      bar.update(Math.round(value), { label });
    },
    done(weight) {
      value += weight;
      bar.update(Math.min(Math.round(value), Math.round(totalWeight)));
    },
    note(message) {
      // Print above the bar without tearing it.
      bar.stop();
      stream.write(`fourfold bench: ${message}\n`);
      bar.start(Math.max(1, Math.round(totalWeight)), Math.round(value), { label: '' });
    },
    stop() {
      bar.stop();
    },
  };
}
