/**
 * The sources file (zod-validated, every problem reported with its path) and the normalizer that
 * gives every adapter's records one shape (plain JSON objects), written as NDJSON that the
 * requester-side converter (sdk/convert/records.ts) reads back unchanged.
 */
import { expect } from "chai";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { id } from "ethers";
import { parseRecords, type DataRecord } from "../../../sdk/convert/records.js";
import { encodeNdjson, normalizeRecord, normalizeRecords } from "../../../sdk/sources/normalize.js";
import { loadSourcesFile, SourceRegistry } from "../../../sdk/sources/registry.js";
import { ANA, collect, expectSourceError, pullOf } from "./helpers.js";

describe("data sources: sources file and record normalization", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sealshare-sources-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe("sources file", () => {
    it("opens one adapter per source reference, keyed by its keccak256 as on chain; relative folders are taken from the file's folder", async () => {
      await mkdir(join(dir, "exports"));
      await writeFile(join(dir, "exports", `${ANA.toLowerCase()}.ndjson`), '{"policy":"home"}\n');
      const path = join(dir, "sources.json");
      await writeFile(
        path,
        JSON.stringify({
          sources: {
            "exports/insurance": { type: "folder", dir: "exports" },
            "platform/stocks": { type: "http", url: "https://platform.example/v1/{subject}/stocks", headersFromEnv: { authorization: "PLATFORM_TOKEN" } },
            "core-banking/deposits": { type: "postgres", connectionStringEnv: "CORE_DB", query: "SELECT * FROM deposits WHERE owner = $1" },
          },
        }),
      );
      const registry = await loadSourcesFile(path, { PLATFORM_TOKEN: "t", CORE_DB: "postgres://u@127.0.0.1:1/db" });
      try {
        expect(registry.list().map((c) => [c.ref, c.source.kind])).to.deep.equal([
          ["exports/insurance", "folder"],
          ["platform/stocks", "http"],
          ["core-banking/deposits", "postgres"],
        ]);
        const folder = registry.get(id("exports/insurance"))!;
        expect(folder.sourceRefHash).to.equal(id("exports/insurance"));
        expect(await collect(folder.source, pullOf(ANA))).to.deep.equal([{ policy: "home" }]);
        expect(registry.get(id("something/else"))).to.equal(undefined);
      } finally {
        await registry.close();
      }
    });

    it("reports every problem at once, with the path of each (SOURCE_CONFIG_INVALID)", async () => {
      const err = await expectSourceError(
        () =>
          SourceRegistry.fromSettings({
            sources: {
              "a/ok": { type: "folder", dir: "x" },
              "b/typo": { type: "folder", dri: "x" },
              "c/no-subject": { type: "http", url: "https://p.example/all" },
              "d/kind": { type: "ftp", host: "x" },
            },
          }),
        "SOURCE_CONFIG_INVALID",
      );
      expect(err.message).to.include('sources."b/typo"');
      expect(err.message).to.include('sources."c/no-subject".url');
      expect(err.message).to.include('sources."d/kind"');
      expect(err.details?.problems).to.be.an("array").with.length.of.at.least(3);
      await expectSourceError(() => SourceRegistry.fromSettings({ sources: {} }), "SOURCE_CONFIG_INVALID");
      await expectSourceError(() => SourceRegistry.fromSettings({ source: {} }), "SOURCE_CONFIG_INVALID");
      // Two names for one on-chain reference (the text and its hash) would be ambiguous.
      const twin = await expectSourceError(
        () => SourceRegistry.fromSettings({ sources: { "a/ref": { type: "folder", dir: "x" }, [id("a/ref")]: { type: "folder", dir: "y" } } }),
        "SOURCE_CONFIG_INVALID",
      );
      expect(twin.message).to.include("same source reference");
      // Settings each adapter checks when it is created (an unset variable) name the source.
      const unset = await expectSourceError(() => SourceRegistry.fromSettings({ sources: { "p/x": { type: "http", url: "https://p.example/{subject}", headersFromEnv: { authorization: "NOPE_TOKEN" } } } }, { env: {} }), "SOURCE_CONFIG_INVALID");
      expect(unset.message).to.match(/^source "p\/x": .*NOPE_TOKEN/);
    });

    it("says so when the file is missing or not JSON", async () => {
      await expectSourceError(() => loadSourcesFile(join(dir, "missing.json")), "SOURCE_CONFIG_INVALID");
      await writeFile(join(dir, "broken.json"), "{ sources: ");
      const err = await expectSourceError(() => loadSourcesFile(join(dir, "broken.json")), "SOURCE_CONFIG_INVALID");
      expect(err.message).to.include("not valid JSON");
    });
  });

  describe("normalization", () => {
    it("turns driver values into JSON: dates, bytes, bigints, non-finite numbers, undefined members", () => {
      const r = normalizeRecord(
        { at: new Date("2025-01-02T03:04:05Z"), bad: new Date(NaN), raw: Buffer.from([1, 255]), big: 2n ** 64n, nan: NaN, gone: undefined, list: [1, undefined, { d: new Date(0) }], n: 1.5, s: "x", b: false, z: null },
        "test",
      );
      expect(r).to.deep.equal({ at: "2025-01-02T03:04:05.000Z", bad: null, raw: "0x01ff", big: "18446744073709551616", nan: null, list: [1, null, { d: "1970-01-01T00:00:00.000Z" }], n: 1.5, s: "x", b: false, z: null });
    });

    it("refuses values that are not records or have no JSON form (SOURCE_BAD_DATA)", async () => {
      for (const v of [1, "x", null, [1], new Map()]) await expectSourceError(() => normalizeRecord(v, "value"), "SOURCE_BAD_DATA");
      await expectSourceError(() => normalizeRecord({ f: () => 1 }, "value"), "SOURCE_BAD_DATA");
      await expectSourceError(() => normalizeRecord({ s: Symbol("x") }, "value"), "SOURCE_BAD_DATA");
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expectSourceError(() => normalizeRecord(cyclic, "value"), "SOURCE_BAD_DATA");
    });

    it("counts records against maxRecords (SOURCE_TOO_LARGE) and names the bad record", async () => {
      const drain = async (it: AsyncIterable<DataRecord>) => {
        for await (const _ of it) void _;
      };
      await expectSourceError(() => drain(normalizeRecords([{ a: 1 }, { a: 2 }, { a: 3 }], { source: "s", maxRecords: 2 })), "SOURCE_TOO_LARGE");
      const bad = await expectSourceError(() => drain(normalizeRecords([{ a: 1 }, 7], { source: "s" })), "SOURCE_BAD_DATA");
      expect(bad.message).to.include("record 2 from s");
    });

    it("writes NDJSON that the requester's converter reads back as the same records", async () => {
      const records = Array.from({ length: 3000 }, (_, i) => ({ i, memo: `line, "${i}"\nnext`, nested: { ok: i % 2 === 0 } }));
      const text: string[] = [];
      let counted = 0;
      const decoder = new TextDecoder();
      for await (const piece of encodeNdjson(normalizeRecords(records, { source: "s" }), () => counted++)) text.push(decoder.decode(piece));
      expect(counted).to.equal(3000);
      expect(text.length).to.be.greaterThan(1); // batched into pieces, not one string
      const back: DataRecord[] = [];
      for await (const r of parseRecords({ name: "t", chunks: async function* () { yield* text; } }, "ndjson")) back.push(r);
      expect(back).to.deep.equal(records);
    });
  });
});
