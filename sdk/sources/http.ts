/**
 * Data source: an HTTP(S) JSON API of a data platform, one GET per pull. The URL is a template
 * (template.ts) whose placeholders are URL-encoded, e.g.
 * "https://platform.example/v1/clients/{subject}/holdings?category={category}".
 *
 * - The answer is a JSON array of objects (or, with `recordsAt: "data.items"`, an object holding
 *   one at that path); `format: "ndjson"` or `"csv"` reads those instead. Parsing reuses
 *   sdk/convert/records.ts.
 * - Bounded: `timeoutMs` covers the whole exchange (headers and body); the body is refused beyond
 *   `maxBytes`, by Content-Length up front and by counting while it streams in.
 * - Retries: connection failures, timeouts, 408, 429 and 5xx are retried `retries` times with
 *   exponential back-off from `backoffMs` (a 429/503 `Retry-After` of up to 60 s is honoured);
 *   404 means "no data for this subject" (SOURCE_NO_DATA), other 4xx fail at once. Redirects
 *   are not followed (a 3xx fails with a hint), so credentials never reach an unconfigured host.
 * - Credentials: `headersFromEnv` names environment variables whose values become headers
 *   (e.g. { "authorization": "PLATFORM_TOKEN" }), so no secret sits in the sources file. Header
 *   values are never part of an error or log line.
 */
import { z } from "zod";
import { parseRecords, RECORD_FORMATS, type DataRecord, type RecordFormat } from "../convert/records.js";
import { SealshareError } from "../errors.js";
import { SourceError, throwIfAborted } from "./errors.js";
import { fillTemplate, unknownPlaceholders, usesPlaceholder } from "./template.js";
import type { DataSource, PullRequest } from "./types.js";
import { setTimeout as delay } from "node:timers/promises";

const MiB = 1024 * 1024;
/** The longest Retry-After we wait for; a longer one fails the pull (the worker retries later). */
const MAX_RETRY_AFTER_MS = 60_000;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const HttpSourceConfig = z
  .object({
    type: z.literal("http"),
    /** URL template; must contain {subject} or {subjectChecksum}. */
    url: z
      .string()
      .min(1)
      .refine((t) => unknownPlaceholders(t).length === 0, { message: "unknown placeholder (use {subject}, {subjectChecksum}, {category}, {categoryCode} or {sourceRef})" })
      .refine((t) => usesPlaceholder(t, "subject") || usesPlaceholder(t, "subjectChecksum"), { message: "must contain {subject} or {subjectChecksum}: the API must be asked for one subject's data" })
      .refine((t) => isHttpUrl(t.replace(/\{[A-Za-z]+\}/g, "x")), { message: "must be an http:// or https:// URL" }),
    /** Fixed request headers (not secrets: use headersFromEnv for those). */
    headers: z.record(z.string().min(1), z.string()).default({}),
    /** Header name → environment variable holding its value. */
    headersFromEnv: z.record(z.string().min(1), z.string().regex(ENV_NAME, "not an environment variable name")).default({}),
    /** Dot path to the array of records in a JSON answer (e.g. "data.items"). Default: the answer itself. */
    recordsAt: z.string().regex(/^[^.]+(\.[^.]+)*$/, "a dot-separated path such as data.items").optional(),
    /** Format of the answer's body. Default json. */
    format: z.enum(RECORD_FORMATS).default("json"),
    timeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    maxBytes: z.number().int().positive().default(16 * MiB),
    retries: z.number().int().min(0).max(10).default(2),
    backoffMs: z.number().int().min(0).max(60_000).default(250),
  })
  .strict()
  .refine((c) => c.recordsAt === undefined || c.format === "json", { message: "recordsAt applies to JSON answers only", path: ["recordsAt"] });
export type HttpSourceSettings = z.input<typeof HttpSourceConfig>;

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

export interface HttpSourceOptions {
  /** Where `headersFromEnv` values come from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

export class HttpSource implements DataSource {
  readonly kind = "http";
  readonly name: string;
  readonly #config: z.output<typeof HttpSourceConfig>;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;

  constructor(settings: HttpSourceSettings, opts: HttpSourceOptions = {}) {
    const parsed = HttpSourceConfig.safeParse(settings);
    if (!parsed.success) {
      throw new SourceError("SOURCE_CONFIG_INVALID", `invalid http source: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
    }
    this.#config = parsed.data;
    const env = opts.env ?? process.env;
    const headers: Record<string, string> = { accept: acceptFor(parsed.data.format), ...parsed.data.headers };
    for (const [header, variable] of Object.entries(parsed.data.headersFromEnv)) {
      const value = env[variable];
      if (value === undefined || value === "") {
        throw new SourceError("SOURCE_CONFIG_INVALID", `the environment variable ${variable} (for the ${header} header of ${redactTemplate(parsed.data.url)}) is not set`);
      }
      headers[header] = value;
    }
    this.#headers = headers;
    this.#fetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.name = `http ${redactTemplate(parsed.data.url)}`;
  }

  async *pull(request: PullRequest): AsyncGenerator<DataRecord> {
    const url = fillTemplate(this.#config.url, request, encodeURIComponent);
    const body = await this.#fetchWithRetries(url, request.signal);
    yield* this.#records(body);
  }

  async #fetchWithRetries(url: string, signal: AbortSignal | undefined): Promise<string> {
    const { retries, backoffMs } = this.#config;
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(signal, this.name);
      try {
        return await this.#fetchOnce(url, signal);
      } catch (err) {
        const e = err instanceof SourceError ? err : new SourceError("SOURCE_UNAVAILABLE", `${this.name}: ${(err as Error).message}`, { cause: err });
        if (!e.retryable || attempt >= retries || signal?.aborted) {
          if (attempt === 0) throw e;
          throw new SourceError(e.code, `${e.message} (after ${attempt + 1} attempts)`, { retryable: e.retryable, hint: e.hint, details: { ...e.details, attempts: attempt + 1 }, cause: e });
        }
        const retryAfter = typeof e.details?.retryAfterMs === "number" ? e.details.retryAfterMs : 0;
        await sleep(Math.max(retryAfter, backoffMs * 2 ** attempt), signal);
      }
    }
  }

  /** One GET; the body as text, or a SourceError saying why not. */
  async #fetchOnce(url: string, signal: AbortSignal | undefined): Promise<string> {
    const { timeoutMs, maxBytes } = this.#config;
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const where = `${this.name} (${redactUrl(url)})`;
    try {
      // Redirects are not followed: credentials must never travel to a host nobody configured.
      const res = await this.#fetch(url, { method: "GET", headers: this.#headers, signal: combined, redirect: "manual" });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw statusError(res, where);
      }
      const declared = Number(res.headers.get("content-length") ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw new SourceError("SOURCE_TOO_LARGE", `${where} announced ${declared} bytes, more than the ${maxBytes} allowed (maxBytes)`, { details: { maxBytes, size: declared } });
      }
      return await readBounded(res, maxBytes, where);
    } catch (err) {
      if (err instanceof SourceError) throw err;
      if (signal?.aborted) throw new SourceError("SOURCE_ABORTED", `the pull from ${where} was cancelled`, { cause: err });
      if (timeout.aborted) throw new SourceError("SOURCE_TIMEOUT", `${where} did not answer within ${timeoutMs} ms`, { details: { timeoutMs }, cause: err });
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new SourceError("SOURCE_UNAVAILABLE", `could not reach ${where}${cause?.code ? ` (${cause.code})` : ""}`, { cause: err });
    }
  }

  async *#records(body: string): AsyncGenerator<DataRecord> {
    const { format, recordsAt } = this.#config;
    if (format === "json") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch (cause) {
        throw new SourceError("SOURCE_BAD_DATA", `${this.name} answered with a body that is not JSON`, { cause });
      }
      const list = recordsAt === undefined ? parsed : at(parsed, recordsAt);
      if (!Array.isArray(list)) {
        throw new SourceError("SOURCE_BAD_DATA", `${this.name} answered without an array of records${recordsAt ? ` at "${recordsAt}"` : ""}`, { hint: recordsAt ? "check `recordsAt`" : "set `recordsAt` to where the array is (e.g. data.items)" });
      }
      yield* list as DataRecord[]; // each one is checked when normalized
      return;
    }
    try {
      yield* parseRecords({ name: this.name, chunks: async function* () { yield body; } }, format as RecordFormat);
    } catch (err) {
      if (err instanceof SealshareError && err.code === "BAD_RECORDS") throw new SourceError("SOURCE_BAD_DATA", `${this.name} answered with malformed ${format}: ${err.message}`, { cause: err });
      throw err;
    }
  }
}

function acceptFor(format: RecordFormat): string {
  return format === "json" ? "application/json" : format === "ndjson" ? "application/x-ndjson, application/json;q=0.5" : "text/csv";
}

function statusError(res: Response, where: string): SourceError {
  const status = res.status;
  if (status === 404) return new SourceError("SOURCE_NO_DATA", `${where} has no data for this subject (HTTP 404)`, { details: { status } });
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
  return new SourceError("SOURCE_HTTP_STATUS", `${where} answered HTTP ${status}${res.statusText ? ` ${res.statusText}` : ""}`, {
    retryable: retryable && (retryAfterMs === undefined || retryAfterMs <= MAX_RETRY_AFTER_MS),
    details: { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    hint:
      status === 401 || status === 403
        ? "check the credentials (headersFromEnv)"
        : status >= 300 && status < 400
          ? "the API redirects; put the final URL in the sources file (redirects are not followed, so credentials never go to another host)"
          : undefined,
  });
}

function parseRetryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/** The body as UTF-8 text, refused as soon as it passes `maxBytes`. */
async function readBounded(res: Response, maxBytes: number, where: string): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const pieces: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new SourceError("SOURCE_TOO_LARGE", `${where} sent more than the ${maxBytes} bytes allowed (maxBytes)`, { details: { maxBytes } });
    }
    pieces.push(value);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(pieces));
  } catch (cause) {
    throw new SourceError("SOURCE_BAD_DATA", `${where} answered with a body that is not UTF-8 text`, { cause });
  }
}

/** The value at a dot path of a parsed JSON document, or undefined. */
function at(doc: unknown, path: string): unknown {
  let v = doc;
  for (const key of path.split(".")) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks the signal). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

/** A URL template or URL without user info or query values (which may hold tokens). */
function redactTemplate(t: string): string {
  return t.replace(/\/\/[^/@]*@/, "//").replace(/\?.*$/, (q) => (q.length > 1 ? "?…" : q));
}

function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    return `${url.origin}${url.pathname}${url.search ? "?…" : ""}`;
  } catch {
    return redactTemplate(u);
  }
}
