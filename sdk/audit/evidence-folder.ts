/**
 * Evidence of bad shares on disk (Node only): one JSON file per bad share
 * (./share-evidence.ts), named after the request and the custodian, in a folder the requester
 * hands to an auditor (`sealshare audit verify --evidence <dir>`).
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SealshareError } from "../errors.js";
import { parseShareEvidence, type ShareEvidence } from "./share-evidence.js";

/** Writes each piece of evidence as `share-<request>-<custodian>.json`; returns the paths. */
export async function writeShareEvidence(dir: string, evidence: readonly ShareEvidence[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const e of evidence) {
    const path = join(dir, `share-${e.envelope.requestId}-${e.envelope.custodian.toLowerCase()}.json`);
    await writeFile(path, JSON.stringify(e, null, 2) + "\n", { mode: 0o600 });
    paths.push(path);
  }
  return paths;
}

/** Every `*.json` file of `dir`, parsed as share evidence (BAD_EVIDENCE names the file that is not). */
export async function readShareEvidence(dir: string): Promise<{ where: string; evidence: ShareEvidence }[]> {
  const abs = resolve(dir);
  let names: string[];
  try {
    names = (await readdir(abs)).filter((n) => n.endsWith(".json")).sort();
  } catch (cause) {
    throw new SealshareError("EVIDENCE_UNREADABLE", `cannot read the evidence folder ${abs} (--evidence): ${(cause as Error).message}`, { cause, hint: "give the folder the requester saved its share evidence in" });
  }
  const out: { where: string; evidence: ShareEvidence }[] = [];
  for (const name of names) {
    const path = join(abs, name);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, "utf8"));
    } catch (cause) {
      throw new SealshareError("BAD_EVIDENCE", `${path} is not JSON`, { cause });
    }
    out.push({ where: name, evidence: parseShareEvidence(json, path) });
  }
  return out;
}
