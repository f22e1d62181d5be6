/**
 * The deployment the dapp talks to, read at start-up from `sealshare.config.json` served next to
 * the app (so one build serves any deployment). Validated by hand to keep the bundle small.
 *
 * ```json
 * { "chainId": 31337, "ledger": "0x…", "deployBlock": 1,
 *   "custodianUrl": "/custodian", "blobUrl": "/blobs/{scheme}/{sha256}",
 *   "custody": "0x…", "custodianUrls": ["http://127.0.0.1:8601", "http://127.0.0.1:8602", "http://127.0.0.1:8603"],
 *   "explorers": { "11155111": "https://sepolia.etherscan.io/tx/{hash}" } }
 * ```
 */
import { getAddress, isAddress } from "ethers";

export interface DappConfig {
  chainId: number;
  /** Shown in the wrong-network prompt and used by wallet_addEthereumChain. */
  chainName: string;
  /** Public JSON-RPC URL: offered to the wallet when it does not know the chain. */
  rpcUrl?: string;
  ledger: string;
  deployBlock: number;
  /** The key custodian's base URL, absolute or relative to the app. */
  custodianUrl: string;
  /**
   * Threshold custody: the custody contract beside the ledger (SealshareCustody), when the
   * deployment has one. Which set serves a version, its custodians and their keys are read from it
   * on chain; nothing about them is taken from this file.
   */
  custody?: string;
  /**
   * Every custodian's base URL (any order; each is matched to its place in a set by the account its
   * service names, and trusted only as the chain says). Default: `[custodianUrl]`.
   */
  custodianUrls: string[];
  /**
   * Where ciphertexts are fetched (GET) and uploaded (PUT): `{sha256}` is the 64 hex digits of the
   * blob's name, `{scheme}` (optional) how it is named: `merkle` (a v2 stream's Merkle root) or
   * `sha256` (sdk/blob/uri.ts).
   */
  blobUrl: string;
  /**
   * Block explorer link for a transaction on this config's chain (`{hash}` is replaced): the
   * config's `explorerTxUrl`, or its `explorers[chainId]`, or a well-known public chain's
   * explorer. None on a local chain: no link rather than a dead one.
   */
  explorerTxUrl?: string;
  /** Display names for well-known addresses (institutions of this deployment). */
  names: Record<string, string>;
  /** How often the app polls the chain, ms. */
  pollMs: number;
}

/** Transaction links of well-known public chains, used when a config names no explorer for its chain. */
export const PUBLIC_EXPLORERS: Readonly<Record<number, string>> = {
  1: "https://etherscan.io/tx/{hash}",
  11155111: "https://sepolia.etherscan.io/tx/{hash}",
  17000: "https://holesky.etherscan.io/tx/{hash}",
  10: "https://optimistic.etherscan.io/tx/{hash}",
  8453: "https://basescan.org/tx/{hash}",
  84532: "https://sepolia.basescan.org/tx/{hash}",
  42161: "https://arbiscan.io/tx/{hash}",
  137: "https://polygonscan.com/tx/{hash}",
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses and checks a config object; throws a ConfigError naming the bad field. */
export function parseConfig(raw: unknown, base: string = globalThis.location?.href ?? "http://localhost/"): DappConfig {
  if (typeof raw !== "object" || raw === null) throw new ConfigError("the configuration is not a JSON object");
  const r = raw as Record<string, unknown>;
  const chainId = Number(r.chainId);
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new ConfigError("chainId must be a positive integer");
  if (typeof r.ledger !== "string" || !isAddress(r.ledger)) throw new ConfigError("ledger must be the Sealshare contract address");
  const deployBlock = Number(r.deployBlock ?? 0);
  if (!Number.isSafeInteger(deployBlock) || deployBlock < 0) throw new ConfigError("deployBlock must be a block number");
  const url = (key: string, required: boolean, v: unknown = r[key]): string | undefined => {
    if (v === undefined && !required) return undefined;
    if (typeof v !== "string" || v.length === 0) throw new ConfigError(`${key} must be a URL`);
    try {
      return new URL(v, base).href.replace(/%7B/g, "{").replace(/%7D/g, "}");
    } catch {
      throw new ConfigError(`${key} is not a valid URL`);
    }
  };
  const blobUrl = url("blobUrl", true)!;
  if (!blobUrl.includes("{sha256}")) throw new ConfigError("blobUrl must contain {sha256}");
  const perChain = typeof r.explorers === "object" && r.explorers !== null ? (r.explorers as Record<string, unknown>)[String(chainId)] : undefined;
  const explorerTxUrl = url("explorerTxUrl", false, r.explorerTxUrl ?? perChain) ?? PUBLIC_EXPLORERS[chainId];
  if (explorerTxUrl && !explorerTxUrl.includes("{hash}")) throw new ConfigError("explorerTxUrl must contain {hash}");
  if (r.custody !== undefined && (typeof r.custody !== "string" || !isAddress(r.custody))) throw new ConfigError("custody must be the custody contract address");
  if (r.custodianUrls !== undefined && (!Array.isArray(r.custodianUrls) || r.custodianUrls.length === 0 || r.custodianUrls.length > 16)) {
    throw new ConfigError("custodianUrls must be a list of 1 to 16 URLs");
  }
  const custodianUrl = url("custodianUrl", true)!.replace(/\/+$/, "");
  const custodianUrls = r.custodianUrls ? (r.custodianUrls as unknown[]).map((v, i) => url(`custodianUrls[${i}]`, true, v)!.replace(/\/+$/, "")) : [custodianUrl];
  const names: Record<string, string> = {};
  if (typeof r.names === "object" && r.names !== null) {
    for (const [k, v] of Object.entries(r.names)) if (isAddress(k) && typeof v === "string") names[getAddress(k)] = v;
  }
  return {
    chainId,
    chainName: typeof r.chainName === "string" ? r.chainName : `chain ${chainId}`,
    rpcUrl: url("rpcUrl", false),
    ledger: getAddress(r.ledger),
    deployBlock,
    custodianUrl,
    ...(r.custody ? { custody: getAddress(r.custody as string) } : {}),
    custodianUrls,
    blobUrl,
    explorerTxUrl,
    names,
    pollMs: Number.isSafeInteger(r.pollMs) && (r.pollMs as number) >= 100 ? (r.pollMs as number) : 2000,
  };
}

export async function loadConfig(path = "./sealshare.config.json"): Promise<DappConfig> {
  let res: Response;
  try {
    res = await fetch(path, { cache: "no-store" });
  } catch (cause) {
    throw new ConfigError(`could not load ${path}`, { cause });
  }
  if (!res.ok) throw new ConfigError(`could not load ${path} (HTTP ${res.status})`);
  return parseConfig(await res.json());
}

/** The explorer link of a transaction, or undefined when no explorer is configured. */
export function txUrl(config: DappConfig, hash: string): string | undefined {
  return config.explorerTxUrl?.replace("{hash}", hash);
}

/** The blob URL of a ciphertext named `digest` (0x hex) under `scheme` (default: its Merkle root). */
export function blobHttpUrl(config: DappConfig, digest: string, scheme: "merkle" | "sha256" = "merkle"): string {
  return config.blobUrl.replace("{scheme}", scheme).replace("{sha256}", digest.replace(/^0x/, "").toLowerCase());
}
