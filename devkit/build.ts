/**
 * World-building on a deployed ledger — the steps every local world takes (devkit/world.ts, the
 * contract tests' world in devkit/contract-world.ts, the fault drills in scripts/lib/faults-core.ts,
 * the custodian benchmark in bench/custodian.ts):
 * register members, publish a device key with its proof of possession, register a dataset with
 * its v2 key commitment, give a consent, and (threshold custody) publish custodians' share keys
 * and register a custodian set. Each step is one transaction, mined before it returns.
 *
 * The datasets registered here are placeholders (random ciphertext hash and Merkle root, no blob):
 * enough for the ledger and the custodian, which never read the ciphertext. A world that needs a
 * real file uses the SDK's registerDataset action (scripts/lib/story.ts).
 */
import { hexlify, id, randomBytes, ZeroHash, type ContractTransactionResponse, type Signer } from "ethers";
import type { Deployment, Sealshare, SealshareCustody } from "../sdk/contracts.js";
import type { EncryptionKeyPair } from "../sdk/crypto/ecies.js";
import { keyPossessionProof } from "../sdk/crypto/key-possession.js";
import { CUSTODIAN_DEVICE_ID } from "../sdk/actions/deposit-key.js";
import { ledgerDomain, type ConsentTerms } from "../sdk/eip712.js";
import { keyCommitment } from "../sdk/stream/commitment.js";
import { Category, GrantKind, Purpose } from "../sdk/vocabulary.js";

export const DAY = 86_400;
export const HOUR = 3_600;
/** The stream format's id as datasets register it. */
export const FORMAT_ID = id("sealshare-stream-v1/ndjson");

/** Waits until `tx` is mined; returns the transaction. */
export async function mined(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionResponse> {
  const t = await tx;
  await t.wait();
  return t;
}

function as(ledger: Sealshare, signer: Signer): Sealshare {
  return ledger.connect(signer) as Sealshare;
}

/** A member to register: its account, and the KYC reference (hashed on chain) and metadata URI when not the defaults. */
export interface MemberEntry {
  readonly member: string;
  /** Default `kyc/<address>`; only its keccak256 goes on chain. */
  readonly kycRef?: string;
  readonly metadataURI?: string;
}

/**
 * `supervisor` registers each of `members`, in order: an address (KYC reference `kyc/<address>`,
 * metadata URI `uri`) or a {@link MemberEntry}.
 */
export async function registerMembers(ledger: Sealshare, supervisor: Signer, members: readonly (string | MemberEntry)[], uri = "https://example.org/m.json"): Promise<void> {
  for (const entry of members) {
    const m: MemberEntry = typeof entry === "string" ? { member: entry } : entry;
    await mined(as(ledger, supervisor).registerMember(m.member, id(m.kycRef ?? `kyc/${m.member}`), m.metadataURI ?? uri));
  }
}

/** Publishes `key` as `owner`'s `deviceId`, with the proof of possession the ledger requires. */
export async function publishDeviceKey(ledger: Sealshare, owner: Signer, deviceId: string, key: EncryptionKeyPair): Promise<ContractTransactionResponse> {
  const p = keyPossessionProof({ privateKey: key.privateKey, owner: await owner.getAddress(), deviceId, domain: await ledgerDomain(ledger) });
  return mined(as(ledger, owner).publishEncryptionKey(deviceId, p.publicKey, p.publicKeyY, p.signature));
}

/** A placeholder dataset registered by {@link registerPlaceholderDataset}. */
export interface Dataset {
  readonly datasetId: bigint;
  readonly version: 1;
  readonly dek: Uint8Array;
  readonly merkleRoot: string;
}

export interface PlaceholderDatasetOptions {
  /** Registers this commitment instead of the DEK's (e.g. one copied from another dataset). */
  readonly commitment?: string;
  readonly merkleRoot?: string;
  /** Ciphertext size on record; default 1234 bytes. */
  readonly size?: bigint;
}

/**
 * `provider` registers a dataset about `subject` (category deposit) under `policy`, with a fresh
 * DEK and the matching v2 commitment (bound to this chain, ledger, the id the ledger will assign
 * and version 1).
 */
export async function registerPlaceholderDataset(
  ledger: Sealshare,
  deployment: Pick<Deployment, "chainId" | "ledger">,
  provider: Signer,
  subject: string,
  policy: { requireProvider: boolean; supervisorQuorum: number; maxTemporary: number; maxFormal: number },
  opts: PlaceholderDatasetOptions = {},
): Promise<Dataset> {
  const dek = new Uint8Array(randomBytes(32));
  const merkleRoot = opts.merkleRoot ?? hexlify(randomBytes(32));
  const datasetId = await ledger.nextDatasetId();
  const binding = { chainId: BigInt(deployment.chainId), ledger: deployment.ledger, datasetId, version: 1, merkleRoot };
  const tx = await mined(
    as(ledger, provider).registerDataset(subject, Category.Deposit, policy, ZeroHash, {
      datasetId,
      version: 1,
      merkleRoot,
      keyCommitment: opts.commitment ?? keyCommitment(dek, binding),
      size: opts.size ?? 1234n,
      formatId: FORMAT_ID,
      storageURI: `blob://merkle/${merkleRoot.slice(2)}`,
    }),
  );
  const receipt = await tx.wait();
  for (const l of receipt!.logs) {
    const p = ledger.interface.parseLog(l);
    if (p?.name === "DatasetRegistered") return { datasetId: p.args.datasetId as bigint, version: 1, dek, merkleRoot };
  }
  throw new Error("no DatasetRegistered log");
}

/**
 * Consent terms of `subject` for `requester` (ZeroAddress: anyone) to `datasetId` (0: every
 * dataset of the category): deposit, underwriting, up to a formal grant, for 30 days from `now`,
 * signable for an hour.
 */
export function consentTerms(o: { subject: string; requester: string; datasetId: bigint; now: bigint; receipt?: string }): ConsentTerms {
  return {
    subject: o.subject,
    requester: o.requester,
    datasetId: o.datasetId,
    category: Category.Deposit,
    purpose: Purpose.underwriting,
    maxKind: GrantKind.Formal,
    expiresAt: o.now + BigInt(30 * DAY),
    receiptHash: id(o.receipt ?? "consent receipt"),
    nonce: hexlify(randomBytes(32)),
    deadline: o.now + BigInt(HOUR),
  };
}

/** `subject` gives consent `terms` by transaction; returns its consent id. */
export async function giveConsent(ledger: Sealshare, subject: Signer, terms: ConsentTerms): Promise<string> {
  await mined(as(ledger, subject).giveConsent(terms));
  return ledger.consentId(terms);
}

/**
 * The ledger device id a custodian publishes its key under, keccak256("sealshare-custodian"):
 * the SDK's (sdk/actions/deposit-key.ts), which SealshareCustody.CUSTODIAN_DEVICE_ID equals, so a
 * single custodian's key and a threshold custodian's share key are the same published key.
 */
export { CUSTODIAN_DEVICE_ID };

/** `custodian` (a CUSTODIAN_ROLE holder) publishes `key` as its share key (CUSTODIAN_DEVICE_ID), with its proof of possession. */
export function publishCustodianKey(ledger: Sealshare, custodian: Signer, key: EncryptionKeyPair): Promise<ContractTransactionResponse> {
  return publishDeviceKey(ledger, custodian, CUSTODIAN_DEVICE_ID, key);
}

/**
 * `admin` registers the set `custodians` (each holding CUSTODIAN_ROLE with a published share
 * key) with `threshold` on `custody`; returns the new set's id from its CustodianSetRegistered log.
 */
export async function registerCustodianSet(custody: SealshareCustody, admin: Signer, custodians: readonly string[], threshold: number): Promise<bigint> {
  const tx = await mined((custody.connect(admin) as SealshareCustody).registerSet([...custodians], threshold));
  const receipt = await tx.wait();
  for (const l of receipt!.logs) {
    const p = custody.interface.parseLog(l);
    if (p?.name === "CustodianSetRegistered") return p.args.setId as bigint;
  }
  throw new Error("no CustodianSetRegistered log");
}
