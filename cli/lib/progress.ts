/**
 * Progress bars with throughput and ETA for long work (encrypt, decrypt, download), drawn on
 * stderr with cli-progress. Off when stderr is not a terminal, with --json, or when
 * SEALSHARE_NO_PROGRESS is set; then the returned reporter does nothing.
 */
import cliProgress from "cli-progress";
import { bytes } from "../../sdk/format.js";

export interface ProgressReporter {
  /** Reports `done` of `total` bytes for `phase` (a new phase starts a new bar). */
  update(phase: string, done: number, total: number): void;
  stop(): void;
}

const NOOP: ProgressReporter = { update: () => undefined, stop: () => undefined };

export function progressEnabled(json: boolean): boolean {
  return !json && Boolean(process.stderr.isTTY) && !process.env.SEALSHARE_NO_PROGRESS;
}

export function createProgress(enabled: boolean): ProgressReporter {
  if (!enabled) return NOOP;
  let bar: cliProgress.SingleBar | undefined;
  let current = "";
  let started = 0;
  const finish = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    update(phase, done, total) {
      if (phase !== current || !bar) {
        finish();
        current = phase;
        started = Date.now();
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: `${phase.padEnd(9)} [{bar}] {percentage}% | {done}/{size} | {speed} | ETA {eta_formatted}`,
            barsize: 30,
            hideCursor: true,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(total, 1), 0, { done: bytes(0), size: bytes(total), speed: "-" });
      }
      const secs = (Date.now() - started) / 1000;
      bar.update(Math.min(done, Math.max(total, 1)), { done: bytes(done), size: bytes(total), speed: secs > 0 ? `${bytes(done / secs)}/s` : "-" });
    },
    stop: finish,
  };
}
