/**
 * The follower's reads from the chain, over raw JSON-RPC (./rpc.ts when the endpoint is
 * http(s), else `provider.send`): block headers and logs come back as plain JSON, without
 * ethers building a `Block` or `Log` object per item.
 *
 * `logs()` halves its range and retries when the node refuses a range as too large (providers
 * answer "query returned more than 10000 results", "block range too large", …); network
 * failures, rate limits and blocks gone in a reorg surface as RetryableError for the caller's
 * back-off. How each node words these is sorted out in ./node-quirks.ts.
 */
import type { Provider } from "ethers";
import { RetryableError } from "../internal/errors.js";
import type { BlockHeader } from "../store/store.js";
import type { RawLog } from "./events.js";
import { asRetryable, classifyRpcError, filterHashes, splitRange } from "./node-quirks.js";

interface RawBlock {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
}

import type { Send } from "./rpc.js";

export interface ChainReader {
  header(tag: number | "latest"): Promise<BlockHeader>;
  /** Headers of from..to (inclusive), fetched concurrently; throws if one is missing. */
  headers(from: number, to: number): Promise<BlockHeader[]>;
  /** The canonical hash at each height (missing heights absent). */
  hashesAt(numbers: readonly number[]): Promise<Map<number, string>>;
  /** Logs of the tracked topics in from..to, adapting the range to what the node accepts. */
  logs(from: number, to: number): Promise<RawLog[]>;
  /** Logs of one block by hash (EIP-234): exactly that block, whatever happens to its height. */
  logsAt(blockHash: string): Promise<RawLog[]>;
  /** A new-block filter (eth_newBlockFilter); its id. */
  newBlockFilter(): Promise<string>;
  /** Hashes of blocks added since the filter was last polled (eth_getFilterChanges). */
  filterChanges(id: string): Promise<string[]>;
}

const hex = (n: number) => `0x${n.toString(16)}`;

function toHeader(b: RawBlock): BlockHeader {
  return { number: parseInt(b.number, 16), hash: b.hash.toLowerCase(), parentHash: b.parentHash.toLowerCase(), timestamp: parseInt(b.timestamp, 16) };
}

/** Reads through `rawSend` (./rpc.ts) when given, else through the provider's `send`. */
export function createChainReader(provider: Provider, address: string, topics: string[], rawSend?: Send): ChainReader {
  const sendFn = (provider as { send?: Send }).send;
  if (!rawSend && typeof sendFn !== "function") throw new TypeError("the follower needs a JSON-RPC provider (with send())");
  const send: Send = rawSend ?? ((method, params) => sendFn!.call(provider, method, params));

  async function block(tag: string): Promise<BlockHeader | null> {
    const b = (await send("eth_getBlockByNumber", [tag, false])) as RawBlock | null;
    return b && b.hash ? toHeader(b) : null;
  }

  async function rangeLogs(from: number, to: number): Promise<RawLog[]> {
    return (await send("eth_getLogs", [{ address, fromBlock: hex(from), toBlock: hex(to), topics: [topics] }])) as RawLog[];
  }

  return {
    async header(tag) {
      const h = await block(tag === "latest" ? "latest" : hex(tag));
      if (!h) throw new RetryableError(`the RPC endpoint has no block ${tag}`);
      return h;
    },
    async headers(from, to) {
      const numbers = Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
      const out = await Promise.all(numbers.map((n) => block(hex(n))));
      return out.map((h, i) => {
        if (!h) throw new RetryableError(`the RPC endpoint has no block ${numbers[i]}`);
        return h;
      });
    },
    async hashesAt(numbers) {
      const out = await Promise.all(numbers.map((n) => block(hex(n))));
      const m = new Map<number, string>();
      out.forEach((h, i) => h && m.set(numbers[i]!, h.hash));
      return m;
    },
    async logs(from, to) {
      try {
        return await rangeLogs(from, to);
      } catch (err) {
        // Judged by what the node said, not by the error's class: a JSON-RPC error answer is an
        // UNKNOWN_ERROR (retryable) whatever it says, and a range cap retried as is never passes.
        const halves = classifyRpcError(err) === "range-too-large" ? splitRange(from, to) : null;
        if (!halves) throw asRetryable(err, `eth_getLogs ${from}..${to}`);
        return [...(await this.logs(...halves[0])), ...(await this.logs(...halves[1]))];
      }
    },
    async logsAt(blockHash) {
      try {
        return (await send("eth_getLogs", [{ address, blockHash, topics: [topics] }])) as RawLog[];
      } catch (err) {
        throw asRetryable(err, `eth_getLogs at ${blockHash}`);
      }
    },
    async newBlockFilter() {
      return String(await send("eth_newBlockFilter", []));
    },
    async filterChanges(id) {
      return filterHashes(await send("eth_getFilterChanges", [id]));
    },
  };
}
