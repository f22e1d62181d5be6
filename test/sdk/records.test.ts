/**
 * The browser-safe record conversion core (sdk/convert/records.ts), as the dapp uses it on
 * Blobs, and its agreement with the Node file conversion (sdk/convert/records-file.ts) the CLI
 * uses: the same bytes out for the same records in.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { id } from "ethers";
import { blobText, convertBlob, formatIdOf, formatOfFileName, formatOfId, parseRecords, sniffBytes, textLines, type RecordFormat } from "../../sdk/convert/records.js";
import { convertRecordsFile } from "../../sdk/convert/records-file.js";
import { SealshareError } from "../../sdk/errors.js";

const ndjson = '{"a":1,"b":"x,y"}\n{"a":2,"c":{"d":true}}\n';
const text = (b: Blob) => b.text();

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function* chunked(parts: string[]): AsyncGenerator<string> {
  yield* parts;
}

describe("record conversion core (browser-safe)", function () {
  it("maps format ids both ways, and file names to formats", function () {
    expect(formatIdOf("ndjson")).to.equal(id("sealshare-stream-v1/ndjson"));
    expect(formatOfId(formatIdOf("csv").toUpperCase().replace("0X", "0x"))).to.equal("csv");
    expect(formatOfId(formatIdOf("raw"))).to.equal(undefined);
    expect(["a.ndjson", "a.JSONL", "a.json", "a.csv", "a.pdf", "noext"].map(formatOfFileName)).to.deep.equal(["ndjson", "ndjson", "json", "csv", "raw", "raw"]);
  });

  it("sniffs the format from the first bytes", function () {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(sniffBytes(enc(" [1]"))).to.equal("json");
    expect(sniffBytes(enc('\uFEFF{"a":1}'))).to.equal("ndjson");
    expect(sniffBytes(enc("a,b\n1,2"))).to.equal("csv");
    expect(sniffBytes(enc("plain words"))).to.equal("raw");
    expect(sniffBytes(new Uint8Array([0x7b, 0, 1]))).to.equal("raw");
  });

  it("splits lines at LF, CRLF and lone CR, also when a CRLF straddles two chunks", async function () {
    expect(await all(textLines(chunked(["a\r", "\nb\rc\n", "d"])))).to.deep.equal(["a", "b", "c", "d"]);
    expect(await all(textLines(chunked(["a\n", "\n", "b\r"])))).to.deep.equal(["a", "", "b"]);
    expect(await all(textLines(chunked([])))).to.deep.equal([]);
  });

  it("converts NDJSON to JSON and to CSV (columns in first-seen order, quoting where needed)", async function () {
    const json = JSON.parse(await text(await convertBlob(new Blob([ndjson]), "ndjson", "json")));
    expect(json).to.deep.equal([{ a: 1, b: "x,y" }, { a: 2, c: { d: true } }]);
    const csv = await convertBlob(new Blob([ndjson]), "ndjson", "csv");
    expect(csv.type).to.equal("text/csv");
    expect(await text(csv)).to.equal('a,b,c\n1,"x,y",\n2,,"{""d"":true}"\n');
    expect(await all(parseRecords(blobText(csv), "csv"))).to.deep.equal([
      { a: "1", b: "x,y", c: "" },
      { a: "2", b: "", c: '{"d":true}' },
    ]);
  });

  it("decodes UTF-8 split across a Blob's chunks", async function () {
    const bytes = new TextEncoder().encode('{"name":"Zoë 🙂"}\n');
    // One Blob made of single bytes: every multi-byte character is split across parts.
    const blob = new Blob([...bytes].map((b) => new Uint8Array([b])));
    expect(await all(parseRecords(blobText(blob), "ndjson"))).to.deep.equal([{ name: "Zoë 🙂" }]);
  });

  it("hands over the stored bytes unchanged when no conversion is asked for, and refuses to convert raw data", async function () {
    const blob = new Blob([ndjson]);
    expect(await convertBlob(blob, "ndjson", "ndjson")).to.equal(blob);
    expect(await convertBlob(blob, "raw", "original")).to.equal(blob);
    const err = await convertBlob(blob, "raw", "csv").catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SealshareError).and.have.property("code", "NOT_RECORDS");
  });

  it("names the bad line of an NDJSON input", async function () {
    const err = await convertBlob(new Blob(['{"a":1}\nnot json\n']), "ndjson", "csv", "ana.ndjson").catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SealshareError).and.have.property("code", "BAD_RECORDS");
    expect((err as Error).message).to.equal("ana.ndjson line 2 is not a JSON record");
  });

  it("gives the same bytes as the Node file conversion the CLI uses", async function () {
    const dir = await mkdtemp(join(tmpdir(), "sealshare-records-"));
    try {
      const input = '{"name":"Ana \\"A\\"","note":"l1\\nl2","n":-1.5}\r\n{"name":"B, C","tags":["x"]}\n\n';
      await writeFile(join(dir, "in.ndjson"), input);
      for (const to of ["json", "csv"] as RecordFormat[]) {
        await convertRecordsFile(join(dir, "in.ndjson"), join(dir, `out.${to}`), { from: "ndjson", to });
        const inBrowser = await text(await convertBlob(new Blob([input]), "ndjson", to));
        expect(inBrowser, to).to.equal(await readFile(join(dir, `out.${to}`), "utf8"));
      }
      // …and back from JSON to NDJSON (NDJSON to NDJSON is handed over as stored in the browser).
      await convertRecordsFile(join(dir, "out.json"), join(dir, "back.ndjson"), { to: "ndjson" });
      const back = await text(await convertBlob(new Blob([await readFile(join(dir, "out.json"))]), "json", "ndjson"));
      expect(back).to.equal(await readFile(join(dir, "back.ndjson"), "utf8"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
