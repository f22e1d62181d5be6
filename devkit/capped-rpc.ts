/**
 * A JSON-RPC proxy on 127.0.0.1 that behaves like a hosted RPC provider's cheaper plans, in front
 * of a local node: it refuses eth_getLogs ranges wider than `maxLogRange` blocks and answers
 * requests beyond `maxPerSecond` with a rate-limit error, in the words real providers use. Tests
 * put it between the custodian's reader and the node (test/service/nodes.test.ts); the settings
 * that keep the custodian within such limits are in docs/OPERATIONS.md.
 *
 *   const rpc = await startCappedRpc({ upstream: chain.url, maxLogRange: 2, maxPerSecond: 20 });
 *   // read through rpc.url; rpc.stats counts what was forwarded and refused
 *   await rpc.close();
 *
 * Rate-limit styles: `http-429` (HTTP 429 with a JSON-RPC error body, as most providers) or
 * `json-rpc` (HTTP 200 with error -32005 "project ID request rate exceeded", as some do).
 * Range refusals are HTTP 200 with error -32600 and a message naming the block range.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface CappedRpcOptions {
  upstream: string;
  /** Widest eth_getLogs range accepted, in blocks (inclusive count); unlimited if absent. */
  maxLogRange?: number;
  /** Requests accepted per rolling second; unlimited if absent. */
  maxPerSecond?: number;
  rateLimitStyle?: "http-429" | "json-rpc";
}

export interface CappedRpc {
  readonly url: string;
  readonly stats: { forwarded: number; getLogs: number; rangeRefusals: number; rateRefusals: number };
  close(): Promise<void>;
}

interface Call {
  jsonrpc: "2.0";
  id: unknown;
  method: string;
  params?: unknown[];
}

const error = (id: unknown, code: number, message: string) => ({ jsonrpc: "2.0", id, error: { code, message } });

function span(params: unknown[] | undefined): number | undefined {
  const f = params?.[0] as { fromBlock?: string; toBlock?: string; blockHash?: string } | undefined;
  if (!f || f.blockHash || !f.fromBlock?.startsWith("0x") || !f.toBlock?.startsWith("0x")) return undefined;
  return parseInt(f.toBlock, 16) - parseInt(f.fromBlock, 16) + 1;
}

export async function startCappedRpc(o: CappedRpcOptions): Promise<CappedRpc> {
  const stats = { forwarded: 0, getLogs: 0, rangeRefusals: 0, rateRefusals: 0 };
  const recent: number[] = [];
  const style = o.rateLimitStyle ?? "http-429";

  async function forward(call: Call): Promise<unknown> {
    if (call.method === "eth_getLogs") {
      stats.getLogs++;
      const width = span(call.params);
      if (o.maxLogRange !== undefined && width !== undefined && width > o.maxLogRange) {
        stats.rangeRefusals++;
        return error(call.id, -32600, `You can make eth_getLogs requests with up to a ${o.maxLogRange} block range. Based on your parameters, this block range should work: [${(call.params?.[0] as { fromBlock: string }).fromBlock}, …]`);
      }
    }
    stats.forwarded++;
    const res = await fetch(o.upstream, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(call) });
    return res.json();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Call | Call[];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Call | Call[];
    } catch {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify(error(null, -32700, "parse error")));
      return;
    }
    const now = Date.now();
    while (recent.length > 0 && now - recent[0]! >= 1000) recent.shift();
    if (o.maxPerSecond !== undefined && recent.length >= o.maxPerSecond) {
      stats.rateRefusals++;
      const id = Array.isArray(body) ? null : body.id;
      if (style === "http-429") {
        res.writeHead(429, { "content-type": "application/json", "retry-after": "1" }).end(JSON.stringify(error(id, 429, "Too Many Requests: your app has exceeded its compute units per second capacity")));
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(error(id, -32005, "project ID request rate exceeded")));
      }
      return;
    }
    recent.push(now);
    const answer = Array.isArray(body) ? await Promise.all(body.map(forward)) : await forward(body);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify(error(null, -32603, String((err as Error).message))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
