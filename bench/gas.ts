/**
 * Gas per operation, next to an Ethereum Attestation Service attestation and an ERC-721 mint,
 * all measured in one in-process Hardhat network (`network.create()`), from mined receipts
 * (`gasUsed`: the 21,000 base cost and calldata included).
 *
 *  - Sealshare: the real contract compiled by `hardhat compile` (contracts/Sealshare.sol), with
 *    its roles wired as in production: admin, two supervisors, the custodian.
 *  - EAS: SchemaRegistry + EAS from the @ethereum-attestation-service/eas-contracts package's own
 *    prebuilt artifacts (its release build, compiled by the EAS team with their settings: solc
 *    0.8.29 per the bytecode metadata), a schema registered, `attest` with an expiration time, the subject as
 *    recipient and 4 words of data — "uint64 datasetId,address requester,uint32 purpose,uint8
 *    kind", what a grant states (AccessGranted carries the same facts).
 *  - ERC-721: OpenZeppelin 5's ERC721 with a public `_mint` (contracts/test/bench/BenchERC721.sol).
 *
 * Every operation runs on a ledger in use — one whole share first, so one-time costs (the
 * first request id, the first dataset) are not charged to the measured ones — and is repeated
 * `profile.gas.reps` times; the entry is the median.
 */
import { createRequire } from "node:module";
// The world's own helpers (the same versions, policy and request ids the contract tests use).
import { POLICY, requestIdOf, versionParams } from "../devkit/contract-world.js";
import { DAY, HOUR } from "../devkit/build.js";
import { network } from "hardhat";
import {
  AbiCoder,
  ContractFactory,
  encodeBytes32String,
  getBytes,
  hexlify,
  id,
  keccak256,
  randomBytes,
  sha256,
  toUtf8Bytes,
  Wallet,
  ZeroAddress,
  ZeroHash,
  Signature,
  type BaseContract,
  type ContractTransactionResponse,
  type Signer,
} from "ethers";
import type { Sealshare } from "../types/ethers-contracts/index.js";
import type { BenchERC721, SealshareCustody } from "../types/ethers-contracts/index.js";
import { CUSTODIAN_ROLE } from "../sdk/contracts.js";
import { CUSTODIAN_DEVICE_ID } from "../devkit/build.js";
import { CONSENT_TYPES, SHARE_APPROVAL_TYPES, ledgerDomain, type ConsentTerms } from "../sdk/eip712.js";
import { keyPossessionProof } from "../sdk/crypto/key-possession.js";
import { Category, GrantKind, Purpose } from "../sdk/vocabulary.js";
import { entry, type Entry } from "./lib/harness.js";
import type { Profile } from "./lib/profiles.js";

const require = createRequire(import.meta.url);
interface Artifact {
  abi: unknown[];
  bytecode: string;
}
const EAS_ARTIFACTS = "@ethereum-attestation-service/eas-contracts/artifacts/contracts";
const SCHEMA_REGISTRY = require(`${EAS_ARTIFACTS}/SchemaRegistry.sol/SchemaRegistry.json`) as Artifact;
const EAS = require(`${EAS_ARTIFACTS}/EAS.sol/EAS.json`) as Artifact;

/** The attestation the baseline makes: "requester may use datasetId for purpose, as kind", with expiry. */
export const EAS_SCHEMA = "uint64 datasetId,address requester,uint32 purpose,uint8 kind";

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt || receipt.status !== 1) throw new Error("benchmark transaction failed");
  return Number(receipt.gasUsed);
}

export async function runGas(profile: Profile, say: (line: string) => void): Promise<Entry[]> {
  const reps = profile.gas.reps;
  const connection = await network.create();
  const { ethers, provider } = connection;
  try {
    const signers = await ethers.getSigners();
    const at = (i: number) => {
      const s = signers[i];
      if (!s) throw new Error(`the in-process network has no account #${i}`);
      return s;
    };
    const [admin, sup1, sup2, custodian, bank, insurer, ana] = [0, 1, 2, 3, 4, 5, 6].map(at) as unknown as [Signer, Signer, Signer, Signer, Signer, Signer, Signer];
    const spare = signers.slice(7); // fresh accounts for one-off operations
    const addr = (s: Signer) => s.getAddress();

    // ── Sealshare, wired as in production ──────────────────────────────────────────────────
    const ledger = (await ethers.deployContract("Sealshare", [await addr(admin), [await addr(sup1), await addr(sup2)], await addr(custodian)])) as unknown as Sealshare;
    const as = (s: Signer) => ledger.connect(s) as Sealshare;
    for (const m of [bank, insurer]) await gasOf(as(sup1).registerMember(await addr(m), id(`kyc/${await addr(m)}`), "https://example.org/member.json"));
    const device = { bank: id("bank/hsm-1"), insurer: id("insurer/laptop-1") };
    const domain = await ledgerDomain(ledger);
    const chainId = (await ethers.provider.getNetwork()).chainId;
    const ledgerAddress = await ledger.getAddress();
    /** A fresh device key for `owner`'s `deviceId`, with its proof of possession (publishEncryptionKey's arguments). */
    const deviceKey = async (owner: Signer, deviceId: string) => {
      const proof = keyPossessionProof({ privateKey: randomBytes(32), owner: await addr(owner), deviceId, domain });
      return [deviceId, proof.publicKey, proof.publicKeyY, proof.signature] as const;
    };
    /** A version for the next dataset id, or for `datasetId`'s next version number. */
    const version = async (tag: string, datasetId?: bigint) =>
      versionParams(tag, {
        chainId,
        ledger: ledgerAddress,
        ...(datasetId === undefined
          ? { datasetId: await ledger.nextDatasetId(), version: 1 }
          : { datasetId, version: Number((await ledger.dataset(datasetId)).latestVersion) + 1 }),
      });
    await gasOf(as(bank).publishEncryptionKey(...(await deviceKey(bank, device.bank))));
    await gasOf(as(insurer).publishEncryptionKey(...(await deviceKey(insurer, device.insurer))));
    await gasOf(as(bank).registerDataset(await addr(ana), Category.Deposit, POLICY, ZeroHash, await version("deposits v1")));
    const datasetId = 1n;
    const latest = async () => BigInt((await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] }) as { timestamp: string }).timestamp);

    let nonceSeq = 0;
    const terms = async (): Promise<ConsentTerms> => {
      const now = await latest();
      return {
        subject: await addr(ana),
        requester: await addr(insurer),
        datasetId,
        category: Category.Deposit,
        purpose: Purpose.underwriting,
        maxKind: GrantKind.Formal,
        expiresAt: now + BigInt(30 * DAY),
        receiptHash: id("consent receipt (ISO/IEC TS 27560)"),
        nonce: id(`nonce ${nonceSeq++}`),
        deadline: now + BigInt(HOUR),
      };
    };
    const sign = (t: ConsentTerms) => ana.signTypedData(domain, CONSENT_TYPES, t);
    const params = { datasetId, version: 0, purpose: Purpose.underwriting, kind: GrantKind.Formal, duration: 7 * DAY, deviceId: device.insurer };
    const consentId = (t: ConsentTerms) => ledger.consentId(t);

    /** A whole four-party share; returns the gas of each step. */
    async function share() {
      const t = await terms();
      const tx = await as(insurer).requestAccessWithConsent(params, t, await sign(t));
      const request = await gasOf(Promise.resolve(tx));
      const requestId = await requestIdOf(ledger, tx);
      const provider = await gasOf(as(bank).approveAsProvider(requestId));
      const supervisor = await gasOf(as(sup1).approveAsSupervisor(requestId));
      return { requestId, request, provider, supervisor, total: request + provider + supervisor };
    }

    // ── Threshold custody beside the ledger: a 2-of-3 set (the custodian and the last two accounts) ──
    const custody = (await ethers.deployContract("SealshareCustody", [ledgerAddress])) as unknown as SealshareCustody;
    const custodians = [custodian, signers.at(-2)!, signers.at(-1)!] as Signer[];
    for (const c of custodians.slice(1)) await gasOf(as(admin).grantRole(CUSTODIAN_ROLE, await addr(c)));
    for (const c of custodians) await gasOf(as(c).publishEncryptionKey(...(await deviceKey(c, CUSTODIAN_DEVICE_ID))));
    const setId = await custody.lastSetId() + 1n;
    await gasOf((custody.connect(admin) as SealshareCustody).registerSet(await Promise.all(custodians.map(addr)), 2));

    say("gas: Sealshare operations");
    await share(); // warm-up: the first share on a fresh ledger also pays for counters going 0 → 1
    const g: Record<string, number[]> = {};
    const put = (op: string, gas: number) => (g[op] ??= []).push(gas);
    const granted: bigint[] = [];
    for (let r = 0; r < reps; r++) {
      const s = await share();
      put("share.total", s.total);
      put("request_with_consent", s.request);
      put("provider_approval", s.provider);
      put("granting_approval", s.supervisor);
      granted.push(s.requestId);
    }
    for (let r = 0; r < reps; r++) {
      const member = spare[2 * r]!;
      put("register_member", await gasOf(as(sup1).registerMember(await addr(member), id(`kyc/spare ${r}`), "https://example.org/member.json")));
      const keyOwner = spare[2 * r + 1]!;
      put("publish_key", await gasOf(as(keyOwner).publishEncryptionKey(...(await deviceKey(keyOwner, id(`device ${r}`))))));
      put("register_dataset", await gasOf(as(bank).registerDataset(await addr(ana), Category.Bond, POLICY, id(`src ${r}`), await version(`bonds ${r}`))));
      put("publish_version", await gasOf(as(bank).publishVersion(datasetId, await version(`deposits v${r + 2}`, datasetId))));
      put("custody_deposit", await gasOf((custody.connect(bank) as SealshareCustody).depositShares(datasetId, r + 2, setId, id(`shares root v${r + 2}`))));

      const byTx = await terms();
      put("consent_tx", await gasOf(as(ana).giveConsent(byTx)));
      const bySig = await terms();
      put("consent_sig", await gasOf(as(insurer).giveConsentBySig(bySig, await sign(bySig))));

      const reqTx = await as(insurer).requestAccess(params, byTx);
      put("request", await gasOf(Promise.resolve(reqTx)));
      const requestId = await requestIdOf(ledger, reqTx);
      await gasOf(as(bank).approveAsProvider(requestId));
      await gasOf(as(sup1).approveAsSupervisor(requestId));
      put("record_usage", await gasOf(as(insurer).recordUsage(requestId, 1, id("exported as CSV"))));
      put("receipt_single", await gasOf(as(custodian).recordRelease(requestId, GrantKind.Formal, id(`envelope ${r}`))));
      put("revoke_grant", await gasOf(as(sup2).revokeGrant(granted[r]!, 1)));
      put("revoke_consent", await gasOf(as(ana).revokeConsent(await consentId(bySig))));
      put("receipt_batch100", await gasOf(as(custodian).sealReceiptBatch(hexlify(randomBytes(16)), hexlify(randomBytes(32)), 100)));
    }
    g["receipt.batch100.per_release"] = g["receipt_batch100"]!.map((x) => x / 100);

    // ── The one-transaction share: approvals as EIP-712 signatures (relayShare / relayShares) ──
    say("gas: one-transaction shares (signed approvals)");
    /** The arguments of one relayShare: Ana's signed consent, Insurer's request, Bank's and sup1's signed approvals (EIP-2098). */
    const relayArgs = async () => {
      const t = await terms();
      const consentId = await ledger.consentId(t);
      const deadline = t.deadline;
      const approve = async (signer: Signer, asSupervisor: boolean) => {
        const approver = await addr(signer);
        const message = { consentId, requester: await addr(insurer), datasetId, purpose: params.purpose, kind: params.kind, duration: params.duration, approver, asSupervisor, deadline };
        return { approver, asSupervisor, deadline, signature: Signature.from(await signer.signTypedData(domain, SHARE_APPROVAL_TYPES, message)).compactSerialized };
      };
      return [params, t, await sign(t), [await approve(bank, false), await approve(sup1, true)]] as [typeof params, typeof t, string, Awaited<ReturnType<typeof approve>>[]];
    };
    await gasOf(as(insurer).relayShare(...(await relayArgs()))); // warm-up: the verifier's first call
    for (let r = 0; r < reps; r++) put("share.onetx", await gasOf(as(insurer).relayShare(...(await relayArgs()))));
    for (let r = 0; r < Math.min(reps, 3); r++) {
      const calls: string[] = [];
      for (let i = 0; i < 50; i++) calls.push(ledger.interface.encodeFunctionData("relayShare", [...(await relayArgs())]));
      put("share.batch50.per_share", (await gasOf(as(insurer).relayShares(calls))) / 50);
    }

    // ── EAS: attest with an expiration time ────────────────────────────────────────────────
    say("gas: EAS attest and ERC-721 mint baselines");
    const deploy = async (a: Artifact, args: unknown[]) => {
      const c = await new ContractFactory(a.abi as never, a.bytecode, admin).deploy(...args);
      await c.waitForDeployment();
      return c as BaseContract & Record<string, (...a: unknown[]) => Promise<ContractTransactionResponse>>;
    };
    const registry = await deploy(SCHEMA_REGISTRY, []);
    const eas = await deploy(EAS, [await registry.getAddress()]);
    const register = registry.getFunction("register");
    const schemaUid = (await register.staticCall(EAS_SCHEMA, ZeroAddress, true)) as string;
    await gasOf(register.send(EAS_SCHEMA, ZeroAddress, true));
    const coder = AbiCoder.defaultAbiCoder();
    const attestGas: number[] = [];
    for (let r = 0; r <= reps; r++) {
      const now = await latest();
      const gas = await gasOf(
        (eas.connect(insurer) as typeof eas).attest!({
          schema: schemaUid,
          data: {
            recipient: await addr(ana),
            expirationTime: now + BigInt(30 * DAY),
            revocable: true,
            refUID: ZeroHash,
            data: coder.encode(["uint64", "address", "uint32", "uint8"], [datasetId + BigInt(r), await addr(insurer), Purpose.underwriting, GrantKind.Formal]),
            value: 0n,
          },
        }),
      );
      if (r > 0) attestGas.push(gas); // the first attestation of the deployment as warm-up, like the share
    }

    // ── ERC-721: mint to a new owner ───────────────────────────────────────────────────────
    const nft = (await ethers.deployContract("BenchERC721", [])) as unknown as BenchERC721;
    const mintGas: number[] = [];
    for (let r = 0; r <= reps; r++) {
      const gas = await gasOf(nft.mint(Wallet.createRandom().address));
      if (r > 0) mintGas.push(gas); // the first mint also takes the id counter from 0
    }

    // ── entries ─────────────────────────────────────────────────────────────────────────────
    const easBase = { name: "EAS attest (with expiry)", samples: attestGas };
    const nftBase = { name: "ERC-721 mint", samples: mintGas };
    const out: Entry[] = [
      entry({
        name: "gas.share.total",
        unit: "gas",
        samples: g["share.total"]!,
        baseline: easBase,
        target: { on: "ratio", max: 1, text: "≤ 1 EAS attest" },
        note: "requestAccessWithConsent (subject's signed consent relayed by the requester) + provider approval + supervisor approval, base costs included",
      }),
      entry({ name: "gas.share.total.vs_erc721", unit: "gas", samples: g["share.total"]!, baseline: nftBase }),
      entry({
        name: "gas.share.onetx",
        unit: "gas",
        samples: g["share.onetx"]!,
        baseline: easBase,
        target: { on: "ratio", max: 0.5, text: "≤ 0.5 EAS attest" },
        note: "relayShare: the subject's signed consent + the request + the provider's and a supervisor's EIP-712 approvals (64-byte signatures) → formal grant, one transaction",
      }),
      entry({
        name: "gas.share.batch50.per_share",
        unit: "gas",
        samples: g["share.batch50.per_share"]!,
        baseline: easBase,
        target: { on: "ratio", max: 0.3, text: "≤ 0.3 EAS attest" },
        note: "relayShares of 50 relayShare calls, one transaction, / 50",
      }),
      entry({
        name: "gas.receipt.batch100.per_release",
        unit: "gas",
        samples: g["receipt.batch100.per_release"]!,
        baseline: easBase,
        target: { on: "value", max: 500, text: "≤ 500 gas" },
        note: "sealReceiptBatch of 100 releases / 100",
      }),
      entry({
        name: "gas.custody.deposit",
        unit: "gas",
        samples: g["custody_deposit"]!,
        baseline: { name: "publishVersion (the version it covers)", samples: g["publish_version"]! },
        note: "SealshareCustody.depositShares: the shares root of a version held by a 2-of-3 custodian set (checks the provider, the set and its custodians' keys on the ledger)",
      }),
      entry({ name: "gas.receipt.batch100.per_release.vs_single", unit: "gas", samples: g["receipt.batch100.per_release"]!, baseline: { name: "recordRelease (one-by-one receipt)", samples: g["receipt_single"]! } }),
    ];
    const OPS: [string, string, boolean][] = [
      ["register_member", "registerMember (supervisor)", false],
      ["publish_key", "publishEncryptionKey", false],
      ["register_dataset", "registerDataset with its first version", true],
      ["publish_version", "publishVersion", true],
      ["consent_tx", "giveConsent (by the subject's transaction)", true],
      ["consent_sig", "giveConsentBySig (EIP-712, relayed)", true],
      ["request", "requestAccess (consent already recorded)", true],
      ["request_with_consent", "requestAccessWithConsent (signed consent + request)", true],
      ["provider_approval", "approveAsProvider (grants Temporary)", false],
      ["granting_approval", "approveAsSupervisor (upgrades to Formal)", false],
      ["revoke_consent", "revokeConsent", false],
      ["revoke_grant", "revokeGrant (supervisor)", false],
      ["record_usage", "recordUsage", false],
      ["receipt_single", "recordRelease (one-by-one receipt)", true],
      ["receipt_batch100", "sealReceiptBatch of 100 releases (whole batch)", false],
    ];
    for (const [op, what, vsNft] of OPS) {
      out.push(entry({ name: `gas.${op}`, unit: "gas", samples: g[op]!, baseline: easBase, note: what }));
      if (vsNft) out.push(entry({ name: `gas.${op}.vs_erc721`, unit: "gas", samples: g[op]!, baseline: nftBase }));
    }
    return out;
  } finally {
    await connection.close();
  }
}
