/**
 * Glue between commander and the commands: argument parsers that turn bad input into usage
 * errors (exit code 2), and `action()`, which gives each command a Session, prints any failure
 * in words (or as JSON with --json) and sets the exit code. Before the command runs, `action()`
 * warns about addresses typed without a checksum that are not members (./address.ts); after a
 * failure about a missing file, it names the option that gave the file (./errors.ts).
 */
import { InvalidArgumentError, type Command } from "commander";
import { SealshareError } from "../../sdk/errors.js";
import { toCategory, toGrantKind, toPurpose, toSeconds } from "../../sdk/actions/vocab.js";
import { CATEGORIES, GRANT_KINDS, PURPOSES, REASONS, SUSPENSION_REASONS, toCode, USAGE_CODES, type Vocabulary } from "../../sdk/vocabulary.js";
import { parseAddressText, warnUncheckedAddresses } from "./address.js";
import { describeError, type FileOption } from "./errors.js";
import { Session } from "./session.js";
import type { GlobalFlags } from "./config.js";

/**
 * Wraps a command body: `fn(session, opts, ...positionals)`. `A` types the positionals as their
 * argument parsers return them (e.g. `[bigint]` for an id parsed by parseId).
 */
export function action<O = Record<string, unknown>, A extends unknown[] = string[]>(fn: (s: Session, opts: O, ...args: A) => Promise<void>) {
  return async (...all: unknown[]): Promise<void> => {
    const cmd = all[all.length - 1] as Command;
    const positionals = all.slice(0, -2) as A;
    const session = new Session(cmd.optsWithGlobals() as GlobalFlags);
    try {
      await warnUncheckedAddresses(session, uncheckedAddresses.splice(0));
      await fn(session, cmd.opts() as O, ...positionals);
    } catch (err) {
      const d = describeError(err, fileOptions(cmd, positionals));
      session.out.error(d);
      process.exitCode = d.exitCode;
    } finally {
      await session.close();
    }
  };
}

/**
 * What the command line gave that may be a file: every option's string value (the command's and
 * its parents', e.g. --keystore) and the string positionals, with the name to quote.
 */
function fileOptions(cmd: Command, positionals: unknown[]): FileOption[] {
  const out: FileOption[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) {
    for (const o of c.options) {
      const v = c.getOptionValue(o.attributeName()) as unknown;
      for (const x of Array.isArray(v) ? v : [v]) if (typeof x === "string" && o.long) out.push({ option: o.long, value: x });
    }
  }
  cmd.registeredArguments.forEach((a, i) => {
    if (typeof positionals[i] === "string") out.push({ option: `<${a.name()}>`, value: positionals[i] });
  });
  return out;
}

/**
 * Addresses parsed without a checksum during this command line's parsing, warned about (when
 * not members) by `action()` before the command runs. One CLI process parses one command line.
 */
const uncheckedAddresses: string[] = [];

const wrap =
  <T>(f: (v: string) => T) =>
  (v: string): T => {
    try {
      return f(v);
    } catch (err) {
      throw new InvalidArgumentError(err instanceof SealshareError && err.hint ? `${err.message} (${err.hint})` : (err as Error).message);
    }
  };

/** A non-negative integer id (dataset, request) as bigint. */
export const parseId = wrap((v: string): bigint => {
  if (!/^\d+$/.test(v)) throw new Error(`not a number: ${JSON.stringify(v)}`);
  return BigInt(v);
});

export const parseUint = wrap((v: string): number => {
  if (!/^\d+$/.test(v) || Number(v) > Number.MAX_SAFE_INTEGER) throw new Error(`not a non-negative integer: ${JSON.stringify(v)}`);
  return Number(v);
});

/** An address; a mixed-case one must carry a valid EIP-55 checksum ("checksum" errors otherwise). */
export const parseAddress = wrap((v: string): string => {
  const { address, unchecked } = parseAddressText(v);
  if (unchecked) uncheckedAddresses.push(address);
  return address;
});

export const parseDuration = wrap((v: string): number => toSeconds(v));
export const parseCategory = wrap((v: string): number => toCategory(v));
export const parsePurpose = wrap((v: string): number => toPurpose(v));
export const parseKind = wrap((v: string): number => toGrantKind(v));
/** A reason for a rejection or revocation: a name of sdk/vocabulary.ts REASONS or a uint16 code. */
export const parseReason = wrap((v: string): number => toCode(REASONS, v));
export const parseSuspensionReason = wrap((v: string): number => toCode(SUSPENSION_REASONS, v));
export const parseUsage = wrap((v: string): number => toCode(USAGE_CODES, v));

/**
 * The help text of an option that takes a name of `v`: the description, then every accepted name
 * (and, for open vocabularies, that a number works too), so `--help` lists them.
 */
export function namesHelp(description: string, v: Vocabulary, skip: string[] = []): string {
  const names = v.filter((t) => !skip.includes(t.name)).map((t) => t.name).join(", ");
  return `${description}: ${names}${v.open ? ", or a code" : ""}`;
}

/** Option help texts that list the accepted names, one per vocabulary. */
export const HELP = {
  category: (d: string) => namesHelp(d, CATEGORIES),
  purpose: (d: string) => namesHelp(d, PURPOSES),
  kind: (d: string) => namesHelp(d, GRANT_KINDS, ["none"]),
  reason: (d: string) => namesHelp(d, REASONS),
  suspensionReason: (d: string) => namesHelp(d, SUSPENSION_REASONS),
  usage: (d: string) => namesHelp(d, USAGE_CODES),
};

export const parseFormat = wrap((v: string): "json" | "csv" | "ndjson" | "raw" => {
  if (!["json", "csv", "ndjson", "raw"].includes(v)) throw new Error(`unknown format ${JSON.stringify(v)}: use json, csv, ndjson or raw`);
  return v as "json" | "csv" | "ndjson" | "raw";
});

export const parseBytes32 = wrap((v: string): string => {
  if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new Error(`not a 32-byte hex value: ${JSON.stringify(v)}`);
  return v.toLowerCase();
});
