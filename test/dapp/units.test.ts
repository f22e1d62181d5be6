/**
 * The dapp's own logic, without a browser: wallet discovery order, the deployment config, the
 * consent hand-over formats (interoperable with the SDK/CLI consent file), reason codes in
 * words, and the Sign-In with Ethereum message. Device keys (sdk/crypto/wallet-key.ts) and
 * record conversion (sdk/convert/records.ts) are the SDK's, tested in test/sdk.
 */
import { expect } from "chai";
import { getAddress, hexlify, randomBytes, Wallet } from "ethers";
import { SiweMessage } from "siwe";
import { consentFromJson } from "../../sdk/actions/consent-terms.js";
import { parseConfig, ConfigError, blobHttpUrl, txUrl } from "../../dapp/src/lib/config.js";
import { grantRules, temporaryWords, TemporaryRule, waitingFor } from "../../sdk/reads/grant-rules.js";
import { buildConsentReceipt, consentTermsOf, receiptHash, validateReceipt } from "../../sdk/consent/index.js";
import { askLink, consentLink, parseAsk, parseSignedConsent, receiptDetails, toConsentFile, toJson } from "../../dapp/src/lib/consent-share.js";
import { siweMessage } from "../../sdk/actions/sign-in-to-custodian.js";
import { LEGACY_RDNS, legacyWallet, rankWallets, type WalletDetail } from "../../dapp/src/lib/discovery.js";
import { duration } from "../../sdk/format.js";
import { reasonLabel as reasonWords } from "../../sdk/vocabulary.js";

const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const provider = () => ({ request: async () => null });
const wallet = (name: string, rdns: string): WalletDetail => ({ info: { uuid: `${rdns}-uuid`, name, icon: "", rdns }, provider: provider() });

describe("dapp units", function () {
  describe("wallet discovery (EIP-6963)", function () {
    it("offers MetaMask first, then other announced wallets in order, then window.ethereum", function () {
      const rabby = wallet("Rabby", "io.rabby");
      const mm = wallet("MetaMask", "io.metamask");
      const legacy = legacyWallet({ ethereum: provider() })!;
      const ranked = rankWallets([rabby, mm], legacy);
      expect(ranked.map((w) => w.info.name)).to.deep.equal(["MetaMask", "Rabby", "Browser wallet"]);
      expect(ranked[2]!.info.rdns).to.equal(LEGACY_RDNS);
    });

    it("does not list window.ethereum twice when it is also an announced wallet", function () {
      const mm = wallet("MetaMask", "io.metamask.flask");
      const legacy = legacyWallet({ ethereum: mm.provider })!;
      expect(rankWallets([mm], legacy)).to.have.length(1);
    });

    it("falls back to window.ethereum alone, named MetaMask when it says so", function () {
      const legacy = legacyWallet({ ethereum: { ...provider(), isMetaMask: true } })!;
      expect(rankWallets([], legacy).map((w) => w.info.name)).to.deep.equal(["MetaMask"]);
      expect(legacyWallet({})).to.equal(undefined);
    });
  });

  describe("deployment config", function () {
    const good = { chainId: 31337, ledger: LEDGER.toLowerCase(), deployBlock: 1, custodianUrl: "/custodian/", blobUrl: "/blobs/sha256/{sha256}", explorerTxUrl: "https://explorer.example/tx/{hash}" };

    it("resolves relative URLs against the app and fills the URL patterns", function () {
      const c = parseConfig(good, "http://127.0.0.1:5173/app/");
      expect(c.ledger).to.equal(LEDGER);
      expect(c.custodianUrl).to.equal("http://127.0.0.1:5173/custodian");
      expect(blobHttpUrl(c, `0x${"AB".repeat(32)}`)).to.equal(`http://127.0.0.1:5173/blobs/sha256/${"ab".repeat(32)}`);
      expect(txUrl(c, "0x12")).to.equal("https://explorer.example/tx/0x12");
    });

    it("links transactions per chain: the config's explorer for its chain, a public chain's default, none on a local chain", function () {
      const { explorerTxUrl: _dropped, ...local } = good;
      expect(txUrl(parseConfig(local), "0x12"), "no dead link on a local chain").to.equal(undefined);
      const perChain = { ...local, chainId: 11155111, explorers: { "11155111": "https://sepolia.example/tx/{hash}", "1": "https://mainnet.example/tx/{hash}" } };
      expect(txUrl(parseConfig(perChain), "0x12")).to.equal("https://sepolia.example/tx/0x12");
      expect(txUrl(parseConfig({ ...local, chainId: 11155111 }), "0x12")).to.equal("https://sepolia.etherscan.io/tx/0x12");
      expect(txUrl(parseConfig({ ...local, explorers: { "1": "https://mainnet.example/tx/{hash}" } }), "0x12"), "another chain's explorer is not this one's").to.equal(undefined);
      expect(() => parseConfig({ ...perChain, explorers: { "11155111": "https://sepolia.example/tx/" } })).to.throw(ConfigError, /explorerTxUrl must contain \{hash\}/);
    });

    it("names the field that is wrong", function () {
      expect(() => parseConfig({ ...good, ledger: "0x12" })).to.throw(ConfigError, /ledger/);
      expect(() => parseConfig({ ...good, blobUrl: "/blobs" })).to.throw(ConfigError, /\{sha256\}/);
      expect(() => parseConfig({ ...good, chainId: -1 })).to.throw(ConfigError, /chainId/);
    });
  });

  describe("consent hand-over", function () {
    const terms = {
      subject: getAddress(hexlify(randomBytes(20))),
      requester: getAddress(hexlify(randomBytes(20))),
      datasetId: 7n,
      category: 0,
      purpose: 1,
      maxKind: 2,
      expiresAt: 1_900_000_000n,
      receiptHash: hexlify(randomBytes(32)),
      nonce: hexlify(randomBytes(32)),
      deadline: 1_800_000_000n,
    };
    const file = toConsentFile({ terms, consentId: hexlify(randomBytes(32)), chainId: "31337", ledger: LEDGER, signature: hexlify(randomBytes(65)), receipt: { version: "KI-CR-v1.1.0" } });

    it("writes the SDK's consent file, which the CLI reads back unchanged", function () {
      const back = consentFromJson(JSON.parse(toJson(file)));
      expect(back.terms).to.deep.equal(terms);
      expect(back.signature).to.equal(file.signature);
    });

    it("reads a pasted consent from its JSON or from its link", function () {
      expect(parseSignedConsent(toJson(file)).terms).to.deep.equal(terms);
      const link = consentLink("http://127.0.0.1:5173/#/subject?ask=x", file);
      expect(link).to.match(/^http:\/\/127\.0\.0\.1:5173\/#\/requester\?consent=[A-Za-z0-9_-]+$/);
      const parsed = parseSignedConsent(`here it is: ${link}`);
      expect(parsed.terms).to.deep.equal(terms);
      expect(parsed.receipt).to.deep.equal({ version: "KI-CR-v1.1.0" });
    });

    it("builds its consent receipt with the SDK: schema-valid, bound to the terms, its canonical hash the terms' receiptHash", function () {
      const { receiptHash: _stub, ...unhashed } = terms;
      const receipt = buildConsentReceipt({ chainId: 31337n, ledger: LEDGER, terms: unhashed, ...receiptDetails({ requester: terms.requester, requesterName: "Insurer", policyUrl: "http://127.0.0.1:5173/#/subject" }) });
      const signed = toConsentFile({ terms: { ...terms, receiptHash: receiptHash(receipt) }, consentId: hexlify(randomBytes(32)), chainId: "31337", ledger: LEDGER, signature: hexlify(randomBytes(65)), receipt });
      const back = parseSignedConsent(consentLink("http://127.0.0.1:5173/#/subject", signed));
      const again = validateReceipt(back.receipt); // the SDK's schema check (the old stub failed it)
      expect(receiptHash(again)).to.equal(back.terms.receiptHash);
      expect(consentTermsOf(again)).to.deep.equal(back.terms);
      expect(() => validateReceipt({ version: "KI-CR-v1.1.0", jurisdiction: "EU", piiPrincipalId: terms.subject })).to.throw();
    });

    it("refuses what is not a consent, saying so", function () {
      expect(() => parseSignedConsent("hello")).to.throw(/not a signed consent/);
      expect(() => parseSignedConsent(JSON.stringify({ type: "sealshare-consent" }))).to.throw(/not a usable signed consent/);
    });

    it("carries a consent ask in a link, clamped to sane values", function () {
      const link = askLink("http://x/#/requester", { requester: terms.requester.toLowerCase(), requesterName: "Insurer", datasetId: "7", category: 0, purpose: 1, maxKind: 2, days: 99_999 });
      const ask = parseAsk(link.split("ask=")[1]!)!;
      expect(ask).to.deep.include({ requester: terms.requester, requesterName: "Insurer", datasetId: "7", days: 3650 });
      expect(parseAsk("not-base64!")).to.equal(undefined);
    });
  });

  describe("what a grant needs: the dataset's policy with its category's floor (sdk/reads/grant-rules.ts)", function () {
    const policy = { requireProvider: false, supervisorQuorum: 1, maxTemporary: 3600, maxFormal: 30 * 86_400 };

    it("without a floor, is the policy (a temporary grant needs no supervisor)", function () {
      const r = grantRules(policy);
      expect(r).to.deep.include({ requireProvider: false, supervisorQuorum: 1, temporaryQuorum: 0, maxTemporary: 3600, raisedByFloor: false });
      expect(temporaryWords(r, duration)).to.equal("temporary up to 1 hour");
    });

    it("takes the stricter of policy and floor, and holds temporary grants for the floor's quorum (AfterQuorum)", function () {
      const r = grantRules(policy, { requireProvider: true, supervisorQuorum: 2, temporary: TemporaryRule.AfterQuorum, temporaryQuorum: 0, maxTemporary: 1800 });
      expect(r).to.deep.include({ requireProvider: true, supervisorQuorum: 2, temporaryQuorum: 2, maxTemporary: 1800, raisedByFloor: true });
      expect(temporaryWords(r, duration)).to.equal("temporary up to 30 minutes (only after 2 supervisor approvals)");
    });

    it("says what a pending request still waits for, the floor's quorum included when it is above the policy's", function () {
      const r = grantRules(policy, { requireProvider: true, supervisorQuorum: 3, temporary: TemporaryRule.Forbidden, temporaryQuorum: 0, maxTemporary: 0 });
      expect(waitingFor(r, 2, { providerApproved: false, supervisorApprovals: 1 })).to.deep.equal({ provider: true, supervisors: 2, impossible: false, nothing: false });
      expect(waitingFor(r, 2, { providerApproved: true, supervisorApprovals: 3 })).to.deep.equal({ provider: false, supervisors: 0, impossible: false, nothing: true });
      expect(waitingFor(r, 1, { providerApproved: true, supervisorApprovals: 3 })).to.deep.include({ impossible: true, nothing: false });
    });

    it("follows the Early and Forbidden rules", function () {
      expect(grantRules(policy, { requireProvider: false, supervisorQuorum: 2, temporary: TemporaryRule.Early, temporaryQuorum: 1, maxTemporary: 0 }).temporaryQuorum).to.equal(1);
      const forbidden = grantRules(policy, { requireProvider: false, supervisorQuorum: 0, temporary: TemporaryRule.Forbidden, temporaryQuorum: 0, maxTemporary: 0 });
      expect(forbidden).to.deep.include({ temporaryQuorum: undefined, maxTemporary: 0, raisedByFloor: true });
      expect(temporaryWords(forbidden, duration)).to.equal("temporary: never");
    });
  });

  it("says reason codes in words, for rejections, revocations and suspensions", function () {
    expect(reasonWords(1)).to.equal("purpose not justified");
    expect(reasonWords(102)).to.equal("misuse of data");
    expect(reasonWords(0)).to.equal("none given");
    expect(reasonWords(4242)).to.equal("code 4242");
  });

  it("writes Sign-In with Ethereum messages the custodian's parser (siwe) accepts", async function () {
    const w = Wallet.createRandom();
    const text = siweMessage({
      domain: "127.0.0.1:5173",
      address: w.address.toLowerCase(),
      statement: "Sign in to the Sealshare key custodian.",
      uri: "http://127.0.0.1:5173",
      chainId: 31337,
      nonce: "a".repeat(64),
      issuedAt: new Date("2026-01-01T00:00:00Z"),
      expiresAt: new Date("2026-01-01T00:15:00Z"),
    });
    const m = new SiweMessage(text);
    expect(m.address).to.equal(w.address);
    expect([m.domain, m.uri, m.chainId, m.nonce, m.version]).to.deep.equal(["127.0.0.1:5173", "http://127.0.0.1:5173", 31337, "a".repeat(64), "1"]);
  });
});
