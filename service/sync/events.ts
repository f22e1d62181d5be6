/**
 * Decoding ledger logs into the typed {@link LedgerEvent}s the store derives facts from. The
 * ABI comes from the TypeChain bindings (one source of truth with the contracts); only the
 * events listed in TRACKED are fetched, by topic, so unrelated logs never cross the wire.
 *
 * Speed: decoders are built once per event from the ABI into a topic0 → decoder map (no
 * `parseLog` linear scan over fragments). Each static parameter is read straight from its
 * 32-byte word (topic or data head) with a converter chosen for its type — small uints as
 * numbers, addresses checksummed, bytes sliced — so a log decodes without an ABI coder or an
 * ethers `Log` object. Events with parameters the fast path does not read are decoded by
 * ethers' `decodeEventLog` with the precomputed fragment. test/service/sync.test.ts checks both
 * paths against `parseLog` on real logs.
 */
import { getAddress, type EventFragment, type Interface, type Log, type ParamType } from "ethers";
import { Sealshare__factory } from "../../types/ethers-contracts/index.js";
import type { LedgerEvent, LedgerEventName, LoggedEvent } from "../store/store.js";

export const ledgerInterface: Interface = Sealshare__factory.createInterface();

/** The events the custodian follows. */
export const TRACKED: readonly LedgerEventName[] = [
  "AccessRequested",
  "AccessGranted",
  "GrantRevoked",
  "ConsentRevoked",
  "MemberSuspended",
  "DatasetVersionPublished",
  "DatasetRetired",
  "EncryptionKeyPublished",
  "EncryptionKeyRevoked",
  "KeyReleased",
  "ReceiptBatchSealed",
  "Paused",
  "Unpaused",
];

/** topic0 of every tracked event, for the eth_getLogs filter. */
export const TRACKED_TOPICS: string[] = TRACKED.map((name) => ledgerInterface.getEvent(name)!.topicHash);

/** A log as eth_getLogs returns it over JSON-RPC (quantities in hex). */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  transactionIndex: string;
  logIndex: string;
  removed?: boolean;
}

type Args = Record<string, unknown>;

/**
 * Checksummed addresses, memoised: a backlog names the same few requesters thousands of times,
 * and each checksum is a keccak. Bounded (cleared when full).
 */
const checksums = new Map<string, string>();
export function checksumAddress(lowerOrMixed: string): string {
  let c = checksums.get(lowerOrMixed);
  if (c === undefined) {
    c = getAddress(lowerOrMixed);
    if (checksums.size >= 10_000) checksums.clear();
    checksums.set(lowerOrMixed, c);
  }
  return c;
}
type WordReader = (word: string) => unknown; // word: 64 hex chars, no 0x

function wordReader(p: ParamType): WordReader | null {
  const t = p.type;
  let m: RegExpExecArray | null;
  if ((m = /^uint(\d+)$/.exec(t))) {
    const bits = Number(m[1]);
    return bits <= 48 ? (w) => parseInt(w.slice(52), 16) : (w) => BigInt(`0x${w}`);
  }
  if (t === "address") return (w) => checksumAddress(`0x${w.slice(24)}`);
  if (t === "bool") return (w) => w.charCodeAt(63) === 49; // "1"
  if ((m = /^bytes(\d+)$/.exec(t))) {
    const n = Number(m[1]);
    return (w) => `0x${w.slice(0, 2 * n)}`;
  }
  return null;
}

interface Decoder {
  name: LedgerEventName;
  decode(topics: readonly string[], data: string): Args;
}

function buildDecoder(iface: Interface, fragment: EventFragment): Decoder {
  const name = fragment.name as LedgerEventName;
  const slots: { name: string; from: "topic" | "data"; index: number; read: WordReader }[] = [];
  let topic = 1;
  let head = 0;
  let fast = true;
  for (const input of fragment.inputs) {
    if (input.indexed) {
      const read = input.isTuple() || input.isArray() || input.type === "string" || input.type === "bytes" ? null : wordReader(input);
      if (read) slots.push({ name: input.name, from: "topic", index: topic, read });
      topic++;
    } else {
      const read = wordReader(input);
      if (read) slots.push({ name: input.name, from: "data", index: head, read });
      else if (input.type !== "string" && input.type !== "bytes") fast = false; // static tuple / array: width unknown here
      head++; // a dynamic string/bytes takes one head word (its offset), which we skip
    }
  }
  if (!fast) {
    return { name, decode: (topics, data) => iface.decodeEventLog(fragment, data, topics).toObject() };
  }
  return {
    name,
    decode(topics, data) {
      const out: Args = {};
      for (const s of slots) {
        const word = s.from === "topic" ? topics[s.index]!.slice(2) : data.slice(2 + 64 * s.index, 2 + 64 * (s.index + 1));
        if (word.length !== 64) throw new Error(`log of ${name} is too short`);
        out[s.name] = s.read(word);
      }
      return out;
    },
  };
}

/** topic0 → decoder, for the tracked events. */
export const DECODERS: ReadonlyMap<string, Decoder> = new Map(
  TRACKED.map((n) => {
    const f = ledgerInterface.getEvent(n)!;
    return [f.topicHash, buildDecoder(ledgerInterface, f)];
  }),
);

const dec = (v: unknown) => (v as bigint).toString();
const int = (v: unknown) => Number(v);

/** Maps decoded arguments to the store's event shape. */
export function toLedgerEvent(name: LedgerEventName, a: Args): LedgerEvent {
  switch (name) {
    case "AccessRequested":
      return {
        name,
        requestId: dec(a.requestId),
        datasetId: dec(a.datasetId),
        requester: checksumAddress(a.requester as string),
        consentId: (a.consentId as string).toLowerCase(),
        version: int(a.version),
        kind: int(a.kind),
        keyId: int(a.keyId),
      };
    case "AccessGranted":
      return {
        name,
        requestId: dec(a.requestId),
        datasetId: dec(a.datasetId),
        requester: checksumAddress(a.requester as string),
        kind: int(a.kind),
        expiresAt: int(a.expiresAt),
        version: int(a.version),
        keyId: int(a.keyId),
      };
    case "GrantRevoked":
      return { name, requestId: dec(a.requestId) };
    case "ConsentRevoked":
      return { name, consentId: (a.consentId as string).toLowerCase() };
    case "MemberSuspended":
      return { name, member: checksumAddress(a.member as string) };
    case "DatasetVersionPublished":
      return {
        name,
        datasetId: dec(a.datasetId),
        version: int(a.version),
        keyCommitment: (a.keyCommitment as string).toLowerCase(),
      };
    case "DatasetRetired":
      return { name, datasetId: dec(a.datasetId) };
    case "EncryptionKeyPublished":
      return { name, owner: checksumAddress(a.owner as string), keyId: int(a.keyId), previousKeyId: int(a.previousKeyId) };
    case "EncryptionKeyRevoked":
      return { name, owner: checksumAddress(a.owner as string), keyId: int(a.keyId) };
    case "KeyReleased":
      return { name, requestId: dec(a.requestId), kind: int(a.kind), envelopeHash: (a.envelopeHash as string).toLowerCase() };
    case "ReceiptBatchSealed":
      return { name, batchId: (a.batchId as string).toLowerCase(), root: (a.root as string).toLowerCase(), count: int(a.count) };
    case "Paused":
      return { name };
    case "Unpaused":
      return { name };
  }
}

/** Decodes one raw JSON-RPC log; null if it is not a tracked event. */
export function decodeRawLog(log: RawLog): LoggedEvent | null {
  const d = log.topics[0] ? DECODERS.get(log.topics[0].toLowerCase()) : undefined;
  if (!d) return null;
  return {
    blockNumber: parseInt(log.blockNumber, 16),
    blockHash: log.blockHash.toLowerCase(),
    logIndex: parseInt(log.logIndex, 16),
    txIndex: parseInt(log.transactionIndex, 16),
    txHash: log.transactionHash.toLowerCase(),
    event: toLedgerEvent(d.name, d.decode(log.topics, log.data)),
  };
}

/** Decodes one ethers `Log`; null if it is not a tracked event of the ledger. */
export function decodeLog(log: Log): LoggedEvent | null {
  const d = log.topics[0] ? DECODERS.get(log.topics[0].toLowerCase()) : undefined;
  if (!d) return null;
  return {
    blockNumber: log.blockNumber,
    blockHash: log.blockHash.toLowerCase(),
    logIndex: log.index,
    txIndex: log.transactionIndex,
    txHash: log.transactionHash.toLowerCase(),
    event: toLedgerEvent(d.name, d.decode(log.topics, log.data)),
  };
}
