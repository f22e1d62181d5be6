/**
 * Verified display names (sdk/members/display-name.ts, sdk/actions/resolve-member-names.ts):
 * the name is read from the record a supervisor wrote on chain — a `data:application/json`
 * record (URL-encoded or base64) or a `#name=` fragment — never from anywhere else; a name that
 * could mislead a reader is not shown; registerMember writes the name it is given; the chain's
 * names are read once per context and then only new blocks.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { id, Wallet } from "ethers";
import { deploySealshare, type World } from "../contracts/fixture.js";
import { checkedName, displayNameOf, MAX_NAME_LENGTH, metadataURIWithName } from "../../sdk/members/display-name.js";
import { registerMember } from "../../sdk/actions/register-member.js";
import { namesWithMembers, resolveMemberNames } from "../../sdk/actions/resolve-member-names.js";
import type { SealshareContext } from "../../sdk/actions/context.js";
import { SealshareError } from "../../sdk/errors.js";
import { nameFor, who } from "../../sdk/format.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySealshare);

const errorOf = (fn: () => unknown): SealshareError => {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(SealshareError);
    return e as SealshareError;
  }
  throw new Error("expected a SealshareError");
};

describe("member display names: reading a metadata URI", function () {
  it("reads the name of a URL-encoded data:application/json record", function () {
    expect(displayNameOf(`data:application/json,${encodeURIComponent('{"name":"Acme Bank","lei":"5493001KJTIIGC8Y1R12"}')}`)).to.equal("Acme Bank");
    expect(displayNameOf('data:application/json;charset=utf-8,{"name":"Caf%C3%A9 Fund"}')).to.equal("Café Fund");
  });

  it("reads the name of a base64 data:application/json record", function () {
    const b64 = btoa(String.fromCharCode(...new TextEncoder().encode('{"name":"Société Générale"}')));
    expect(displayNameOf(`data:application/json;base64,${b64}`)).to.equal("Société Générale");
  });

  it("reads a #name= fragment on any other URI, and nothing from the rest of the URI", function () {
    expect(displayNameOf("https://members.example/acme.json#name=Acme%20Bank")).to.equal("Acme Bank");
    expect(displayNameOf("ipfs://bafy/acme.json#v=2&name=Acme+Bank")).to.equal("Acme Bank");
    expect(displayNameOf("https://members.example/acme.json?name=Acme")).to.equal(undefined);
    expect(displayNameOf("https://members.example/acme.json")).to.equal(undefined);
    expect(displayNameOf("")).to.equal(undefined);
  });

  it("gives no name for a record that is not JSON, has no string name, or is not application/json", function () {
    expect(displayNameOf("data:application/json,not-json")).to.equal(undefined);
    expect(displayNameOf(`data:application/json,${encodeURIComponent('{"name":42}')}`)).to.equal(undefined);
    expect(displayNameOf(`data:text/plain,${encodeURIComponent('{"name":"Acme"}')}`)).to.equal(undefined);
    expect(displayNameOf("data:application/json;base64,%%%")).to.equal(undefined);
    expect(displayNameOf("https://x.example/#name=%E0%A4%A")).to.equal(undefined);
  });

  it("shows no name that could mislead: direction overrides, controls, an address, too long", function () {
    expect(displayNameOf(`https://x.example/#name=${encodeURIComponent("Acme\u202eknaB")}`)).to.equal(undefined);
    expect(displayNameOf(`https://x.example/#name=${encodeURIComponent("Acme\nBank")}`)).to.equal(undefined);
    expect(displayNameOf(`https://x.example/#name=${encodeURIComponent("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")}`)).to.equal(undefined);
    expect(displayNameOf(`https://x.example/#name=${"A".repeat(MAX_NAME_LENGTH + 1)}`)).to.equal(undefined);
    expect(displayNameOf(`https://x.example/#name=${encodeURIComponent("  Acme   Bank ")}`)).to.equal("Acme Bank");
  });
});

describe("member display names: showing one (sdk/format.ts)", function () {
  const a = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
  it("a verified name plainly, any other flagged, a misleading one not at all", function () {
    expect(who(a, { [a]: { name: "Lender", verified: true } })).to.equal("Lender (0x9965…A4dc)");
    expect(who(a, { [a]: "Lender" })).to.equal("Lender (0x9965…A4dc, unverified)");
    expect(who(a, { [a]: "Lender" }, undefined, { full: true })).to.equal(`Lender (${a}, unverified)`);
    expect(who(a, { [a]: "Lender\u202e" })).to.equal("0x9965…A4dc");
    expect(nameFor(a, { [a]: "Lender" })).to.equal("Lender (unverified)");
    expect(nameFor(a, {})).to.equal(undefined);
  });
});

describe("member display names: writing one into a metadata URI", function () {
  it("builds a data:application/json record when there is no URI, which reads back", function () {
    const uri = metadataURIWithName("Acme Bank");
    expect(uri).to.equal("data:application/json,%7B%22name%22%3A%22Acme%20Bank%22%7D");
    expect(displayNameOf(uri)).to.equal("Acme Bank");
  });

  it("puts the name in the fragment of any other URI, replacing a fragment it had", function () {
    expect(metadataURIWithName("Acme & Sons", "https://members.example/acme.json#old")).to.equal("https://members.example/acme.json#name=Acme%20%26%20Sons");
    expect(displayNameOf(metadataURIWithName("Acme & Sons", "https://members.example/acme.json"))).to.equal("Acme & Sons");
  });

  it("sets the name in a data: JSON record, keeping its other fields", function () {
    const uri = metadataURIWithName("New Name", `data:application/json,${encodeURIComponent('{"name":"Old","lei":"X1"}')}`);
    expect(JSON.parse(decodeURIComponent(uri.slice("data:application/json,".length)))).to.deep.equal({ name: "New Name", lei: "X1" });
  });

  it("refuses a name it would not show, saying why", function () {
    expect(errorOf(() => checkedName("   ")).message).to.equal('"   " cannot be a member\'s display name: it is empty');
    expect(errorOf(() => checkedName("Acme\u202eknaB")).code).to.equal("INVALID_MEMBER_NAME");
    expect(errorOf(() => metadataURIWithName("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).message).to.match(/it looks like an address$/);
    expect(errorOf(() => metadataURIWithName("Acme", "data:text/plain,hello")).code).to.equal("INVALID_METADATA_URI");
  });
});

describe("member display names: from the chain", function () {
  const ctxOf = (w: World, signer?: World["sup1"]): SealshareContext => ({ ledger: w.ledger, ...(signer ? { signer } : {}) });

  it("resolves every member's verified name from the supervisors' registrations", async function () {
    const w = await load();
    const names = await resolveMemberNames(ctxOf(w));
    expect(names).to.deep.equal({
      [w.bank.address]: { name: "Bank", verified: true },
      [w.insurer.address]: { name: "Insurer", verified: true },
      [w.lender.address]: { name: "Lender", verified: true },
    });
    // A subject is no member: no name, whatever a config says about it.
    expect(who(w.ana.address, { [w.ana.address]: "Ana", ...names })).to.equal(`Ana (${w.ana.address.slice(0, 6)}…${w.ana.address.slice(-4)}, unverified)`);
    // A config cannot rename a member: the chain's name goes over it.
    const shown = await namesWithMembers(ctxOf(w), { [w.bank.address]: "Evil Bank", [w.ana.address]: "Ana" });
    expect(who(w.bank.address, shown)).to.equal(`Bank (${w.bank.address.slice(0, 6)}…${w.bank.address.slice(-4)})`);
    expect(who(w.ana.address, shown)).to.equal(`Ana (${w.ana.address.slice(0, 6)}…${w.ana.address.slice(-4)}, unverified)`);
    expect(nameFor(w.lender.address, names)).to.equal("Lender");
  });

  it("registerMember writes the name it is given; a later read of the same context sees it", async function () {
    const w = await load();
    const reads = ctxOf(w);
    expect(Object.keys(await resolveMemberNames(reads))).to.have.length(3);
    const acme = Wallet.createRandom().address;
    const plain = Wallet.createRandom().address;
    const r = await registerMember(ctxOf(w, w.sup1), { member: acme, kycRef: "KYC-ACME", name: "Acme Bank", metadataURI: "https://members.example/acme.json" });
    expect(r.metadataURI).to.equal("https://members.example/acme.json#name=Acme%20Bank");
    const logged = await w.ledger.queryFilter(w.ledger.filters.MemberRegistered(acme));
    expect(logged.map((l) => [...l.args])).to.deep.equal([[acme, w.sup1.address, id("KYC-ACME"), "https://members.example/acme.json#name=Acme%20Bank"]]);
    await registerMember(ctxOf(w, w.sup1), { member: plain, kycRef: "KYC-PLAIN" });
    const names = await resolveMemberNames(reads);
    expect(names[acme]).to.deep.equal({ name: "Acme Bank", verified: true });
    expect(names).to.not.have.property(plain);
    expect(Object.keys(names)).to.have.length(4);
  });

  it("refuses a bad name before sending anything", async function () {
    const w = await load();
    const before = await w.ledger.queryFilter(w.ledger.filters.MemberRegistered());
    const err = await registerMember(ctxOf(w, w.sup1), { member: Wallet.createRandom().address, kycRef: "K", name: "\u202eknaB" }).then(
      () => undefined,
      (e: unknown) => e as SealshareError,
    );
    expect(err?.code).to.equal("INVALID_MEMBER_NAME");
    expect(await w.ledger.queryFilter(w.ledger.filters.MemberRegistered())).to.have.length(before.length);
  });
});
