/**
 * Stream encryption and decryption, file to file, with the SDK's real encryptFile/decryptFile
 * (sdk/stream, format v2: chunked AES-256-GCM and the chunk Merkle root — the content commitment,
 * one SHA-256 pass over the ciphertext — computed in the same pass, on every core), next to the `age` tool on the same file in the same run, and `cp`
 * of the same file as the I/O floor.
 *
 *  - `stream.encrypt.mbps` / `stream.decrypt.mbps`: plaintext MB (10⁶ bytes) per second; baseline
 *    `age -r <recipient>` / `age -d -i <identity>`. Target ≥ 1.2× age.
 *  - `stream.encrypt.mbps.vs_cp` / `stream.decrypt.mbps.vs_cp`: the same against `cp`.
 *  - `stream.encrypt.peak_rss_mib` / `stream.decrypt.peak_rss_mib`: peak RSS of a fresh process
 *    doing one large file vs one 100 MiB file. Target ≤ 1.25× (memory flat as files grow).
 *
 * The input is random bytes (incompressible; nothing here compresses). Each repetition runs
 * every tool once, alternating which side goes first; outputs are deleted right after use so
 * dirty page-cache writeback from one run does not land on the next. The input stays in the page
 * cache, the same for every tool: these are CPU figures, with `cp` showing the copy cost.
 * The SDK runs in a fresh process each time (bench/stream-child.ts), timed inside the process
 * (Node's startup is not encryption time), which also gives its peak RSS at the large size; two
 * more fresh processes give the peak RSS at 100 MiB.
 */
import { randomFillSync } from "node:crypto";
import { open, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decryptFile, encryptFile, generateDataKey, hashFile } from "../sdk/stream/index.js";
import { entry, type Entry } from "./lib/harness.js";
import { ensureAge, ROOT, run, TSX } from "./lib/proc.js";
import type { Profile } from "./lib/profiles.js";

const MiB = 1024 * 1024;

async function makeFile(path: string, sizeMiB: number): Promise<void> {
  const piece = Buffer.allocUnsafe(8 * MiB);
  const fh = await open(path, "w");
  try {
    for (let left = sizeMiB * MiB; left > 0; left -= piece.length) {
      const n = Math.min(left, piece.length);
      randomFillSync(piece, 0, n);
      await fh.write(piece, 0, n);
    }
  } finally {
    await fh.close();
  }
}

export async function runStreams(profile: Profile, say: (line: string) => void): Promise<Entry[]> {
  const { sizeMiB, reps, rssSmallMiB, rssLargeMiB } = profile.streams;
  await ensureAge(say);
  const dir = await mkdtemp(join(tmpdir(), "sealshare-bench-streams-"));
  try {
    const files = new Map<number, string>();
    const fileOf = async (mib: number) => {
      let p = files.get(mib);
      if (!p) {
        p = join(dir, `plain-${mib}MiB.bin`);
        say(`streams: writing a ${mib} MiB random file`);
        await makeFile(p, mib);
        files.set(mib, p);
      }
      return p;
    };
    const plain = await fileOf(sizeMiB);
    const bytes = sizeMiB * MiB;
    const p = (name: string) => join(dir, name);

    await run("age-keygen", ["-o", p("age.key")]);
    const recipient = /public key: (age1[0-9a-z]+)/.exec(await readFile(p("age.key"), "utf8"))?.[1];
    if (!recipient) throw new Error("age-keygen wrote no public key");
    const dek = generateDataKey();

    // Warm-up (JIT) and a correctness check of the round trip, on a small file.
    say("streams: warm-up and round-trip check");
    const small = await fileOf(Math.min(16, sizeMiB));
    const summary = await encryptFile(small, p("warm.enc"), dek);
    await decryptFile(p("warm.enc"), p("warm.dec"), dek);
    if ((await hashFile(small)) !== (await hashFile(p("warm.dec")))) throw new Error("decrypted file differs from the plaintext");
    if (summary.version !== 2 || !/^0x[0-9a-f]{64}$/.test(summary.merkleRoot)) throw new Error("not a version-2 stream with a Merkle root");
    await rm(p("warm.enc"));
    await rm(p("warm.dec"));

    const mbps = (ms: number) => bytes / 1e6 / (ms / 1000);
    /** One SDK run in a fresh process: its own timing (startup excluded) and its peak RSS. */
    const child = async (mode: "encrypt" | "decrypt", input: string, output: string) => {
      const r = await run(TSX, [join(ROOT, "bench", "stream-child.ts"), mode, input, output, Buffer.from(dek).toString("hex")], { cwd: ROOT });
      return JSON.parse(r.stdout.trim().split("\n").pop()!) as { maxRssMiB: number; seconds: number };
    };
    const s = { enc: [] as number[], dec: [] as number[], ageEnc: [] as number[], ageDec: [] as number[], cp: [] as number[] };
    const rssEnc = { small: [] as number[], large: [] as number[] };
    const rssDec = { small: [] as number[], large: [] as number[] };
    for (let r = 0; r < reps; r++) {
      say(`streams: repetition ${r + 1}/${reps} (${sizeMiB} MiB)`);
      const ours = async () => {
        await rm(p("enc"), { force: true });
        const e = await child("encrypt", plain, p("enc"));
        const d = await child("decrypt", p("enc"), p("dec"));
        await rm(p("dec"), { force: true });
        s.enc.push(mbps(e.seconds * 1000));
        s.dec.push(mbps(d.seconds * 1000));
        if (sizeMiB === rssLargeMiB) rssEnc.large.push(e.maxRssMiB), rssDec.large.push(d.maxRssMiB);
      };
      const age = async () => {
        await rm(p("age.enc"), { force: true });
        s.ageEnc.push(mbps((await run("age", ["-r", recipient, "-o", p("age.enc"), plain])).ms));
        s.ageDec.push(mbps((await run("age", ["-d", "-i", p("age.key"), "-o", p("age.dec"), p("age.enc")])).ms));
        await rm(p("age.dec"), { force: true });
      };
      const cp = async () => {
        s.cp.push(mbps((await run("cp", [plain, p("cp.out")])).ms));
        await rm(p("cp.out"), { force: true });
      };
      if (r % 2 === 0) await ours(), await age(), await cp();
      else await cp(), await age(), await ours();
    }
    await rm(p("age.enc"), { force: true });
    await rm(p("enc"), { force: true });

    say(`streams: peak RSS at ${rssSmallMiB} MiB${sizeMiB === rssLargeMiB ? "" : ` and ${rssLargeMiB} MiB`} (fresh processes)`);
    const rssRun = async (mib: number, into: { e: number[]; d: number[] }) => {
      const e = await child("encrypt", await fileOf(mib), p(`rss-${mib}.enc`));
      const d = await child("decrypt", p(`rss-${mib}.enc`), p(`rss-${mib}.dec`));
      await rm(p(`rss-${mib}.enc`), { force: true });
      await rm(p(`rss-${mib}.dec`), { force: true });
      into.e.push(e.maxRssMiB);
      into.d.push(d.maxRssMiB);
    };
    await rssRun(rssSmallMiB, { e: rssEnc.small, d: rssDec.small });
    if (sizeMiB !== rssLargeMiB) await rssRun(rssLargeMiB, { e: rssEnc.large, d: rssDec.large });

    const note = `${sizeMiB} MiB random file, file to file, page-cached input`;
    return [
      entry({ name: "stream.encrypt.mbps", unit: "MB/s", samples: s.enc, baseline: { name: "age -r (encrypt)", samples: s.ageEnc }, target: { on: "ratio", min: 1.2, text: "≥ 1.2× age" }, note: `${note}; includes the Merkle root (format v2)` }),
      entry({ name: "stream.decrypt.mbps", unit: "MB/s", samples: s.dec, baseline: { name: "age -d (decrypt)", samples: s.ageDec }, target: { on: "ratio", min: 1.2, text: "≥ 1.2× age" }, note: `${note}; includes the Merkle root (format v2)` }),
      entry({ name: "stream.encrypt.mbps.vs_cp", unit: "MB/s", samples: s.enc, baseline: { name: "cp (I/O floor)", samples: s.cp } }),
      entry({ name: "stream.decrypt.mbps.vs_cp", unit: "MB/s", samples: s.dec, baseline: { name: "cp (I/O floor)", samples: s.cp } }),
      entry({
        name: "stream.encrypt.peak_rss_mib",
        unit: "MiB",
        samples: rssEnc.large,
        baseline: { name: `peak RSS at ${rssSmallMiB} MiB`, samples: rssEnc.small },
        target: { on: "ratio", max: 1.25, text: "≤ 1.25× (flat)" },
        note: `peak RSS (getrusage maxrss) of a fresh process encrypting ${rssLargeMiB} MiB`,
      }),
      entry({
        name: "stream.decrypt.peak_rss_mib",
        unit: "MiB",
        samples: rssDec.large,
        baseline: { name: `peak RSS at ${rssSmallMiB} MiB`, samples: rssDec.small },
        target: { on: "ratio", max: 1.25, text: "≤ 1.25× (flat)" },
        note: `peak RSS (getrusage maxrss) of a fresh process decrypting ${rssLargeMiB} MiB`,
      }),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
