/**
 * docs/ERRORS.md must keep up with the contracts: every custom error in the ledger's ABI and in
 * the custody contract's (SealshareCustody, beside the ledger) is documented there, under its
 * exact signature's name and with its selector, and the document names no error the ABIs do not have.
 */
import { readFile } from "node:fs/promises";
import { expect } from "chai";
import { Sealshare__factory, SealshareCustody__factory } from "../../types/ethers-contracts/index.js";

const doc = await readFile(new URL("../../docs/ERRORS.md", import.meta.url), "utf8");
const abiErrors: { name: string; selector: string }[] = [];
Sealshare__factory.createInterface().forEachError((e) => abiErrors.push({ name: e.name, selector: e.selector }));
SealshareCustody__factory.createInterface().forEachError((e) => abiErrors.push({ name: e.name, selector: e.selector }));

describe("docs/ERRORS.md", function () {
  for (const { name, selector } of abiErrors) {
    it(`documents ${name} (${selector})`, function () {
      expect(doc, `${name} is missing from docs/ERRORS.md`).to.include(`\`${name}(`);
      expect(doc, `${name}'s selector ${selector} is missing`).to.include(`\`${selector}\``);
    });
  }

  it("documents no error the contract does not have", function () {
    const names = new Set(abiErrors.map((e) => e.name));
    const documented = [...doc.matchAll(/^\| `([A-Z][A-Za-z0-9]+)\(/gm)].map((m) => m[1]!);
    expect(documented.filter((n) => !names.has(n))).to.deep.equal([]);
    expect(documented.length).to.be.greaterThan(30);
  });
});
