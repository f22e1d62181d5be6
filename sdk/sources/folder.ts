/**
 * Data source: a folder of record files, one file per subject (an export of a core system, a
 * drop folder of a data platform). The file of a subject is found by
 *
 * 1. `files`: an explicit map from subject address to file name, else
 * 2. `file`: a file-name template (template.ts), e.g. "{subject}.csv" or "clients/{subjectChecksum}.json", else
 * 3. the first of "{subject}.ndjson", "{subject}.jsonl", "{subject}.json", "{subject}.csv" that exists.
 *
 * The format comes from `format`, else the file's extension, else its first bytes. Files are
 * parsed with sdk/convert/records.ts (the same reader the requester's conversion uses). Every
 * name must resolve inside `dir`: a map entry or template cannot reach other files.
 *
 * @example sources.json
 * ```json
 * { "sources": { "core-banking/deposits": { "type": "folder", "dir": "exports/deposits", "file": "{subject}.csv" } } }
 * ```
 */
import { stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { getAddress, isAddress } from "ethers";
import { z } from "zod";
import { formatOfFileName, RECORD_FORMATS, type DataRecord, type RecordFormat } from "../convert/records.js";
import { readRecords, sniffFormat } from "../convert/records-file.js";
import { SealshareError } from "../errors.js";
import { SourceError, throwIfAborted } from "./errors.js";
import { fillTemplate, unknownPlaceholders } from "./template.js";
import type { DataSource, PullRequest } from "./types.js";

const MiB = 1024 * 1024;

export const FolderSourceConfig = z
  .object({
    type: z.literal("folder"),
    /** The folder; relative paths are taken from the sources file's folder. */
    dir: z.string().min(1),
    /** Record format of every file; default: from each file's extension, else its content. */
    format: z.enum(RECORD_FORMATS).optional(),
    /** File-name template (placeholders of template.ts). */
    file: z
      .string()
      .min(1)
      .refine((t) => unknownPlaceholders(t).length === 0, { message: "unknown placeholder (use {subject}, {subjectChecksum}, {category}, {categoryCode} or {sourceRef})" })
      .optional(),
    /** Subject address → file name, checked before `file`. */
    files: z
      .record(z.string().refine(isAddress, { message: "not an address" }), z.string().min(1))
      .optional(),
    /** Files larger than this are refused (JSON files are parsed whole). Default 64 MiB. */
    maxBytes: z.number().int().positive().default(64 * MiB),
  })
  .strict();
export type FolderSourceSettings = z.input<typeof FolderSourceConfig>;

const DEFAULT_NAMES = ["{subject}.ndjson", "{subject}.jsonl", "{subject}.json", "{subject}.csv"];

export class FolderSource implements DataSource {
  readonly kind = "folder";
  readonly name: string;
  readonly #dir: string;
  readonly #config: z.output<typeof FolderSourceConfig>;
  readonly #files: Map<string, string>;

  /** `baseDir` resolves a relative `dir` (the sources file's folder); default the working directory. */
  constructor(settings: FolderSourceSettings, baseDir = process.cwd()) {
    const parsed = FolderSourceConfig.safeParse(settings);
    if (!parsed.success) {
      throw new SourceError("SOURCE_CONFIG_INVALID", `invalid folder source: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
    }
    this.#config = parsed.data;
    this.#dir = resolve(baseDir, parsed.data.dir);
    this.name = `folder ${this.#dir}`;
    this.#files = new Map(Object.entries(parsed.data.files ?? {}).map(([a, f]) => [getAddress(a), f]));
  }

  async *pull(request: PullRequest): AsyncGenerator<DataRecord> {
    throwIfAborted(request.signal, this.name);
    await this.#requireDir();
    const path = await this.#fileOf(request);
    const info = await stat(path);
    if (info.size > this.#config.maxBytes) {
      throw new SourceError("SOURCE_TOO_LARGE", `${path} has ${info.size} bytes, more than the ${this.#config.maxBytes} allowed (maxBytes)`, { details: { size: info.size, maxBytes: this.#config.maxBytes } });
    }
    const format = await this.#formatOf(path);
    let n = 0;
    try {
      for await (const record of readRecords(path, format)) {
        throwIfAborted(request.signal, this.name);
        n++;
        yield record;
      }
    } catch (err) {
      if (err instanceof SourceError) throw err;
      if (err instanceof SealshareError && err.code === "BAD_RECORDS") {
        throw new SourceError("SOURCE_BAD_DATA", `${path} is not valid ${format} (after ${n} good record(s)): ${err.message}`, { cause: err });
      }
      throw new SourceError("SOURCE_UNAVAILABLE", `could not read ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  async #requireDir(): Promise<void> {
    try {
      if ((await stat(this.#dir)).isDirectory()) return;
    } catch (cause) {
      // A folder that is not there may be a share not mounted yet: worth retrying.
      throw new SourceError("SOURCE_UNAVAILABLE", `the source folder ${this.#dir} does not exist or cannot be read`, { cause, hint: "check `dir` in the sources file, and that the folder is mounted" });
    }
    throw new SourceError("SOURCE_CONFIG_INVALID", `${this.#dir} is not a folder`, { hint: "`dir` must name a folder" });
  }

  /** The subject's file, inside the folder; SOURCE_NO_DATA when there is none. */
  async #fileOf(request: PullRequest): Promise<string> {
    const mapped = this.#files.get(getAddress(request.subject));
    const candidates = mapped !== undefined ? [mapped] : this.#config.file ? [fillTemplate(this.#config.file, request)] : DEFAULT_NAMES.map((t) => fillTemplate(t, request));
    for (const name of candidates) {
      const path = this.#inside(name);
      try {
        if ((await stat(path)).isFile()) return path;
      } catch {
        // not this one; try the next candidate
      }
    }
    throw new SourceError("SOURCE_NO_DATA", `no file for subject ${request.subject} in ${this.#dir} (looked for ${candidates.join(", ")})`);
  }

  /** `name` resolved in the folder; refuses anything that would land outside it. */
  #inside(name: string): string {
    const path = resolve(this.#dir, name);
    const rel = relative(this.#dir, path);
    if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new SourceError("SOURCE_CONFIG_INVALID", `the file name ${JSON.stringify(name)} points outside the source folder ${this.#dir}`);
    }
    return path;
  }

  async #formatOf(path: string): Promise<RecordFormat> {
    if (this.#config.format) return this.#config.format;
    const byName = formatOfFileName(path);
    const format = byName !== "raw" ? byName : await sniffFormat(path);
    if (format === "raw") {
      throw new SourceError("SOURCE_BAD_DATA", `${path} is not records (NDJSON, JSON or CSV)`, { hint: "name the file .ndjson, .json or .csv, or set `format` in the sources file" });
    }
    return format;
  }
}
