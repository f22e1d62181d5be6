/**
 * The shared world of the contract tests: the ledger world of devkit/contract-world.ts (a
 * deployed ledger with its roles wired by the constructor, three member institutions with real
 * device keys, two datasets about Ana, consent terms and signatures over sdk/eip712, requests, a
 * whole share) on the network's accounts, plus what only tests need: assertions (grant checks,
 * the exact ConsentGiven log), chain-time control, the three consent paths every consent/request
 * suite runs over, and an OpenZeppelin StandardMerkleTree-compatible tree for receipt batches.
 *
 * Actors (SCENARIOS.md): admin, sup1/sup2 (supervisors), custodian, bank (provider), insurer and
 * lender (requesters), ana (subject), mallory (no role at all), fundHouse (an unregistered
 * institution that tests may register, e.g. to take over a dataset).
 *
 * Use it as `const world = await networkHelpers.loadFixture(deploySealshare)`: the fixture
 * receives the connection, so each test file keeps its own chain.
 */
import { expect } from "chai";
import { AbiCoder, ZeroAddress, ZeroHash, concat, getBytes, hexlify, keccak256, randomBytes, type ContractTransactionResponse } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Sealshare, PolicyStruct, CategoryMinimumStruct } from "../../types/ethers-contracts/Sealshare.js";
import type { ConsentTerms } from "../../sdk/eip712.js";
import { Category, GrantInvalidReason, GrantKind, Purpose, type GrantInvalidReasonName } from "../../sdk/vocabulary.js";
import { SUPERVISOR_ROLE, CUSTODIAN_ROLE } from "../../sdk/contracts.js";
import { DAY, HOUR } from "../../devkit/build.js";
import { buildContractWorld } from "../../devkit/contract-world.js";

export { SUPERVISOR_ROLE, CUSTODIAN_ROLE, Category, GrantKind, Purpose, DAY, HOUR };
export type { Sealshare, ConsentTerms };
export {
  DEVICE,
  FORMAT_ID,
  NO_VERSION,
  POLICY,
  dekOf,
  requestIdOf,
  versionParams,
  type RequestParams,
  type VersionSlot,
} from "../../devkit/contract-world.js";
import type { RequestParams } from "../../devkit/contract-world.js";

export const MINUTE = 60;
export const ADMIN_ROLE = ZeroHash;

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

export function reason(name: GrantInvalidReasonName): number {
  return GrantInvalidReason.indexOf(name);
}

export async function deploySealshare(connection: NetworkConnection) {
  const { ethers, networkHelpers } = connection;
  const { time } = networkHelpers;
  const world = await buildContractWorld<HardhatEthersSigner>(await ethers.getSigners());
  const { ledger, consentIdOf } = world;

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

  /** Pins the next block's timestamp `offset` seconds after the latest one and returns it. */
  async function nextBlockAt(offset = 1): Promise<number> {
    const t = (await time.latest()) + offset;
    await time.setNextBlockTimestamp(t);
    return t;
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
    ...world,
    expectConsentGiven,
    nextBlockAt,
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
