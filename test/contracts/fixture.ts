/**
 * The shared world of the contract tests: a deployed ledger with its roles wired by the
 * constructor, three member institutions with real device keys, and two datasets about Ana, plus
 * the helpers every file uses (consent terms and signatures over sdk/eip712, requests, a whole
 * share, grant checks, the three consent paths every consent/request suite runs over, and an
 * OpenZeppelin StandardMerkleTree-compatible tree for receipt batches).
 *
 * Actors (SCENARIOS.md): admin, sup1/sup2 (supervisors), custodian, bank (provider), insurer and
 * lender (requesters), ana (subject), mallory (no role at all), fundHouse (an unregistered
 * institution that tests may register, e.g. to take over a dataset).
 *
 * Use it as `const world = await networkHelpers.loadFixture(deploySealshare)`: the fixture
 * receives the connection, so each test file keeps its own chain.
 */
import { expect } from "chai";
import {
  AbiCoder,
  ZeroAddress,
  ZeroHash,
  concat,
  encodeBytes32String,
  getBytes,
  hexlify,
  id,
  keccak256,
  randomBytes,
  toUtf8Bytes,
  TypedDataEncoder,
  type ContractTransactionResponse,
  type TypedDataDomain,
} from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Sealshare, PolicyStruct, VersionParamsStruct, CategoryMinimumStruct, IAccess } from "../../types/ethers-contracts/Sealshare.js";
import { CONSENT_TYPES, REVOKE_CONSENT_TYPES, ledgerDomain, type ConsentTerms } from "../../sdk/eip712.js";
import { Category, GrantInvalidReason, GrantKind, Purpose, type GrantInvalidReasonName } from "../../sdk/vocabulary.js";
import { SUPERVISOR_ROLE, CUSTODIAN_ROLE } from "../../sdk/contracts.js";
import { generateEncryptionKeyPair, type EncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { keyPossessionProof } from "../../sdk/crypto/key-possession.js";
import { keyCommitment } from "../../sdk/stream/commitment.js";

export { SUPERVISOR_ROLE, CUSTODIAN_ROLE, Category, GrantKind, Purpose };
export type { Sealshare, ConsentTerms };
export type RequestParams = IAccess.RequestParamsStruct;

export const MINUTE = 60;
export const HOUR = 3_600;
export const DAY = 86_400;
export const ADMIN_ROLE = ZeroHash;

/** Bank's policy for Ana's datasets: provider approval, one supervisor, 1 h temporary, 30 d formal. */
export const POLICY = { requireProvider: true, supervisorQuorum: 1, maxTemporary: HOUR, maxFormal: 30 * DAY } as const;

/** As the contract returns a Policy: a tuple in field order. */
export function policyTuple(p: PolicyStruct): [boolean, bigint, bigint, bigint] {
  return [p.requireProvider, BigInt(p.supervisorQuorum), BigInt(p.maxTemporary), BigInt(p.maxFormal)];
}

/** The category floor's rule for temporary grants (contracts/common/Types.sol TemporaryRule). */
export const TemporaryRule = { AfterQuorum: 0, Early: 1, Forbidden: 2 } as const;

/** A category minimum with every field not given at its default (zero: AfterQuorum, no cap). */
export function minimum(m: Partial<CategoryMinimumStruct> = {}): CategoryMinimumStruct {
  return { requireProvider: false, supervisorQuorum: 0, temporary: TemporaryRule.AfterQuorum, temporaryQuorum: 0, maxTemporary: 0, ...m };
}

/** As the contract returns or logs a CategoryMinimum: a tuple in field order. */
export function minimumTuple(m: Partial<CategoryMinimumStruct> = {}): [boolean, bigint, bigint, bigint, bigint] {
  const f = minimum(m);
  return [Boolean(f.requireProvider), BigInt(f.supervisorQuorum), BigInt(f.temporary), BigInt(f.temporaryQuorum), BigInt(f.maxTemporary)];
}

export const DEVICE = {
  bank: id("bank/hsm-1"),
  insurer: id("insurer/laptop-1"),
  lender: id("lender/server-1"),
  fundHouse: id("fundhouse/server-1"),
} as const;

export const FORMAT_ID = encodeBytes32String("sealshare-stream-v1/ndjson");

/** The data key of the version tagged `tag` (deterministic, so tests can check commitments). */
export function dekOf(tag: string): Uint8Array {
  return getBytes(keccak256(toUtf8Bytes(`dek ${tag}`)));
}

/** The slot a version is registered under and the ledger it is committed to. */
export interface VersionSlot {
  chainId: bigint;
  ledger: string;
  datasetId: bigint | number;
  version: number;
}

/**
 * A plausible version for `slot`: distinct hashes per `tag`, the v2 key commitment of
 * `dekOf(tag)` bound to the slot (sdk/stream/commitment.ts), a size and a URI. `World.version`
 * fills in the slot the ledger will assign.
 */
export function versionParams(
  tag: string,
  slot: VersionSlot,
): VersionParamsStruct & { keyCommitment: string; merkleRoot: string } {
  const merkleRoot = keccak256(toUtf8Bytes(`chunks ${tag}`));
  return {
    datasetId: BigInt(slot.datasetId),
    version: slot.version,
    merkleRoot,
    keyCommitment: keyCommitment(dekOf(tag), { ...slot, merkleRoot }),
    size: 3n * 1_048_576n + 17n,
    formatId: FORMAT_ID,
    storageURI: `blob://merkle/${merkleRoot.slice(2)}`,
  };
}

/** An on-demand dataset's "first version": nothing yet. */
export const NO_VERSION: VersionParamsStruct = {
  datasetId: 0n,
  version: 0,
  merkleRoot: ZeroHash,
  keyCommitment: ZeroHash,
  size: 0n,
  formatId: ZeroHash,
  storageURI: "",
};

export function reason(name: GrantInvalidReasonName): number {
  return GrantInvalidReason.indexOf(name);
}

/** The request id from the AccessRequested log of a mined requestAccess. */
export async function requestIdOf(ledger: Sealshare, tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  for (const log of receipt!.logs) {
    const parsed = ledger.interface.parseLog(log);
    if (parsed?.name === "AccessRequested") return parsed.args[0] as bigint;
  }
  throw new Error("no AccessRequested log");
}

export async function deploySealshare(connection: NetworkConnection) {
  const { ethers, networkHelpers } = connection;
  const { time } = networkHelpers;
  const signers = await ethers.getSigners();
  const at = (i: number): HardhatEthersSigner => {
    const s = signers[i];
    if (!s) throw new Error(`the network has no account #${i}`);
    return s;
  };
  const admin = at(0);
  const sup1 = at(1);
  const sup2 = at(2);
  const custodian = at(3);
  const bank = at(4);
  const insurer = at(5);
  const lender = at(6);
  const ana = at(7);
  const mallory = at(8);
  const fundHouse = at(9);

  // Roles are wired by the constructor, as in production: the deployer keeps nothing else.
  const ledger = await ethers.deployContract("Sealshare", [admin.address, [sup1.address, sup2.address], custodian.address]);
  const ledgerAddress = await ledger.getAddress();

  const kyc = (who: string) => id(`kyc-ref/${who}`);
  await ledger.connect(sup1).registerMember(bank.address, kyc("bank"), "https://bank.example/sealshare.json");
  await ledger.connect(sup1).registerMember(insurer.address, kyc("insurer"), "https://insurer.example/sealshare.json");
  await ledger.connect(sup1).registerMember(lender.address, kyc("lender"), "https://lender.example/sealshare.json");

  const domain: TypedDataDomain = await ledgerDomain(ledger);
  const chainId = (await ethers.provider.getNetwork()).chainId;

  /** `owner`'s arguments for publishing `pair` as `deviceId`'s key, with its proof of possession. */
  function keyArgs(owner: HardhatEthersSigner, deviceId: string, pair: EncryptionKeyPair = generateEncryptionKeyPair()) {
    const proof = keyPossessionProof({ privateKey: pair.privateKey, owner: owner.address, deviceId, domain });
    return [deviceId, proof.publicKey, proof.publicKeyY, proof.signature] as const;
  }

  /** `owner` publishes `pair` (a fresh one by default) for `deviceId` with a valid proof. */
  function publishKey(owner: HardhatEthersSigner, deviceId: string, pair: EncryptionKeyPair = generateEncryptionKeyPair()) {
    return ledger.connect(owner).publishEncryptionKey(...keyArgs(owner, deviceId, pair));
  }

  /**
   * A version tagged `tag` for the slot the ledger will assign: the next dataset id (for
   * registerDataset) or, given `datasetId`, its latest version + 1 (for publishVersion).
   */
  async function version(tag = "v1", datasetId?: bigint | number) {
    const slot =
      datasetId === undefined
        ? { datasetId: await ledger.nextDatasetId(), version: 1 }
        : { datasetId: BigInt(datasetId), version: Number((await ledger.dataset(datasetId)).latestVersion) + 1 };
    return versionParams(tag, { chainId, ledger: ledgerAddress, ...slot });
  }

  const keys: Record<"bank" | "insurer" | "lender", EncryptionKeyPair & { keyId: bigint; hex: string }> = {} as never;
  for (const [name, signer] of [["bank", bank], ["insurer", insurer], ["lender", lender]] as const) {
    const pair = generateEncryptionKeyPair();
    await publishKey(signer, DEVICE[name], pair);
    const keyId = await ledger.currentKeyId(signer.address, DEVICE[name]);
    keys[name] = { ...pair, keyId, hex: hexlify(pair.publicKey) };
  }

  // Dataset 1: Ana's deposits. Dataset 2: Ana's fund holdings (for "another dataset" cases).
  const v1 = await version("deposits v1");
  await ledger.connect(bank).registerDataset(ana.address, Category.Deposit, POLICY, ZeroHash, v1);
  await ledger.connect(bank).registerDataset(ana.address, Category.Fund, POLICY, ZeroHash, await version("funds v1"));
  const datasetId = 1n;
  const fundsDatasetId = 2n;

  /** Ana's consent for Insurer, dataset 1, underwriting, 30 days, up to Formal; fresh nonce. */
  async function consentTerms(overrides: Partial<ConsentTerms> = {}): Promise<ConsentTerms> {
    const now = BigInt(await time.latest());
    return {
      subject: ana.address,
      requester: insurer.address,
      datasetId,
      category: Category.Deposit,
      purpose: Purpose.underwriting,
      maxKind: GrantKind.Formal,
      expiresAt: now + BigInt(30 * DAY),
      receiptHash: id("consent receipt (ISO/IEC TS 27560)"),
      nonce: hexlify(randomBytes(32)),
      deadline: now + BigInt(HOUR),
      ...overrides,
    };
  }

  /** The consent id computed off chain from sdk/eip712's CONSENT_TYPES (checked against the contract). */
  function consentIdOf(terms: ConsentTerms, d: TypedDataDomain = domain): string {
    return TypedDataEncoder.hash(d, CONSENT_TYPES, terms);
  }

  /** The exact arguments of ConsentGiven for `terms` relayed by `relayer`. */
  function consentGivenArgs(terms: ConsentTerms, relayer: HardhatEthersSigner, d: TypedDataDomain = domain) {
    return [
      consentIdOf(terms, d),
      terms.subject,
      terms.requester,
      terms.datasetId,
      terms.category,
      terms.purpose,
      terms.maxKind,
      terms.expiresAt,
      terms.receiptHash,
      relayer.address,
    ] as const;
  }

  function signConsent(terms: ConsentTerms, signer: HardhatEthersSigner = ana, d: TypedDataDomain = domain) {
    return signer.signTypedData(d, CONSENT_TYPES, terms);
  }

  function signRevoke(consentId: string, deadline: bigint, signer: HardhatEthersSigner = ana, d: TypedDataDomain = domain) {
    return signer.signTypedData(d, REVOKE_CONSENT_TYPES, { consentId, deadline });
  }

  const signerByAddress = new Map(signers.map((s) => [s.address.toLowerCase(), s]));
  /** The test account behind `address` (a consent's subject, say), for paths that sign or send as it. */
  function signerOf(address: string): HardhatEthersSigner {
    const s = signerByAddress.get(address.toLowerCase());
    if (!s) throw new Error(`no test account for ${address}`);
    return s;
  }

  /** The device a member published its key for in the fixture (Insurer's for anyone else). */
  function deviceOf(member: HardhatEthersSigner): string {
    for (const [name, s] of [["bank", bank], ["insurer", insurer], ["lender", lender], ["fundHouse", fundHouse]] as const) {
      if (s.address === member.address) return DEVICE[name];
    }
    return DEVICE.insurer;
  }

  /**
   * The request a consent's terms cover: their dataset (or the fixture's dataset of their
   * category), their purpose, the strongest kind they allow, and the requester's device.
   */
  function requestFor(terms: ConsentTerms, requester: HardhatEthersSigner = insurer): RequestParams {
    const covered = BigInt(terms.datasetId) !== 0n ? terms.datasetId : terms.category === Category.Fund ? fundsDatasetId : datasetId;
    return requestParams({
      datasetId: covered,
      purpose: terms.purpose,
      kind: terms.maxKind === GrantKind.Temporary ? GrantKind.Temporary : GrantKind.Formal,
      deviceId: deviceOf(requester),
    });
  }

  /** Asserts the ledger logged exactly one ConsentGiven for `terms`, with these exact arguments. */
  async function expectConsentGiven(terms: ConsentTerms, relayer: HardhatEthersSigner) {
    const logs = await ledger.queryFilter(ledger.filters.ConsentGiven(consentIdOf(terms)));
    expect(logs.map((l) => [...l.args])).to.deep.equal([
      [
        consentIdOf(terms),
        terms.subject,
        terms.requester,
        BigInt(terms.datasetId),
        BigInt(terms.category),
        BigInt(terms.purpose),
        BigInt(terms.maxKind),
        BigInt(terms.expiresAt),
        terms.receiptHash,
        relayer.address,
      ],
    ]);
  }

  /** Ana consents by transaction and the consent id is returned. */
  async function consent(overrides: Partial<ConsentTerms> = {}): Promise<{ terms: ConsentTerms; consentId: string }> {
    const terms = await consentTerms(overrides);
    await ledger.connect(ana).giveConsent(terms);
    return { terms, consentId: consentIdOf(terms) };
  }

  function requestParams(overrides: Partial<RequestParams> = {}): RequestParams {
    return {
      datasetId,
      version: 0,
      purpose: Purpose.underwriting,
      kind: GrantKind.Formal,
      duration: 7 * DAY,
      deviceId: DEVICE.insurer,
      ...overrides,
    };
  }

  async function request(
    terms: ConsentTerms,
    overrides: Partial<RequestParams> = {},
    requester: HardhatEthersSigner = insurer,
  ): Promise<bigint> {
    const tx = await ledger.connect(requester).requestAccess(requestParams(overrides), terms);
    return requestIdOf(ledger, tx);
  }

  /** Pins the next block's timestamp `offset` seconds after the latest one and returns it. */
  async function nextBlockAt(offset = 1): Promise<number> {
    const t = (await time.latest()) + offset;
    await time.setNextBlockTimestamp(t);
    return t;
  }

  /** The whole story: consent (tx), request, Bank approves, sup1 approves → Formal grant. */
  async function share(consentOverrides: Partial<ConsentTerms> = {}, requestOverrides: Partial<RequestParams> = {}) {
    const { terms, consentId } = await consent(consentOverrides);
    const requestId = await request(terms, requestOverrides);
    await ledger.connect(bank).approveAsProvider(requestId);
    await ledger.connect(sup1).approveAsSupervisor(requestId);
    return { terms, consentId, requestId };
  }

  /** Asserts isGrantValid says "invalid" for `name`, and hands out no key. */
  async function expectInvalid(requestId: bigint, name: GrantInvalidReasonName) {
    const g = await ledger.isGrantValid(requestId);
    expect(g.valid, `grant ${requestId} should be invalid (${name})`).to.equal(false);
    expect(GrantInvalidReason[Number(g.reason)]).to.equal(name);
    expect(g.publicKey).to.equal("0x");
    return g;
  }

  async function expectValid(requestId: bigint) {
    const g = await ledger.isGrantValid(requestId);
    expect(GrantInvalidReason[Number(g.reason)], `grant ${requestId} should be valid`).to.equal("None");
    expect(g.valid).to.equal(true);
    return g;
  }

  return {
    connection,
    ethers,
    networkHelpers,
    time,
    ledger,
    ledgerAddress,
    chainId,
    domain,
    admin,
    sup1,
    sup2,
    custodian,
    bank,
    insurer,
    lender,
    ana,
    mallory,
    fundHouse,
    keys,
    keyArgs,
    publishKey,
    version,
    datasetId,
    fundsDatasetId,
    v1,
    consentTerms,
    consentIdOf,
    consentGivenArgs,
    signConsent,
    signRevoke,
    consent,
    signerOf,
    deviceOf,
    requestFor,
    expectConsentGiven,
    requestParams,
    request,
    nextBlockAt,
    share,
    expectInvalid,
    expectValid,
  };
}

export type World = Awaited<ReturnType<typeof deploySealshare>>;

/**
 * The three ways a consent and a request reach the ledger: the subject's own transaction, or
 * its EIP-712 signature relayed by the requester, each followed by `requestAccess`; or the
 * signature relayed *with* the request in one transaction (`requestAccessWithConsent`). The
 * consent and access behaviour suites run over all three, so no path can drift from another.
 */
export interface ConsentPath {
  name: string;
  /** True when the consent and the request land in one transaction. */
  oneTransaction: boolean;
  /** Who pays for recording the consent, shown as `relayer` in ConsentGiven, when `requester` uses this path. */
  relayer(w: World, requester?: HardhatEthersSigner): HardhatEthersSigner;
  /**
   * Records the consent this path's way. On the one-transaction path that also files
   * `requester`'s request for what the terms cover (`World.requestFor`).
   */
  give(w: World, terms: ConsentTerms, requester?: HardhatEthersSigner): Promise<ContractTransactionResponse>;
  /**
   * Consent, then request `params` as `requester`, this path's way. Resolves to the transaction
   * that filed the request; rejects with the first revert (consent or request).
   */
  request(
    w: World,
    terms: ConsentTerms,
    params: RequestParams,
    requester?: HardhatEthersSigner,
  ): Promise<ContractTransactionResponse>;
}

async function signAsSubject(w: World, terms: ConsentTerms): Promise<string> {
  return w.signConsent(terms, w.signerOf(terms.subject));
}

export const CONSENT_PATHS: ConsentPath[] = [
  {
    name: "by transaction from the subject, then requestAccess",
    oneTransaction: false,
    relayer: (w) => w.ana,
    give: (w, terms) => w.ledger.connect(w.signerOf(terms.subject)).giveConsent(terms),
    async request(w, terms, params, requester = w.insurer) {
      await this.give(w, terms, requester);
      return w.ledger.connect(requester).requestAccess(params, terms);
    },
  },
  {
    name: "by EIP-712 signature relayed by the requester (giveConsentBySig), then requestAccess",
    oneTransaction: false,
    relayer: (w, requester = w.insurer) => requester,
    give: async (w, terms, requester = w.insurer) =>
      w.ledger.connect(requester).giveConsentBySig(terms, await signAsSubject(w, terms)),
    async request(w, terms, params, requester = w.insurer) {
      await this.give(w, terms, requester);
      return w.ledger.connect(requester).requestAccess(params, terms);
    },
  },
  {
    name: "by EIP-712 signature relayed with the request (requestAccessWithConsent)",
    oneTransaction: true,
    relayer: (w, requester = w.insurer) => requester,
    give: async (w, terms, requester = w.insurer) =>
      w.ledger
        .connect(requester)
        .requestAccessWithConsent(w.requestFor(terms, requester), terms, await signAsSubject(w, terms)),
    request: async (w, terms, params, requester = w.insurer) =>
      w.ledger.connect(requester).requestAccessWithConsent(params, terms, await signAsSubject(w, terms)),
  },
];

// ---------------------------------------------------------------------------------------------
// Receipt batches: an OpenZeppelin StandardMerkleTree (sorted leaves, sorted-pair hashing, the
// tree laid out in one array) over receipt leaves, so proofs verify with OZ MerkleProof.
// ---------------------------------------------------------------------------------------------

export interface ReceiptRelease {
  requestId: bigint;
  kind: number;
  envelopeHash: string;
  releasedAt: number;
}

const coder = AbiCoder.defaultAbiCoder();

/** keccak256(bytes.concat(keccak256(abi.encode(requestId, kind, envelopeHash, releasedAt)))). */
export function receiptLeafOf(r: ReceiptRelease): string {
  return keccak256(
    keccak256(coder.encode(["uint256", "uint8", "bytes32", "uint40"], [r.requestId, r.kind, r.envelopeHash, r.releasedAt])),
  );
}

function compareBytes(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function hashPair(a: string, b: string): string {
  return keccak256(concat(compareBytes(a, b) <= 0 ? [a, b] : [b, a]));
}

export class ReceiptTree {
  readonly tree: string[];
  readonly root: string;
  private readonly treeIndexOfLeaf = new Map<string, number>();

  constructor(leaves: string[]) {
    if (leaves.length === 0) throw new Error("empty tree");
    const sorted = [...leaves].sort(compareBytes);
    const tree = new Array<string>(2 * sorted.length - 1);
    sorted.forEach((leaf, i) => {
      tree[tree.length - 1 - i] = leaf;
      this.treeIndexOfLeaf.set(leaf, tree.length - 1 - i);
    });
    for (let i = tree.length - 1 - sorted.length; i >= 0; i--) tree[i] = hashPair(tree[2 * i + 1]!, tree[2 * i + 2]!);
    this.tree = tree;
    this.root = tree[0]!;
  }

  proof(leaf: string): string[] {
    let index = this.treeIndexOfLeaf.get(leaf);
    if (index === undefined) throw new Error("leaf not in tree");
    const proof: string[] = [];
    while (index > 0) {
      proof.push(this.tree[index % 2 === 1 ? index + 1 : index - 1]!);
      index = Math.floor((index - 1) / 2);
    }
    return proof;
  }
}

/** A random 16-byte batch id (the custodian uses a UUID). */
export function batchId(): string {
  return hexlify(randomBytes(16));
}

export { ZeroAddress, ZeroHash, getBytes };
