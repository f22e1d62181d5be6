/**
 * Structured JSON logs (pino) that cannot carry secrets.
 *
 * Redaction is by field *name*, at any depth, because pino's path-based `redact` only reaches
 * the paths you list and a DEK nested one level deeper than expected would slip through. A
 * field is censored when its name ends in "key" (privateKey, wrappedKey, masterKey, publicKey,
 * key…) or names a DEK, signature, secret, password, mnemonic, seed or authorization. Error
 * objects are reduced to type, code and message, and any hex run of 32 bytes or more in an error
 * message (raw transactions, signatures, keys echoed by a library) is blanked.
 *
 * URLs in any logged string (error messages above all: ethers puts the request URL in them) are
 * cut to scheme://host[:port]: user:password@, paths (/v3/<project key>) and query strings
 * (?apikey=…) are where RPC providers put credentials ({@link redactUrls}).
 */
import { pino, type DestinationStream, type Logger as PinoLogger, type LevelWithSilent } from "pino";

export type Logger = PinoLogger;

export const REDACTED = "[redacted]";

const SECRET_NAME = /(key|dek|signature|sig|secret|password|passphrase|mnemonic|seed|authorization|cookie)$/i;

/** True when a field with this name must never be logged. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

const LONG_HEX = /(0x)?[0-9a-fA-F]{64,}/g;

// scheme://[userinfo@]host[:port][/path][?query][#fragment], up to a space, quote or bracket
const URL_RE = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s"'<>@/?#]*@)?([^\s"'<>/?#@]+)([/?#][^\s"'<>]*)?/gi;

/** Cuts every URL in `text` to its scheme, host and port: credentials never survive. */
export function redactUrls(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(URL_RE, (_m, scheme: string, host: string, rest: string | undefined) =>
    rest && rest !== "/" ? `${scheme}${host}/[redacted]` : `${scheme}${host}`,
  );
}

/** Blanks long hex runs (keys, signatures, raw transactions) and URL credentials in a free-text message. */
export function scrubText(text: string): string {
  return redactUrls(text.replace(LONG_HEX, "[hex redacted]"));
}

/** Copies `value`, replacing secret-named fields at any depth. Errors become {type, code, message}. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[too deep]";
  if (value instanceof Error) return serializeError(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return redactUrls(value);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSecretName(k) ? REDACTED : redactDeep(v, depth + 1);
    return out;
  }
  return value;
}

/** What an error looks like in a log line: no library-attached payloads, no long hex. */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: scrubText(String(err)) };
  const out: Record<string, unknown> = { type: err.name, message: scrubText(err.message) };
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" || typeof code === "number") out.code = code;
  if (err.cause !== undefined && err.cause !== err) out.cause = serializeError(err.cause);
  return out;
}

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Where lines go (default stdout); tests pass a stream that collects them. */
  destination?: DestinationStream;
  name?: string;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      name: opts.name ?? "sealshare-custodian",
      level: opts.level ?? "info",
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => redactDeep(obj) as Record<string, unknown>,
      },
      // The message string of a line (log.info(obj, msg)) is not part of `obj`.
      hooks: {
        logMethod(args, method) {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          method.apply(this, args.map((a) => (typeof a === "string" ? redactUrls(a) : a)) as any);
        },
      },
      // Runs after `formatters.log`, which already reduced errors; this catches the rest.
      serializers: { err: (e: unknown) => (e instanceof Error ? serializeError(e) : e) },
    },
    opts.destination,
  );
}
