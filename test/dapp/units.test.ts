/**
 * The dapp's own logic, without a browser: wallet discovery order, the deployment config, the
 * consent hand-over formats (interoperable with the SDK/CLI consent file), device keys derived
 * from wallet signatures, record format conversion, and the Sign-In with Ethereum message.
 */
import { expect } from "chai";
import { getAddress, hexlify, id, randomBytes, SigningKey, Wallet } from "ethers";
import { SiweMessage } from "siwe";
import { consentFromJson } from "../../sdk/actions/consent-terms.js";
import { unwrapKey, wrapKey } from "../../sdk/crypto/ecies.js";
import { parseConfig, ConfigError, blobHttpUrl, txUrl } from "../../dapp/src/lib/config.js";
import { askLink, consentLink, parseAsk, parseSignedConsent, toConsentFile, toJson } from "../../dapp/src/lib/consent-share.js";
import { siweMessage } from "../../dapp/src/lib/custodian-session.js";
import { deviceKeyDomain, deviceKeys, DEVICE_KEY_STATEMENT, DEVICE_KEY_TYPES, keyPairFromSignature } from "../../dapp/src/lib/device-key.js";
import { LEGACY_RDNS, legacyWallet, rankWallets, type WalletDetail } from "../../dapp/src/lib/discovery.js";
import { convert, FORMAT_IDS, formatOfId, parseCsv } from "../../dapp/src/lib/formats.js";

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

  describe("device keys derived from a wallet signature", function () {
    const domain = deviceKeyDomain(31337n, LEDGER);

    it("gives the same key for the same wallet, chain and device, and another for another device", async function () {
      const w = Wallet.createRandom();
      const a = await deviceKeys.derive(w, { chainId: 31337n, ledger: LEDGER, deviceId: id("laptop") });
      const again = await deviceKeys.derive(w, { chainId: 31337n, ledger: LEDGER, deviceId: id("laptop") });
      const other = await deviceKeys.derive(w, { chainId: 31337n, ledger: LEDGER, deviceId: id("phone") });
      const otherChain = await deviceKeys.derive(w, { chainId: 1n, ledger: LEDGER, deviceId: id("laptop") });
      expect(hexlify(again.privateKey)).to.equal(hexlify(a.privateKey));
      expect(hexlify(other.privateKey)).not.to.equal(hexlify(a.privateKey));
      expect(hexlify(otherChain.privateKey)).not.to.equal(hexlify(a.privateKey));
    });

    it("makes a valid compressed secp256k1 key that data keys can be wrapped to (eciesjs)", async function () {
      const w = Wallet.createRandom();
      const signature = await w.signTypedData(domain, DEVICE_KEY_TYPES, { statement: DEVICE_KEY_STATEMENT, account: w.address, deviceId: id("laptop") });
      const pair = keyPairFromSignature(signature, id("laptop"));
      expect(pair.publicKey).to.have.length(33);
      expect(hexlify(pair.publicKey)).to.equal(SigningKey.computePublicKey(pair.privateKey, true));
      const dek = randomBytes(32);
      expect(hexlify(unwrapKey(pair.privateKey, wrapKey(pair.publicKey, dek)))).to.equal(hexlify(dek));
    });
  });

  describe("record formats", function () {
    const ndjson = '{"a":1,"b":"x,y"}\n{"a":2,"c":{"d":true}}\n';

    it("maps the on-chain format ids back", function () {
      expect(formatOfId(FORMAT_IDS.ndjson)).to.equal("ndjson");
      expect(formatOfId(id("something else"))).to.equal("binary");
    });

    it("converts NDJSON to JSON and to CSV (columns in first-seen order, quoting where needed)", async function () {
      const json = JSON.parse(await (await convert(new Blob([ndjson]), "ndjson", "json")).text());
      expect(json).to.deep.equal([{ a: 1, b: "x,y" }, { a: 2, c: { d: true } }]);
      const csv = await (await convert(new Blob([ndjson]), "ndjson", "csv")).text();
      expect(csv).to.equal('a,b,c\n1,"x,y",\n2,,"{""d"":true}"\n');
      expect(parseCsv(csv)[2]).to.deep.equal(["2", "", '{"d":true}']);
    });

    it("hands over the stored bytes unchanged when no conversion is asked for", async function () {
      const blob = new Blob([ndjson]);
      expect(await convert(blob, "ndjson", "ndjson")).to.equal(blob);
      expect(await convert(blob, "binary", "csv")).to.equal(blob);
    });
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
