/**
 * A worker thread of the file passes (file-pool.ts starts it): runs each job it is sent with
 * file-jobs.ts' runJob and posts the reply back, transferring its buffers.
 *
 * Protocol: in `{ id, job }`; out `{ id, reply }` or `{ id, error: { message, code? } }`.
 */
import { parentPort } from "node:worker_threads";
import { runJob, type FileJob, type JobError } from "./file-jobs.js";

if (!parentPort) throw new Error("chunk-worker.ts runs as a worker thread (file-pool.ts)");
const port = parentPort;

function jobError(error: unknown): JobError {
  const e = error as { message?: unknown; code?: unknown } | undefined;
  return { message: String(e?.message || error), code: typeof e?.code === "string" ? e.code : undefined };
}

port.on("message", (message: { id: number; job: FileJob }) => {
  let outcome;
  try {
    outcome = runJob(message.job);
  } catch (error) {
    port.postMessage({ id: message.id, error: jobError(error) });
    return;
  }
  try {
    port.postMessage({ id: message.id, reply: outcome.reply }, outcome.transfer);
  } catch {
    port.postMessage({ id: message.id, reply: outcome.reply }); // not transferable: copied
  }
});
