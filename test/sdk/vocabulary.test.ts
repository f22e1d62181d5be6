/**
 * The one vocabulary (sdk/vocabulary.ts): names and codes convert both ways for every term,
 * every enum of the compiled contracts has a term per member (read from the compiler's output
 * and the ABI, so a new enum member cannot go unnamed), docs/CODES.md is the module's list, and
 * the display helpers of sdk/format.ts say what the CLI and the dapp show.
 */
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SealshareError } from "../../sdk/errors.js";
import { bytes, codeName, duration, shortAddress, shortHex, when, who } from "../../sdk/format.js";
import {
  CATEGORIES,
  Category,
  GRANT_INVALID_REASONS,
  GRANT_KINDS,
  GrantInvalidReason,
  labelOf,
  nameOf,
  Purpose,
  purposeName,
  PURPOSES,
  reasonLabel,
  REASONS,
  renderCodeList,
  SUSPENSION_REASONS,
  toCode,
  USAGE_CODES,
  VOCABULARIES,
  type Vocabulary,
} from "../../sdk/vocabulary.js";
import { toCategory, toGrantKind, toPurpose } from "../../sdk/actions/vocab.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ALL = Object.values(VOCABULARIES) as Vocabulary[];

function thrown(f: () => unknown): SealshareError {
  try {
    f();
  } catch (err) {
    expect(err).to.be.instanceOf(SealshareError);
    return err as SealshareError;
  }
  expect.fail("did not throw");
}

/** Every enum of our contracts (not OpenZeppelin's), from the AST in the compiler's output. */
function contractEnums(): Map<string, string[]> {
  const dir = join(ROOT, "artifacts", "build-info");
  const enums = new Map<string, string[]>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== "object") return;
    const node = n as { nodeType?: string; canonicalName?: string; members?: { name: string }[] };
    if (node.nodeType === "EnumDefinition") enums.set(node.canonicalName!, node.members!.map((m) => m.name));
    Object.values(node).forEach(walk);
  };
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".output.json"))) {
    const { output } = JSON.parse(readFileSync(join(dir, f), "utf8")) as { output: { sources: Record<string, { ast: unknown }> } };
    for (const [source, { ast }] of Object.entries(output.sources)) if (/(^|\/)contracts\//.test(source) && !source.startsWith("npm/")) walk(ast);
  }
  return enums;
}

describe("vocabulary (sdk/vocabulary.ts)", function () {
  it("turns every name into its code and back, for every vocabulary", function () {
    for (const v of ALL) {
      expect(v.length, v.what).to.be.greaterThan(0);
      expect(new Set(v.map((t) => t.code)).size, `${v.what}: codes are unique`).to.equal(v.length);
      expect(new Set(v.map((t) => t.name)).size, `${v.what}: names are unique`).to.equal(v.length);
      for (const t of v) {
        expect(t.name, `${v.what} ${t.code}`).to.match(/^[a-z]+(-[a-z]+)*$/);
        expect(t.label, `${v.what} ${t.name}`).to.not.equal("");
        expect(t.description, `${v.what} ${t.name}`).to.not.equal("");
        expect(toCode(v, t.name, 0xffffffff)).to.equal(t.code);
        expect(toCode(v, t.name.toUpperCase().replace(/-/g, " "), 0xffffffff), "case and separators do not matter").to.equal(t.code);
        expect(toCode(v, String(t.code), 0xffffffff), "numbers are accepted for scripts").to.equal(t.code);
        expect(nameOf(v, t.code)).to.equal(t.name);
        expect(labelOf(v, BigInt(t.code))).to.equal(t.label);
      }
    }
  });

  it("refuses an unknown name with a hint listing every accepted name", function () {
    const e = thrown(() => toCode(REASONS, "too-nosy"));
    expect(e.code).to.equal("INVALID_REASON");
    for (const t of REASONS) expect(e.hint).to.include(t.name);
    expect(thrown(() => toCode(CATEGORIES, "7")).code, "closed vocabularies refuse unnamed codes").to.equal("INVALID_CATEGORY");
    expect(toCode(REASONS, "4242"), "open vocabularies take any code in range").to.equal(4242);
    expect(thrown(() => toCode(REASONS, 70_000)).code, "…but not beyond uint16").to.equal("INVALID_REASON");
    expect(thrown(() => toGrantKind("none")).code).to.equal("INVALID_GRANT_KIND");
  });

  it("is what the actions parse: more-data-than-needed is 3, credit-assessment 2, formal 2, deposit 0", function () {
    expect(toCode(REASONS, "more-data-than-needed")).to.equal(3);
    expect(toPurpose("credit-assessment")).to.equal(2).and.to.equal(Purpose.creditAssessment);
    expect(toPurpose("creditAssessment"), "the camelCase of older scripts still works").to.equal(2);
    expect(toPurpose(1_000_000), "custom purpose codes (uint32)").to.equal(1_000_000);
    expect(toGrantKind("formal")).to.equal(2);
    expect(toCategory("Deposit")).to.equal(Category.Deposit).and.to.equal(0);
    expect(toCode(SUSPENSION_REASONS, "misuse-of-data")).to.equal(102);
    expect(toCode(USAGE_CODES, "converted")).to.equal(2);
  });

  it("names every member of every enum of the compiled contracts, by the same code", function () {
    const enums = contractEnums();
    expect([...enums.keys()]).to.include.members(["Category", "GrantKind", "RequestStatus", "GrantInvalidReason", "TemporaryRule", "IMembers.MemberStatus"]);
    for (const [name, members] of enums) {
      const v = ALL.find((x) => x.solidity === `enum ${name}`);
      expect(v, `enum ${name} has no vocabulary in sdk/vocabulary.ts`).to.not.equal(undefined);
      expect(v!.map((t) => t.id), `enum ${name}: one term per member, in order`).to.deep.equal(members);
      members.forEach((m, i) => expect(v![i]!.code, `${name}.${m}`).to.equal(i));
    }
  });

  it("covers every enum type the ledger's ABI uses", function () {
    const abi = JSON.parse(readFileSync(join(ROOT, "artifacts", "contracts", "Sealshare.sol", "Sealshare.json"), "utf8")).abi as unknown[];
    const types = new Set<string>();
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (!n || typeof n !== "object") return;
      const t = (n as { internalType?: string }).internalType;
      if (t?.startsWith("enum ")) types.add(t.replace(/\[\]$/, ""));
      Object.values(n).forEach(walk);
    };
    walk(abi);
    expect(types.size).to.be.greaterThan(0);
    for (const t of types) expect(ALL.map((v) => v.solidity), t).to.include(t);
  });

  it("keeps the identifiers SDK results and receipts carry (Solidity names, camelCase purposes)", function () {
    expect(GrantInvalidReason[4]).to.equal("ConsentRevoked");
    expect(GrantInvalidReason.length).to.equal(GRANT_INVALID_REASONS.length);
    expect(purposeName(2)).to.equal("creditAssessment");
    expect(purposeName(77)).to.equal("purpose#77");
    expect(nameOf(PURPOSES, 77), "what people read: the number").to.equal("77");
    expect(nameOf(GRANT_KINDS, 1)).to.equal("temporary");
  });

  it("says reasons in words: 0 is none given, an unnamed code is its number", function () {
    expect(reasonLabel(3)).to.equal("more data than needed");
    expect(reasonLabel(103)).to.equal("regulatory order");
    expect(reasonLabel(0)).to.equal("none given");
    expect(reasonLabel(4242)).to.equal("code 4242");
  });

  it("docs/CODES.md is the module's code list (run `npm run cli-docs` to update)", function () {
    const doc = readFileSync(join(ROOT, "docs", "CODES.md"), "utf8");
    expect(doc).to.equal(renderCodeList());
    expect(doc).to.include("| 3 | `more-data-than-needed` |");
  });
});

describe("display helpers (sdk/format.ts)", function () {
  it("shows times, durations, sizes and addresses the same way everywhere", function () {
    expect(when(1_767_225_600)).to.equal("2026-01-01 00:00 UTC");
    expect(when(1_767_225_600n + 59n)).to.equal("2026-01-01 00:00 UTC");
    expect([duration(7 * 86_400), duration(3_600), duration(1_800), duration(90), duration(1)]).to.deep.equal(["7 days", "1 hour", "30 minutes", "90 seconds", "1 second"]);
    expect([bytes(512), bytes(1536), bytes(3 * 1024 * 1024)]).to.deep.equal(["512 B", "1.5 KiB", "3.0 MiB"]);
    const a = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
    expect(shortAddress(a)).to.equal("0x9965…A4dc");
    expect(shortHex("0x" + "ab".repeat(32))).to.equal("0xabababab…abab");
    expect(who(a, { [a]: { name: "Lender", verified: true } })).to.equal("Lender (0x9965…A4dc)");
    expect(who(a, { [a]: "Lender" })).to.equal("Lender (0x9965…A4dc, unverified)");
    expect(who(a.toLowerCase(), {}, a)).to.equal("you");
    expect(who("0x0000000000000000000000000000000000000000", {})).to.equal("any member");
  });

  it("says a code by its name, never a bare number", function () {
    expect([codeName(REASONS, 3), codeName(REASONS, 0), codeName(REASONS, 4242)]).to.deep.equal(["more-data-than-needed", "none given", "code 4242"]);
    expect([codeName(USAGE_CODES, 2), codeName(GRANT_KINDS, 7)]).to.deep.equal(["converted", "code 7"]);
  });
});
