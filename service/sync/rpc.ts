/**
 * A lean JSON-RPC transport for the follower's reads (head polls, block filters, headers,
 * eth_getLogs): one POST per call over a keep-alive `node:http(s)` agent, the body decoded by
 * `Buffer.toString` + `JSON.parse` (native). Through ethers' JsonRpcProvider the same calls cost
 * several times more CPU: its FetchRequest machinery, and a JavaScript UTF-8 decoder that walks
 * every byte of a large eth_getLogs answer (a third of the ingestion time on a 20,000-grant
 * backlog) — and the follower polls the head every `pollMs`.
 *
 * Errors: a network failure, a timeout, an HTTP 429/5xx or an unreadable body is a
 * RetryableError (the follower backs off and retries); a JSON-RPC error answer is an Error with
 * the node's message and `code: "UNKNOWN_ERROR"` (what ethers reports for it, also retried),
 * with the node's numeric code as `rpcCode`.
 */
import http from "node:http";
import https from "node:https";
import { RetryableError } from "../internal/errors.js";

export type Send = (method: string, params: unknown[]) => Promise<unknown>;

export interface RawRpc {
  send: Send;
  close(): void;
}

/** A transport for `url` (http or https); undefined for any other scheme (ws: use the provider). */
export function createRawRpc(url: string, timeoutMs: number, headers: Record<string, string> = {}): RawRpc | undefined {
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
  const mod = u.protocol === "https:" ? https : http;
  const agent = new mod.Agent({ keepAlive: true, maxSockets: 16 });
  let nextId = 1;
  const send: Send = (method, params) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params });
      const req = mod.request(
        u,
        { method: "POST", agent, timeout: timeoutMs, headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (err) => reject(new RetryableError(`${method}: ${err.message}`, { cause: err })));
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            if (status === 429 || status >= 500) return reject(new RetryableError(`${method}: the RPC endpoint answered HTTP ${status}`));
            let answer: { result?: unknown; error?: { code?: number; message?: string; data?: unknown } };
            try {
              answer = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof answer;
            } catch (cause) {
              return reject(new RetryableError(`${method}: the RPC endpoint answered HTTP ${status} with no JSON-RPC body`, { cause }));
            }
            if (answer.error) {
              return reject(Object.assign(new Error(`${method}: ${answer.error.message ?? "JSON-RPC error"}`), { code: "UNKNOWN_ERROR", rpcCode: answer.error.code }));
            }
            if (!("result" in answer)) return reject(new RetryableError(`${method}: the RPC endpoint answered without a result`));
            resolve(answer.result);
          });
        },
      );
      req.on("timeout", () => req.destroy(new RetryableError(`${method}: no answer from the RPC endpoint within ${timeoutMs} ms`)));
      req.on("error", (err) => reject(err instanceof RetryableError ? err : new RetryableError(`${method}: ${err.message}`, { cause: err })));
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}
