/**
 * Where output goes. `--json`: stdout gets exactly one JSON document (the result, or
 * `{ "error": … }`), nothing else; human mode: readable lines on stdout. Notes, warnings and
 * progress always go to stderr. Secrets (data keys, private keys) are never part of a result:
 * {@link toJson} drops byte arrays and keys named like secrets, as a second line of defence.
 */
import type { DescribedError } from "./errors.js";

const SECRET_KEYS = new Set(["dek", "privateKey", "devicePrivateKey", "password", "mnemonic"]);

/** JSON-safe copy: bigints as decimal strings, byte arrays and secret-named fields removed. */
export function toJson(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return undefined;
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (SECRET_KEYS.has(k)) continue;
      const j = toJson(x);
      if (j !== undefined) out[k] = j;
    }
    return out;
  }
  return v;
}

export class Output {
  constructor(
    readonly json: boolean,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  /** The command's result: the JSON document, or the human lines. */
  result(data: unknown, human: string | (string | undefined | false)[]): void {
    if (this.json) this.out.write(JSON.stringify(toJson(data), null, 2) + "\n");
    else this.out.write((Array.isArray(human) ? human : [human]).filter((l) => typeof l === "string").join("\n") + "\n");
  }

  /** A side note for people (stderr; silent with --json). */
  note(line: string): void {
    if (!this.json) this.err.write(line + "\n");
  }

  /** A warning (stderr, always). */
  warn(line: string): void {
    this.err.write(`warning: ${line}\n`);
  }

  error(e: DescribedError): void {
    if (this.json) this.out.write(JSON.stringify({ error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(e.details ? { details: e.details } : {}) } }, null, 2) + "\n");
    this.err.write(`error: ${e.message}${e.code && e.code !== "ERROR" && e.code !== "USAGE" ? ` [${e.code}]` : ""}\n`);
    if (e.hint) this.err.write(`hint: ${e.hint}\n`);
  }
}
