/**
 * What every action takes first: the ledger, and for writes the account that acts. Plus the
 * shared plumbing of the actions (sending a transaction and decoding its revert, reading the
 * events it emitted, chain time). Not an action itself.
 *
 * @example
 * ```ts
 * const provider = new JsonRpcProvider(rpcUrl);
 * const ctx: SealshareContext = {
 *   ledger: connectLedger(deployment.ledger, provider),
 *   signer: new Wallet(privateKey, provider),
 *   fromBlock: deployment.deployBlock,
 * };
 * await registerMember(ctx, { member: bank, kycRef: "KYC-0001", metadataURI: "https://…" });
 * ```
 */
import { getAddress, id, isAddress, isHexString, type ContractTransactionReceipt, type ContractTransactionResponse, type Provider, type Signer } from "ethers";
import type { Sealshare } from "../contracts.js";
import { SealshareError } from "../errors.js";
import { asLedgerError } from "../revert.js";
import { readEvents, type EventReaderOptions, type EventSource, type LedgerLog } from "../reads/events.js";

export interface SealshareContext {
  /** The ledger, connected to a provider (reads) or a signer. */
  ledger: Sealshare;
  /** The account that sends transactions and signs; needed by write and signing actions. */
  signer?: Signer;
  /** First block to scan for events (the deployment block). Default 0. */
  fromBlock?: number;
  /** How events are paged (largest block range per eth_getLogs, retries). sdk/reads/events.ts */
  reader?: EventReaderOptions;
}

/** What every transaction-sending action returns. */
export interface TxResult {
  txHash: string;
  blockNumber: number;
}

export function providerOf(ctx: SealshareContext): Provider {
  const p = ctx.signer?.provider ?? ctx.ledger.runner?.provider;
  if (!p) throw new SealshareError("NO_PROVIDER", "the ledger is not connected to a provider");
  return p;
}

export function requireSigner(ctx: SealshareContext): Signer {
  if (!ctx.signer) {
    throw new SealshareError("NO_ACCOUNT", "this action needs an account to sign with", {
      hint: "set SEALSHARE_PRIVATE_KEY, or use --keystore <file> / --as <account from the config>",
    });
  }
  return ctx.signer;
}

/** The ledger connected to the context's signer. */
export function writer(ctx: SealshareContext): Sealshare {
  return ctx.ledger.connect(requireSigner(ctx)) as Sealshare;
}

/**
 * Sends a transaction and waits for it to be mined. A revert (at estimation or mining) is
 * re-thrown as a SealshareError named after the contract's custom error, with a hint.
 */
export async function sendTx(send: () => Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  let receipt: ContractTransactionReceipt | null;
  try {
    const tx = await send();
    receipt = await tx.wait();
  } catch (err) {
    throw asLedgerError(err);
  }
  if (!receipt) throw new SealshareError("TX_DROPPED", "the transaction was not mined");
  return receipt;
}

/** Runs a view call; a revert becomes a named SealshareError. */
export async function readCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw asLedgerError(err);
  }
}

export function txResult(receipt: ContractTransactionReceipt): TxResult {
  return { txHash: receipt.hash, blockNumber: receipt.blockNumber };
}

/** The arguments of every `name` event the ledger emitted in `receipt`, in log order. */
export function eventsIn(ctx: SealshareContext, receipt: ContractTransactionReceipt, name: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const log of receipt.logs) {
    let parsed;
    try {
      parsed = ctx.ledger.interface.parseLog(log);
    } catch {
      continue;
    }
    if (parsed?.name === name) out.push(parsed.args.toObject());
  }
  return out;
}

/** The first `name` event of `receipt`; throws if the transaction emitted none. */
export function eventIn(ctx: SealshareContext, receipt: ContractTransactionReceipt, name: string): Record<string, unknown> {
  const found = eventsIn(ctx, receipt, name)[0];
  if (!found) throw new SealshareError("MISSING_EVENT", `no ${name} event in transaction ${receipt.hash}`);
  return found;
}

/** The latest block's timestamp: "now" as the contracts see it (not the wall clock). */
export async function chainNow(ctx: SealshareContext): Promise<number> {
  const block = await providerOf(ctx).getBlock("latest");
  if (!block) throw new SealshareError("NO_BLOCK", "the node returned no latest block");
  return block.timestamp;
}

/**
 * "Now" for judging an expiry: the later of the wall clock and the latest block's time. On an
 * idle chain no block is mined for a while, so the latest block's time lags behind and a view
 * call (`isGrantValid`) still sees a grant that ran out as live; the custodian judges expiry the
 * same way (service/http/serve.ts).
 */
export async function expiryNow(ctx: SealshareContext): Promise<number> {
  return Math.max(Math.floor(Date.now() / 1000), await chainNow(ctx));
}

/** A checksummed address, or a SealshareError naming the field. */
export function toAddress(value: string, field: string): string {
  if (!isAddress(value)) throw new SealshareError("INVALID_ADDRESS", `${field} is not an address: ${JSON.stringify(value)}`, { hint: "give a 0x-prefixed 20-byte hex address" });
  return getAddress(value);
}

/**
 * A device id (bytes32): 0x + 64 hex is taken as is, anything else is a label hashed with
 * keccak256 (so "insurer/laptop-1" and its hash name the same device).
 */
export function toDeviceId(labelOrId: string): string {
  if (isHexString(labelOrId, 32)) return labelOrId.toLowerCase();
  if (!labelOrId) throw new SealshareError("INVALID_DEVICE", "a device id or label is needed");
  return id(labelOrId);
}

/** A bytes32 value: 0x + 64 hex as is; otherwise keccak256 of the text. */
export function toBytes32(textOrHash: string): string {
  return isHexString(textOrHash, 32) ? textOrHash.toLowerCase() : id(textOrHash);
}

export type { LedgerLog } from "../reads/events.js";

/** Where the context reads events: its provider, the ledger, the deployment block, the paging rule. */
export async function eventSource(ctx: SealshareContext): Promise<EventSource> {
  return { provider: providerOf(ctx), ledger: await ctx.ledger.getAddress(), fromBlock: ctx.fromBlock ?? 0, reader: ctx.reader };
}

/**
 * The ledger's `event` logs whose indexed arguments match `topics` (positionally after the
 * event's own topic; null = any, an array = any of), through the bounded, chunked reader
 * (sdk/reads/events.ts). Values are addresses, bigints or bytes32.
 */
export async function queryEvents(ctx: SealshareContext, event: string | string[], topics: (null | unknown | unknown[])[] = [], range: { fromBlock?: number; toBlock?: number } = {}): Promise<LedgerLog[]> {
  return readEvents(await eventSource(ctx), { event, topics, ...range });
}
