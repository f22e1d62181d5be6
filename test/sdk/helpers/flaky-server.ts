/**
 * A real HTTP server on 127.0.0.1 (free port) serving one blob with Range support, which tests
 * can tell to misbehave on upcoming requests: cut the connection after N body bytes, stall, ignore
 * Range, or answer with a status. Every request's Range header and answer are recorded.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Misbehaviour {
  /** Send the headers for the full answer, then this many body bytes, then close the socket. */
  readonly cutAfter?: number;
  /** Send this many body bytes, then nothing (keep the connection open). */
  readonly stallAfter?: number;
  /** Answer 200 with the whole blob even when a Range was asked for. */
  readonly ignoreRange?: boolean;
  /** Answer with this status and no blob. */
  readonly status?: number;
  /** From the next request on, serve these bytes instead (e.g. a tampered copy). */
  readonly thenServe?: Buffer;
}

export interface FlakyServer {
  readonly url: string; // the blob's URL
  blob: Buffer;
  /** Misbehaviours for the next requests, consumed in order; afterwards requests are served well. */
  readonly plan: Misbehaviour[];
  readonly requests: { range: string | undefined; status: number }[];
  close(): Promise<void>;
}

export async function startFlakyServer(blob: Buffer, path = "/sha256/blob"): Promise<FlakyServer> {
  const state = { blob, plan: [] as Misbehaviour[], requests: [] as { range: string | undefined; status: number }[] };
  const server = createServer((req, res) => serve(state, req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    get blob() {
      return state.blob;
    },
    set blob(value: Buffer) {
      state.blob = value;
    },
    plan: state.plan,
    requests: state.requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function serve(state: { blob: Buffer; plan: Misbehaviour[]; requests: { range: string | undefined; status: number }[] }, req: IncomingMessage, res: ServerResponse): void {
  const how = state.plan.shift() ?? {};
  const { blob } = state;
  if (how.thenServe !== undefined) state.blob = how.thenServe;
  const answer = (status: number) => state.requests.push({ range: req.headers.range, status });
  if (how.status !== undefined) {
    answer(how.status);
    res.writeHead(how.status).end();
    return;
  }
  let start = 0;
  let end = blob.length - 1;
  let status = 200;
  const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
  if (match !== null && how.ignoreRange !== true) {
    start = Number(match[1]);
    end = match[2] === "" ? blob.length - 1 : Math.min(Number(match[2]), blob.length - 1);
    if (start >= blob.length) {
      answer(416);
      res.writeHead(416, { "content-range": `bytes */${blob.length}` }).end();
      return;
    }
    status = 206;
    res.setHeader("content-range", `bytes ${start}-${end}/${blob.length}`);
  }
  answer(status);
  const body = blob.subarray(start, end + 1);
  res.writeHead(status, { "content-length": body.length, "accept-ranges": "bytes", "content-type": "application/octet-stream" });
  if (how.cutAfter !== undefined) {
    res.write(body.subarray(0, how.cutAfter), () => res.socket?.destroy());
  } else if (how.stallAfter !== undefined) {
    res.write(body.subarray(0, how.stallAfter)); // and never finish
  } else {
    res.end(body);
  }
}
