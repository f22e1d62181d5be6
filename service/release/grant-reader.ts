/**
 * `isGrantValid` for many grants in ONE eth_call, at a given block tag.
 *
 * The release worker re-checks every grant on chain twice (at the store's finalized block and at
 * the head, see ./worker.ts). One eth_call per check is ~130 calls per second on a local
 * Hardhat node, which serves them one at a time: that, not the custodian, was the ceiling on
 * releases per second. Here a round's checks at one block tag are one "deployless" call:
 * `eth_call` with no `to` and `data = creationCode ‖ abi.encode(ledger, ids)` of
 * contracts/readers/GrantValidityReader.sol, whose constructor calls `ledger.isGrantValid(id)`
 * for each id and `return`s the answers packed (the block number, then 111 bytes per id; the
 * layout is in the contract).
 * Nothing is deployed; any node runs it (a contract creation simulated in a throw-away state);
 * the answers are exactly the ledger's own view's, at exactly the block asked for
 * (test/service/grant-reader.test.ts compares them with one call per id, for valid, revoked,
 * expired and unknown grants, at a past block too). The packed answer decodes with string
 * slicing, no ABI coder.
 *
 * Ids are sent in chunks of at most 200 (what a creation may return is capped at 24,576 bytes,
 * EIP-170), chunks in parallel (ethers puts them in one JSON-RPC batch). A view that reverts for one id comes back as that id's error, not
 * the batch's. If a node refuses the deployless call itself (not a network failure), the reader
 * falls back to one `isGrantValid` call per id for that read (for good after three refusals in
 * a row), and logs it.
 */
import { AbiCoder, getAddress, type Provider } from "ethers";
import { GrantValidityReader__factory } from "../../types/ethers-contracts/index.js";
import { isRetryable } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import { checksumAddress, ledgerInterface } from "../sync/events.js";

/** What `isGrantValid` answers (the ledger's GrantView), as plain values. */
export interface GrantCheck {
  valid: boolean;
  reason: number; // GrantInvalidReason
  kind: number; // GrantKind
  expiresAt: number;
  datasetId: bigint;
  version: number;
  requester: string;
  keyId: number;
  publicKey: string; // 0x hex, 33 bytes (empty if the key changed)
  keyCommitment: string;
}

export type GrantCheckResult = { ok: true; view: GrantCheck } | { ok: false; error: unknown };

export interface GrantRead {
  /** The block the answers are from (what "latest" was); undefined when the node did not say. */
  block?: number;
  results: GrantCheckResult[];
}

export interface GrantReader {
  /** `isGrantValid(id)` at `blockTag` for every id, in order. Throws only when the whole read failed. */
  read(ids: readonly bigint[], blockTag: number | "latest"): Promise<GrantRead>;
}

const coder = AbiCoder.defaultAbiCoder();

/** Bytes per id in the reader's output (contracts/readers/GrantValidityReader.sol). */
export const RECORD = 111;
/** Ids per call: the output must stay under EIP-170's 24,576 bytes (221 records). */
export const MAX_CHUNK = 200;

const uint = (hex: string, from: number, to: number) => parseInt(hex.slice(2 * from, 2 * to), 16);

/** Decodes the reader's packed output (hex without 0x) for `n` ids: the block, then the records. */
export function decodeRecords(hex: string, n: number, ids: readonly bigint[]): GrantRead {
  if (hex.length !== 16 + 2 * RECORD * n) throw new Error(`the grant reader answered ${hex.length / 2} bytes for ${n} ids`);
  const block = parseInt(hex.slice(0, 16), 16);
  const out: GrantCheckResult[] = [];
  for (let i = 0; i < n; i++) {
    const r = hex.slice(16 + 2 * RECORD * i, 16 + 2 * RECORD * (i + 1));
    const flags = uint(r, 0, 1);
    if (flags & 2) {
      out.push({ ok: false, error: new Error(`isGrantValid(${ids[i]}) reverted`) });
      continue;
    }
    const keyLength = uint(r, 45, 46);
    out.push({
      ok: true,
      view: {
        valid: (flags & 1) === 1,
        reason: uint(r, 1, 2),
        kind: uint(r, 2, 3),
        expiresAt: uint(r, 3, 8),
        datasetId: BigInt(`0x${r.slice(16, 32)}`),
        version: uint(r, 16, 20),
        keyId: uint(r, 20, 25),
        requester: checksumAddress(`0x${r.slice(50, 90)}`),
        // A key longer than 33 bytes cannot be a compressed point: passed on as one byte, refused.
        publicKey: keyLength === 0xff ? "0x00" : `0x${r.slice(92, 92 + 2 * keyLength)}`,
        keyCommitment: `0x${r.slice(158, 222)}`,
      },
    });
  }
  return { block, results: out };
}

function fromView(v: {
  valid: boolean;
  reason: bigint;
  kind: bigint;
  expiresAt: bigint;
  datasetId: bigint;
  version: bigint;
  requester: string;
  keyId: bigint;
  publicKey: string;
  keyCommitment: string;
}): GrantCheck {
  return {
    valid: v.valid,
    reason: Number(v.reason),
    kind: Number(v.kind),
    expiresAt: Number(v.expiresAt),
    datasetId: BigInt(v.datasetId),
    version: Number(v.version),
    requester: getAddress(v.requester),
    keyId: Number(v.keyId),
    publicKey: v.publicKey,
    keyCommitment: v.keyCommitment,
  };
}

const tagOf = (t: number | "latest") => (t === "latest" ? "latest" : t);

export interface GrantReaderDeps {
  provider: Provider;
  ledger: string;
  log: Logger;
  /** Ids per eth_call (default and at most 200). */
  chunk?: number;
}

export function createGrantReader(deps: GrantReaderDeps): GrantReader {
  const { provider, log } = deps;
  const ledger = getAddress(deps.ledger);
  const chunk = Math.min(MAX_CHUNK, Math.max(1, deps.chunk ?? MAX_CHUNK));
  const one = ledgerInterface.getFunction("isGrantValid")!;
  let refusals = 0; // consecutive refusals of the deployless call; 3 and it is not tried again

  async function batch(ids: readonly bigint[], blockTag: number | "latest"): Promise<GrantRead> {
    const args = coder.encode(["address", "uint256[]"], [ledger, ids]).slice(2);
    const out = await provider.call({ data: GrantValidityReader__factory.bytecode + args, blockTag: tagOf(blockTag) });
    return decodeRecords(out.slice(2), ids.length, ids);
  }

  async function single(id: bigint, blockTag: number | "latest"): Promise<GrantCheckResult> {
    try {
      const out = await provider.call({ to: ledger, data: ledgerInterface.encodeFunctionData(one, [id]), blockTag: tagOf(blockTag) });
      return { ok: true, view: fromView(ledgerInterface.decodeFunctionResult(one, out)[0]) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  return {
    async read(ids, blockTag) {
      if (ids.length === 0) return { results: [] };
      if (refusals < 3) {
        try {
          const parts: Promise<GrantRead>[] = [];
          for (let i = 0; i < ids.length; i += chunk) parts.push(batch(ids.slice(i, i + chunk), blockTag));
          const reads = await Promise.all(parts);
          refusals = 0;
          // Chunks of a "latest" read may land on different blocks: then no one block is claimed.
          const block = reads.every((r) => r.block === reads[0]!.block) ? reads[0]!.block : undefined;
          return { block, results: reads.flatMap((r) => r.results) };
        } catch (err) {
          if (isRetryable(err)) throw err;
          refusals++;
          log.warn({ err, refusals }, "the node refused the batched isGrantValid read; one eth_call per grant this time");
        }
      }
      return { results: await Promise.all(ids.map((id) => single(id, blockTag))) };
    },
  };
}
