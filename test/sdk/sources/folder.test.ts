/**
 * The folder adapter: finds a subject's file (default names, a template, an explicit map), reads
 * NDJSON, JSON and CSV through sdk/convert/records.ts, and fails with a clear, typed error on a
 * missing folder, a missing file, malformed data, an oversized file or a name escaping the folder.
 */
import { expect } from "chai";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FolderSource } from "../../../sdk/sources/folder.js";
import { ANA, BEN, collect, expectSourceError, pullOf } from "./helpers.js";

describe("data sources: folder of record files", () => {
  let dir: string;
  const ana = ANA.toLowerCase();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sealshare-folder-source-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads NDJSON, JSON and CSV files found by the default names ({subject}.ndjson, .json, .csv)", async () => {
    const nd = join(dir, "nd");
    const js = join(dir, "js");
    const cs = join(dir, "cs");
    for (const d of [nd, js, cs]) await mkdir(d);
    await writeFile(join(nd, `${ana}.ndjson`), '{"account":"A-1","balance":120.5}\n\n{"account":"A-2","balance":-3,"tags":["x"]}\n');
    await writeFile(join(js, `${ana}.json`), JSON.stringify([{ account: "A-1", balance: 120.5 }, { account: "A-2", nested: { a: 1 } }]));
    await writeFile(join(cs, `${ana}.csv`), 'account,memo\nA-1,"rent, March"\nA-2,"said ""hi"""\n');
    expect(await collect(new FolderSource({ type: "folder", dir: nd }), pullOf(ANA))).to.deep.equal([
      { account: "A-1", balance: 120.5 },
      { account: "A-2", balance: -3, tags: ["x"] },
    ]);
    expect(await collect(new FolderSource({ type: "folder", dir: js }), pullOf(ANA))).to.deep.equal([
      { account: "A-1", balance: 120.5 },
      { account: "A-2", nested: { a: 1 } },
    ]);
    expect(await collect(new FolderSource({ type: "folder", dir: cs }), pullOf(ANA))).to.deep.equal([
      { account: "A-1", memo: "rent, March" },
      { account: "A-2", memo: 'said "hi"' },
    ]);
  });

  it("uses a file-name template (checksummed address, category) and sniffs a format the extension does not say", async () => {
    const d = join(dir, "templated");
    await mkdir(join(d, "deposit"), { recursive: true });
    await writeFile(join(d, "deposit", `${ANA}.txt`), '[{"k":1}]');
    const source = new FolderSource({ type: "folder", dir: d, file: "{category}/{subjectChecksum}.txt" });
    expect(await collect(source, pullOf(ANA, { category: 0 }))).to.deep.equal([{ k: 1 }]);
    await expectSourceError(() => collect(source, pullOf(ANA, { category: 2 })), "SOURCE_NO_DATA", false);
  });

  it("uses an explicit subject → file map (any address spelling) and a fixed format", async () => {
    const d = join(dir, "mapped");
    await mkdir(d);
    await writeFile(join(d, "ana-export.dat"), "a,b\n1,2\n");
    const source = new FolderSource({ type: "folder", dir: d, format: "csv", files: { [ana]: "ana-export.dat" } });
    expect(await collect(source, pullOf(ANA))).to.deep.equal([{ a: "1", b: "2" }]);
    // Relative folders are taken from the base folder (the sources file's folder).
    expect(await collect(new FolderSource({ type: "folder", dir: "mapped", format: "csv", files: { [ANA]: "ana-export.dat" } }, dir), pullOf(ANA))).to.have.length(1);
  });

  it("SOURCE_UNAVAILABLE (retryable) when the folder is missing; SOURCE_NO_DATA when the subject has no file", async () => {
    const missing = await expectSourceError(() => collect(new FolderSource({ type: "folder", dir: join(dir, "nope") }), pullOf(ANA)), "SOURCE_UNAVAILABLE", true);
    expect(missing.message).to.include(join(dir, "nope"));
    const d = join(dir, "empty");
    await mkdir(d);
    const none = await expectSourceError(() => collect(new FolderSource({ type: "folder", dir: d }), pullOf(BEN)), "SOURCE_NO_DATA", false);
    expect(none.message).to.include(BEN);
  });

  it("SOURCE_BAD_DATA for malformed CSV, JSON and NDJSON, values that are not records, and binary files", async () => {
    const d = join(dir, "bad");
    await mkdir(d);
    const cases: [string, string | Buffer, RegExp][] = [
      ["open-quote.csv", 'a,b\n1,"never closed\n', /quoted cell/],
      ["broken.json", '[{"a":1},', /not valid JSON/],
      ["broken.ndjson", '{"a":1}\n{"a":\n', /line 2/],
      ["numbers.json", "[1,2,3]", /not a record/],
      ["blob.bin", Buffer.from([0, 1, 2, 3, 255]), /not records/],
    ];
    for (const [name, content, message] of cases) {
      await writeFile(join(d, name), content);
      const source = new FolderSource({ type: "folder", dir: d, files: { [ANA]: name } });
      const err = await expectSourceError(() => collect(source, pullOf(ANA)), "SOURCE_BAD_DATA", false);
      expect(err.message, name).to.match(message);
    }
  });

  it("SOURCE_TOO_LARGE beyond maxBytes, before parsing anything", async () => {
    const d = join(dir, "big");
    await mkdir(d);
    await writeFile(join(d, `${ana}.ndjson`), '{"pad":"' + "x".repeat(2000) + '"}\n');
    await expectSourceError(() => collect(new FolderSource({ type: "folder", dir: d, maxBytes: 1000 }), pullOf(ANA)), "SOURCE_TOO_LARGE", false);
  });

  it("refuses file names that leave the folder, and invalid settings (SOURCE_CONFIG_INVALID)", async () => {
    const d = join(dir, "jail");
    await mkdir(d);
    await writeFile(join(dir, "secret.json"), '[{"s":1}]');
    const escape = new FolderSource({ type: "folder", dir: d, files: { [ANA]: "../secret.json" } });
    await expectSourceError(() => collect(escape, pullOf(ANA)), "SOURCE_CONFIG_INVALID");
    await expectSourceError(() => new FolderSource({ type: "folder", dir: d, file: "{subjet}.csv" }), "SOURCE_CONFIG_INVALID");
    await expectSourceError(() => new FolderSource({ type: "folder", dir: d, files: { "not-an-address": "x.csv" } }), "SOURCE_CONFIG_INVALID");
    await expectSourceError(() => new FolderSource({ type: "folder", dir: "" }), "SOURCE_CONFIG_INVALID");
    // Unknown settings are refused rather than ignored (a typo would otherwise go unnoticed).
    await expectSourceError(() => new FolderSource({ type: "folder", dir: d, fromat: "csv" } as never), "SOURCE_CONFIG_INVALID");
  });

  it("stops with SOURCE_ABORTED when the pull is cancelled", async () => {
    const d = join(dir, "abort");
    await mkdir(d);
    await writeFile(join(d, `${ana}.ndjson`), '{"a":1}\n');
    const controller = new AbortController();
    controller.abort();
    await expectSourceError(() => collect(new FolderSource({ type: "folder", dir: d }), pullOf(ANA, { signal: controller.signal })), "SOURCE_ABORTED");
  });
});
