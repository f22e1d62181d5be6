/**
 * The ledger world of the contract tests (test/contracts/fixture.ts) and of the gas tools
 * (tools/gas-breakdown.ts): a deployed ledger with its roles wired by the constructor, three
 * member institutions with real device keys, and two datasets about Ana, plus the steps every
 * such world uses — consent terms and signatures over sdk/eip712, requests, a whole share.
 * Built from the devkit steps (devkit/build.ts) on any ten ethers signers: the contract tests pass
 * an in-process Hardhat network's accounts. Assertions stay in the tests (the fixture adds them).
 *
 * Actors (SCENARIOS.md): admin, sup1/sup2 (supervisors), custodian, bank (provider), insurer and
 * lender (requesters), ana (subject), mallory (no role at all), fundHouse (an unregistered
 * institution that tests may register, e.g. to take over a dataset).
 *
 * Every version registered here is deterministic per tag (`versionParams`), so its data key
 * (`dekOf`) and commitment can be checked, and the gas of a share does not move between runs.
 */
import {
  ZeroHash,
  encodeBytes32String,
  getBytes,
  hexlify,
  id,
  keccak256,
  randomBytes,
  toUtf8Bytes,
  TypedDataEncoder,
  type ContractTransactionResponse,
  type Signer,
  type TypedDataDomain,
} from "ethers";
import type { IAccess, VersionParamsStruct } from "../types/ethers-contracts/Sealshare.js";
import { deployLedger, type Sealshare } from "../sdk/contracts.js";
import { CONSENT_TYPES, REVOKE_CONSENT_TYPES, ledgerDomain, type ConsentTerms } from "../sdk/eip712.js";
import { Category, GrantKind, Purpose } from "../sdk/vocabulary.js";
import { generateEncryptionKeyPair, type EncryptionKeyPair } from "../sdk/crypto/ecies.js";
import { keyPossessionProof } from "../sdk/crypto/key-possession.js";
import { keyCommitment } from "../sdk/stream/commitment.js";
import { DAY, HOUR, publishDeviceKey, registerMembers } from "./build.js";
import { metadataURIWithName } from "../sdk/members/display-name.js";

export type RequestParams = IAccess.RequestParamsStruct;

/** Bank's policy for Ana's datasets: provider approval, one supervisor, 1 h temporary, 30 d formal. */
export const POLICY = { requireProvider: true, supervisorQuorum: 1, maxTemporary: HOUR, maxFormal: 30 * DAY } as const;

export const DEVICE = {
  bank: id("bank/hsm-1"),
  insurer: id("insurer/laptop-1"),
  lender: id("lender/server-1"),
  fundHouse: id("fundhouse/server-1"),
} as const;

/**
 * The format id the contract world's versions carry: the format's name as a zero-padded bytes32.
 * Not the SDK's id (keccak256 of the name, sdk/convert/records.ts; devkit/build.ts uses that):
 * the ledger stores the id without reading it, and this one keeps the contract tests' pinned gas
 * figures (calldata of registerDataset / publishVersion) where docs/GAS.md quotes them.
 */
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
 * `dekOf(tag)` bound to the slot (sdk/stream/commitment.ts), a size and a URI. The world's
 * `version` fills in the slot the ledger will assign.
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

/** The request id from the AccessRequested log of a mined requestAccess. */
export async function requestIdOf(ledger: Sealshare, tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  for (const log of receipt!.logs) {
    const parsed = ledger.interface.parseLog(log);
    if (parsed?.name === "AccessRequested") return parsed.args[0] as bigint;
  }
  throw new Error("no AccessRequested log");
}

/** An account that signs and knows its address (ethers' Wallet, Hardhat's signers). */
export type WorldSigner = Signer & { readonly address: string };

/**
 * Deploys the ledger from `signers[0]` and builds the world on the first ten signers (admin,
 * sup1, sup2, custodian, bank, insurer, lender, ana, mallory, fundHouse, in that order).
 */
export async function buildContractWorld<S extends WorldSigner>(signers: readonly S[]) {
  const at = (i: number): S => {
    const s = signers[i];
    if (!s) throw new Error(`the network has no account #${i}`);
    return s;
  };
  const [admin, sup1, sup2, custodian, bank, insurer, lender, ana, mallory, fundHouse] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(at) as [S, S, S, S, S, S, S, S, S, S];
  const provider = admin.provider;
  if (!provider) throw new Error("the signers are not connected to a provider");

  // Roles are wired by the constructor, as in production: the deployer keeps nothing else.
  const { ledger } = await deployLedger(admin, { supervisors: [sup1.address, sup2.address], custodian: custodian.address });
  const ledgerAddress = await ledger.getAddress();

  await registerMembers(ledger, sup1, [
    // Each record carries its display name (sdk/members/display-name.ts), so readers show "Bank", not hex.
    { member: bank.address, kycRef: "kyc-ref/bank", metadataURI: metadataURIWithName("Bank", "https://bank.example/sealshare.json") },
    { member: insurer.address, kycRef: "kyc-ref/insurer", metadataURI: metadataURIWithName("Insurer", "https://insurer.example/sealshare.json") },
    { member: lender.address, kycRef: "kyc-ref/lender", metadataURI: metadataURIWithName("Lender", "https://lender.example/sealshare.json") },
  ]);

  const domain: TypedDataDomain = await ledgerDomain(ledger);
  const chainId = (await provider.getNetwork()).chainId;
  const latest = async (): Promise<number> => (await provider.getBlock("latest"))!.timestamp;

  /** `owner`'s arguments for publishing `pair` as `deviceId`'s key, with its proof of possession. */
  function keyArgs(owner: S, deviceId: string, pair: EncryptionKeyPair = generateEncryptionKeyPair()) {
    const proof = keyPossessionProof({ privateKey: pair.privateKey, owner: owner.address, deviceId, domain });
    return [deviceId, proof.publicKey, proof.publicKeyY, proof.signature] as const;
  }

  /** `owner` publishes `pair` (a fresh one by default) for `deviceId` with a valid proof; resolves to the sent (not awaited) transaction. */
  function publishKey(owner: S, deviceId: string, pair: EncryptionKeyPair = generateEncryptionKeyPair()) {
    return (ledger.connect(owner) as Sealshare).publishEncryptionKey(...keyArgs(owner, deviceId, pair));
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
    await publishDeviceKey(ledger, signer, DEVICE[name], pair);
    const keyId = await ledger.currentKeyId(signer.address, DEVICE[name]);
    keys[name] = { ...pair, keyId, hex: hexlify(pair.publicKey) };
  }

  // Dataset 1: Ana's deposits. Dataset 2: Ana's fund holdings (for "another dataset" cases).
  const asBank = ledger.connect(bank) as Sealshare;
  const v1 = await version("deposits v1");
  await (await asBank.registerDataset(ana.address, Category.Deposit, POLICY, ZeroHash, v1)).wait();
  await (await asBank.registerDataset(ana.address, Category.Fund, POLICY, ZeroHash, await version("funds v1"))).wait();
  const datasetId = 1n;
  const fundsDatasetId = 2n;

  /** Ana's consent for Insurer, dataset 1, underwriting, 30 days, up to Formal; fresh nonce. */
  async function consentTerms(overrides: Partial<ConsentTerms> = {}): Promise<ConsentTerms> {
    const now = BigInt(await latest());
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
  function consentGivenArgs(terms: ConsentTerms, relayer: S, d: TypedDataDomain = domain) {
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

  function signConsent(terms: ConsentTerms, signer: S = ana, d: TypedDataDomain = domain) {
    return signer.signTypedData(d, CONSENT_TYPES, terms);
  }

  function signRevoke(consentId: string, deadline: bigint, signer: S = ana, d: TypedDataDomain = domain) {
    return signer.signTypedData(d, REVOKE_CONSENT_TYPES, { consentId, deadline });
  }

  const signerByAddress = new Map(signers.map((s) => [s.address.toLowerCase(), s]));
  /** The account behind `address` (a consent's subject, say), for paths that sign or send as it. */
  function signerOf(address: string): S {
    const s = signerByAddress.get(address.toLowerCase());
    if (!s) throw new Error(`no test account for ${address}`);
    return s;
  }

  /** The device a member published its key for in this world (Insurer's for anyone else). */
  function deviceOf(member: S): string {
    for (const [name, s] of [["bank", bank], ["insurer", insurer], ["lender", lender], ["fundHouse", fundHouse]] as const) {
      if (s.address === member.address) return DEVICE[name];
    }
    return DEVICE.insurer;
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

  /**
   * The request a consent's terms cover: their dataset (or the world's dataset of their
   * category), their purpose, the strongest kind they allow, and the requester's device.
   */
  function requestFor(terms: ConsentTerms, requester: S = insurer): RequestParams {
    const covered = BigInt(terms.datasetId) !== 0n ? terms.datasetId : terms.category === Category.Fund ? fundsDatasetId : datasetId;
    return requestParams({
      datasetId: covered,
      purpose: terms.purpose,
      kind: terms.maxKind === GrantKind.Temporary ? GrantKind.Temporary : GrantKind.Formal,
      deviceId: deviceOf(requester),
    });
  }

  /** Ana consents by transaction and the consent id is returned. */
  async function consent(overrides: Partial<ConsentTerms> = {}): Promise<{ terms: ConsentTerms; consentId: string }> {
    const terms = await consentTerms(overrides);
    await (await (ledger.connect(ana) as Sealshare).giveConsent(terms)).wait();
    return { terms, consentId: consentIdOf(terms) };
  }

  async function request(terms: ConsentTerms, overrides: Partial<RequestParams> = {}, requester: S = insurer): Promise<bigint> {
    const tx = await (ledger.connect(requester) as Sealshare).requestAccess(requestParams(overrides), terms);
    return requestIdOf(ledger, tx);
  }

  /** The whole story: consent (tx), request, Bank approves, sup1 approves → Formal grant. */
  async function share(consentOverrides: Partial<ConsentTerms> = {}, requestOverrides: Partial<RequestParams> = {}) {
    const { terms, consentId } = await consent(consentOverrides);
    const requestId = await request(terms, requestOverrides);
    await (await asBank.approveAsProvider(requestId)).wait();
    await (await (ledger.connect(sup1) as Sealshare).approveAsSupervisor(requestId)).wait();
    return { terms, consentId, requestId };
  }

  return {
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
    requestParams,
    request,
    share,
  };
}

export type ContractWorld<S extends WorldSigner = WorldSigner> = Awaited<ReturnType<typeof buildContractWorld<S>>>;
