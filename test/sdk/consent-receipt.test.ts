/**
 * Consent receipts (sdk/consent): the canonical JSON they are hashed in, the Kantara / ISO/IEC
 * TS 27560 fields and their schema, and verification against consents recorded on a real
 * in-process chain.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { hexlify, keccak256, randomBytes, toUtf8Bytes, ZeroAddress } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import {
  buildConsentReceipt,
  canonicalJson,
  ConsentReceiptError,
  consentTermsOf,
  exportReceipt,
  parseReceipt,
  receiptHash,
  validateReceipt,
  verifyReceiptOnChain,
  type ConsentReceipt,
} from "../../sdk/consent/index.js";
import { deployLedger, type Sealshare } from "../../sdk/contracts.js";
import { CONSENT_TYPES, ledgerDomain, type ConsentTerms } from "../../sdk/eip712.js";
import { Category, GrantKind, Purpose } from "../../sdk/vocabulary.js";

const { ethers, networkHelpers } = await network.create();
const DAY = 86_400;

const BANK = {
  piiController: "Example Savings Bank",
  contact: "Data Protection Office",
  address: "1 Example Street, Seoul",
  email: "privacy@bank.example",
  phone: "+82 2 0000 0000",
} as const;

async function deploy() {
  const [admin, sup, custodian, ana, insurer] = await ethers.getSigners();
  const { ledger, deployment } = await deployLedger(admin!, { supervisors: [sup!.address], custodian: custodian!.address });
  return { ledger, deployment, ana: ana!, insurer: insurer!, chainId: BigInt(deployment.chainId) };
}

type World = Awaited<ReturnType<typeof deploy>>;

async function termsFor(w: World, overrides: Partial<Omit<ConsentTerms, "receiptHash">> = {}): Promise<Omit<ConsentTerms, "receiptHash">> {
  const now = await networkHelpers.time.latest();
  return {
    subject: w.ana.address,
    requester: w.insurer.address,
    datasetId: 0n,
    category: Category.Deposit,
    purpose: Purpose.underwriting,
    maxKind: GrantKind.Formal,
    expiresAt: BigInt(now + 30 * DAY),
    nonce: hexlify(randomBytes(32)),
    deadline: BigInt(now + DAY),
    ...overrides,
  };
}

async function receiptFor(w: World, overrides: Partial<Omit<ConsentTerms, "receiptHash">> = {}): Promise<ConsentReceipt> {
  return buildConsentReceipt({
    chainId: w.chainId,
    ledger: w.deployment.ledger,
    terms: await termsFor(w, overrides),
    jurisdiction: "KR",
    piiControllers: [BANK],
    policyUrl: "https://bank.example/privacy",
  });
}

/** Ana records the receipt's consent herself. */
async function give(w: World, receipt: ConsentReceipt, as: HardhatEthersSigner = w.ana): Promise<string> {
  const terms = consentTermsOf(receipt);
  await (await w.ledger.connect(as).giveConsent(terms)).wait();
  return w.ledger.consentId(terms);
}

async function failure(promise: Promise<unknown>): Promise<ConsentReceiptError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error, "expected a ConsentReceiptError").to.be.instanceOf(ConsentReceiptError);
  return error as ConsentReceiptError;
}

describe("consent receipts", () => {
  describe("canonical JSON", () => {
    it("sorts keys, drops undefined members and writes no whitespace", () => {
      expect(canonicalJson({ b: 1, a: [true, null, "x"], c: undefined, d: { z: -0, y: -7 } })).to.equal('{"a":[true,null,"x"],"b":1,"d":{"y":-7,"z":0}}');
      expect(canonicalJson({ a: 1, b: 2 })).to.equal(canonicalJson({ b: 2, a: 1 }));
    });

    it("orders keys by UTF-16 code units and escapes strings like RFC 8785", () => {
      // RFC 8785 §3.2.3's example: code-unit order puts U+1F600 (a surrogate pair) before U+FB33.
      const keys = ["\u20ac", "\r", "\ufb33", "1", "\ud83d\ude00", "\u0080", "\u00f6"];
      // (Read off the string: JSON.parse would list the integer-like key "1" first.)
      const out = canonicalJson(Object.fromEntries(keys.map((k) => [k, 0])));
      expect(out).to.equal('{"\\r":0,"1":0,"\u0080":0,"\u00f6":0,"\u20ac":0,"\ud83d\ude00":0,"\ufb33":0}');
      expect(canonicalJson('quote " backslash \\ newline \n tab \t nul \u0000 é 😀')).to.equal(
        '"quote \\" backslash \\\\ newline \\n tab \\t nul \\u0000 é 😀"',
      );
    });

    it("refuses values that could be written differently elsewhere", () => {
      for (const bad of [1.5, 2 ** 53, NaN, Infinity, 1n, [undefined], new Date(0), () => 1, Symbol("s")]) {
        expect(() => canonicalJson({ v: bad }), String(bad)).to.throw(TypeError);
      }
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(() => canonicalJson(cyclic)).to.throw(TypeError, /cyclic/);
      expect(canonicalJson({ a: [1], b: [1] })).to.equal('{"a":[1],"b":[1]}'); // shared, not cyclic
    });
  });

  describe("building, exporting and parsing", () => {
    let w: World;
    before(async () => (w = await networkHelpers.loadFixture(deploy)));

    it("has the Kantara v1.1 fields, identifies the subject by address only, and binds the terms", async () => {
      const receipt = await receiptFor(w);
      expect(receipt).to.include({ version: "KI-CR-v1.1.0", jurisdiction: "KR", language: "en", piiPrincipalId: w.ana.address, sensitive: false });
      expect(receipt.consentReceiptID).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(receipt.piiControllers).to.deep.equal([BANK]);
      const [purpose] = receipt.services[0]!.purposes;
      expect(purpose).to.include({ purpose: "underwriting", consentType: "EXPLICIT", primaryPurpose: true, thirdPartyDisclosure: true, thirdPartyName: w.insurer.address });
      expect(purpose!.piiCategory).to.deep.equal(["Deposit"]);
      expect(receipt.sealshare).to.deep.include({ chainId: w.deployment.chainId, ledger: w.deployment.ledger });
      expect(receipt.sealshare.terms).to.include({ subject: w.ana.address, datasetId: "0", category: Category.Deposit, maxKind: GrantKind.Formal });
    });

    it("exports the canonical bytes, whose keccak256 is the receipt hash that goes into the terms", async () => {
      const receipt = await receiptFor(w);
      const file = exportReceipt(receipt);
      expect(file).to.equal(canonicalJson(receipt));
      expect(receiptHash(receipt)).to.equal(keccak256(toUtf8Bytes(file)));
      expect(consentTermsOf(receipt).receiptHash).to.equal(receiptHash(receipt));
    });

    it("parses a receipt back to the same hash however the file is formatted", async () => {
      const receipt = await receiptFor(w);
      const reordered = JSON.stringify(Object.fromEntries(Object.entries(receipt).reverse()), null, 2);
      expect(receiptHash(parseReceipt(exportReceipt(receipt)))).to.equal(receiptHash(receipt));
      expect(receiptHash(parseReceipt(reordered))).to.equal(receiptHash(receipt));
    });

    it("changes its hash when any field changes", async () => {
      const receipt = await receiptFor(w);
      const edited = { ...receipt, policyUrl: "https://bank.example/privacy-v2" };
      expect(receiptHash(validateReceipt(edited))).to.not.equal(receiptHash(receipt));
    });

    const invalid: [string, (r: ConsentReceipt) => unknown][] = [
      ["a name as the principal id", (r) => ({ ...r, piiPrincipalId: "Ana Kim" })],
      ["a national id as the principal id", (r) => ({ ...r, piiPrincipalId: "900101-1234567" })],
      ["a principal other than the consent's subject", (r) => ({ ...r, piiPrincipalId: ZeroAddress })],
      ["an unknown field (e.g. a name smuggled in)", (r) => ({ ...r, piiPrincipalName: "Ana Kim" })],
      ["no policy URL", (r) => ({ ...r, policyUrl: undefined })],
      ["a fractional timestamp", (r) => ({ ...r, consentTimestamp: 1.5 })],
      ["another version", (r) => ({ ...r, version: "KI-CR-v1.0.0" })],
      ["a third-party disclosure without the third party's name", (r) => ({ ...r, services: [{ ...r.services[0]!, purposes: [{ ...r.services[0]!.purposes[0]!, thirdPartyName: undefined }] }] })],
      ["special categories without sensitive", (r) => ({ ...r, spiCat: ["health"] })],
      ["no controller", (r) => ({ ...r, piiControllers: [] })],
      ["a malformed nonce", (r) => ({ ...r, sealshare: { ...r.sealshare, terms: { ...r.sealshare.terms, nonce: "0x1234" } } })],
    ];
    for (const [what, edit] of invalid) {
      it(`rejects a receipt with ${what}`, async () => {
        const receipt = await receiptFor(w);
        const error = (() => {
          try {
            parseReceipt(JSON.stringify(edit(receipt)));
          } catch (e) {
            return e;
          }
        })();
        expect(error).to.be.instanceOf(ConsentReceiptError);
        expect((error as ConsentReceiptError).code).to.equal("INVALID_RECEIPT");
      });
    }

    it("rejects a file that is not JSON", () => {
      expect(() => parseReceipt("{ not json")).to.throw(ConsentReceiptError, /not JSON/);
    });
  });

  describe("verification against the ledger", () => {
    let w: World;
    beforeEach(async () => (w = await networkHelpers.loadFixture(deploy)));

    it("finds the ConsentGiven event and confirms the ledger recorded this receipt for these terms", async () => {
      const receipt = await receiptFor(w);
      const consentId = await give(w, receipt);
      const found = await verifyReceiptOnChain({ provider: ethers.provider, ledger: w.deployment.ledger, receipt, consentId });
      expect(found).to.include({ consentId, receiptHash: receiptHash(receipt), relayer: w.ana.address, revoked: false });
      expect(found.blockNumber).to.be.greaterThan(w.deployment.deployBlock);
      // Without a consent id, the receipt's own terms name it.
      expect((await verifyReceiptOnChain({ ledger: w.ledger, receipt })).consentId).to.equal(consentId);
    });

    it("verifies a gasless consent relayed by the requester, and reports a later revocation", async () => {
      const receipt = await receiptFor(w);
      const terms = consentTermsOf(receipt);
      const signature = await w.ana.signTypedData(await ledgerDomain(w.ledger), CONSENT_TYPES, terms);
      await (await w.ledger.connect(w.insurer).giveConsentBySig(terms, signature)).wait();
      const consentId = await w.ledger.consentId(terms);
      expect(await verifyReceiptOnChain({ ledger: w.ledger, receipt, consentId })).to.include({ relayer: w.insurer.address, revoked: false });
      await (await w.ledger.connect(w.ana).revokeConsent(consentId)).wait();
      expect(await verifyReceiptOnChain({ ledger: w.ledger, receipt, consentId })).to.include({ revoked: true });
    });

    it("reports RECEIPT_HASH_MISMATCH for a receipt edited after the consent was given", async () => {
      const receipt = await receiptFor(w);
      const consentId = await give(w, receipt);
      const edited = validateReceipt({ ...receipt, services: [{ ...receipt.services[0]!, service: "something broader" }] });
      const error = await failure(verifyReceiptOnChain({ ledger: w.ledger, receipt: edited, consentId }));
      expect(error.code).to.equal("RECEIPT_HASH_MISMATCH");
      expect(error.details).to.deep.include({ recorded: receiptHash(receipt), computed: receiptHash(edited) });
    });

    it("reports RECEIPT_TERMS_MISMATCH when a consent with other terms reused this receipt's hash", async () => {
      // The receipt says 30 days; the consent recorded with its hash says a year.
      const receipt = await receiptFor(w);
      const otherTerms = { ...consentTermsOf(receipt), expiresAt: consentTermsOf(receipt).expiresAt + BigInt(335 * DAY) };
      await (await w.ledger.connect(w.ana).giveConsent(otherTerms)).wait();
      const consentId = await w.ledger.consentId(otherTerms);
      const error = await failure(verifyReceiptOnChain({ ledger: w.ledger, receipt, consentId }));
      expect(error.code).to.equal("RECEIPT_TERMS_MISMATCH");
    });

    it("reports CONSENT_NOT_RECORDED for a consent that was never given", async () => {
      const receipt = await receiptFor(w);
      expect((await failure(verifyReceiptOnChain({ ledger: w.ledger, receipt }))).code).to.equal("CONSENT_NOT_RECORDED");
    });

    it("reports RECEIPT_WRONG_LEDGER and RECEIPT_WRONG_CHAIN for a receipt of another deployment", async () => {
      const receipt = await receiptFor(w);
      await give(w, receipt);
      const [admin] = await ethers.getSigners();
      const { ledger: other } = await deployLedger(admin!);
      expect((await failure(verifyReceiptOnChain({ ledger: other, receipt }))).code).to.equal("RECEIPT_WRONG_LEDGER");
      const elsewhere = validateReceipt({ ...receipt, sealshare: { ...receipt.sealshare, chainId: "1" } });
      expect((await failure(verifyReceiptOnChain({ ledger: w.ledger, receipt: elsewhere }))).code).to.equal("RECEIPT_WRONG_CHAIN");
    });
  });
});

export type { Sealshare };
