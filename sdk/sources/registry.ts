/**
 * The sources file of a provider: which adapter serves which source reference.
 *
 * ```json
 * {
 *   "sources": {
 *     "core-banking/deposits": { "type": "postgres", "connectionStringEnv": "CORE_DB_URL",
 *                                "query": "SELECT account, balance FROM deposits WHERE owner = $1" },
 *     "platform/stocks":       { "type": "http", "url": "https://platform.example/v1/{subject}/stocks",
 *                                "headersFromEnv": { "authorization": "PLATFORM_TOKEN" } },
 *     "exports/insurance":     { "type": "folder", "dir": "exports/insurance", "file": "{subject}.csv" }
 *   }
 * }
 * ```
 *
 * Each key is the source reference a dataset was registered with (`dataset register-on-demand
 * --source-ref <text>`): the ledger keeps only its keccak256, so the worker matches datasets to
 * sources by that hash. A key that is already 0x + 64 hex is taken as the hash itself.
 *
 * The whole file is validated with zod before anything runs; every problem is reported at once,
 * with its path (e.g. `sources."platform/stocks".url: must contain {subject} …`).
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { toBytes32 } from "../actions/context.js";
import { SourceError } from "./errors.js";
import { FolderSource, FolderSourceConfig } from "./folder.js";
import { HttpSource, HttpSourceConfig } from "./http.js";
import { PostgresSource, PostgresSourceConfig } from "./postgres.js";
import type { DataSource } from "./types.js";

export const SourceConfig = z.discriminatedUnion("type", [FolderSourceConfig, HttpSourceConfig, PostgresSourceConfig]);
export type SourceSettings = z.input<typeof SourceConfig>;

export const SourcesFile = z
  .object({
    sources: z.record(z.string().trim().min(1, "a source reference cannot be empty"), SourceConfig).refine((s) => Object.keys(s).length > 0, { message: "no sources configured" }),
  })
  .strict();
export type SourcesFileSettings = z.input<typeof SourcesFile>;

/** One configured source: the reference text, its on-chain hash, and the adapter. */
export interface ConfiguredSource {
  readonly ref: string;
  /** keccak256 of `ref` (or `ref` itself when it is a bytes32): what DatasetRegistered carries. */
  readonly sourceRefHash: string;
  readonly source: DataSource;
}

export interface SourceRegistryOptions {
  /** Folder against which relative `dir`s are resolved (the sources file's folder). */
  baseDir?: string;
  /** Where `*Env` settings are read. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export class SourceRegistry {
  readonly #byHash: Map<string, ConfiguredSource>;

  private constructor(sources: ConfiguredSource[]) {
    this.#byHash = new Map(sources.map((s) => [s.sourceRefHash, s]));
  }

  /** Validates `settings` (the parsed sources file) and creates every adapter. */
  static fromSettings(settings: unknown, opts: SourceRegistryOptions = {}): SourceRegistry {
    const parsed = SourcesFile.safeParse(settings);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
      throw new SourceError("SOURCE_CONFIG_INVALID", `invalid sources configuration:\n  ${problems.join("\n  ")}`, {
        details: { problems },
        hint: "see docs/CLI.md (provider serve) for the sources file format",
      });
    }
    const created: ConfiguredSource[] = [];
    const seen = new Map<string, string>();
    try {
      for (const [ref, config] of Object.entries(parsed.data.sources)) {
        const hash = toBytes32(ref);
        const twin = seen.get(hash);
        if (twin !== undefined) throw new SourceError("SOURCE_CONFIG_INVALID", `sources "${twin}" and "${ref}" name the same source reference ${hash}`);
        seen.set(hash, ref);
        created.push({ ref, sourceRefHash: hash, source: createSource(ref, config, opts) });
      }
    } catch (err) {
      for (const c of created) void c.source.close?.();
      throw err;
    }
    return new SourceRegistry(created);
  }

  /** The source for a dataset's on-chain `sourceRef`, if one is configured. */
  get(sourceRefHash: string): ConfiguredSource | undefined {
    return this.#byHash.get(sourceRefHash.toLowerCase());
  }

  list(): ConfiguredSource[] {
    return [...this.#byHash.values()];
  }

  /** Closes every adapter that holds resources (database pools). */
  async close(): Promise<void> {
    await Promise.all(this.list().map((c) => c.source.close?.()));
  }
}

/** Reads, validates and opens a sources file (JSON). Relative folders are taken from the file's folder. */
export async function loadSourcesFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<SourceRegistry> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new SourceError("SOURCE_CONFIG_INVALID", `cannot read the sources file ${path}`, { cause, hint: "check --sources" });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new SourceError("SOURCE_CONFIG_INVALID", `the sources file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return SourceRegistry.fromSettings(json, { baseDir: dirname(resolve(path)), env });
}

function createSource(ref: string, config: z.output<typeof SourceConfig>, opts: SourceRegistryOptions): DataSource {
  try {
    switch (config.type) {
      case "folder":
        return new FolderSource(config, opts.baseDir);
      case "http":
        return new HttpSource(config, { env: opts.env });
      case "postgres":
        return new PostgresSource(config, { env: opts.env });
    }
  } catch (err) {
    if (err instanceof SourceError) throw new SourceError(err.code, `source "${ref}": ${err.message}`, { hint: err.hint, details: err.details, cause: err });
    throw err;
  }
}

function formatPath(path: PropertyKey[]): string {
  return path.map((p, i) => (i === 1 && path[0] === "sources" ? JSON.stringify(String(p)) : String(p))).join(".") || "(file)";
}
