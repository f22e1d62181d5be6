/**
 * A member's *verified display name*: the name inside the record a supervisor wrote on chain
 * when registering the member (`registerMember(member, kycRefHash, metadataURI)`, event
 * `MemberRegistered`). It is verified because only a SUPERVISOR_ROLE holder can write that URI
 * and the ledger keeps it; nothing fetched over HTTP is read, so a server cannot rename anyone.
 *
 * Where the name sits in the metadata URI (both readable on an explorer):
 *  - `data:application/json,{"name":"Acme Bank",…}` (RFC 2397; URL-encoded or `;base64`) — the
 *    whole record is on chain;
 *  - `#name=Acme%20Bank` — a fragment on any other URI (`https://members.example/acme.json#name=…`):
 *    the document stays where it is, the name it shows travels with the chain's copy of the URI.
 *
 * A name is shown to people next to an address, so it is normalised before it is trusted: no
 * control or bidirectional-override characters (which could make "Acme" read as another
 * institution's name), whitespace collapsed, at most {@link MAX_NAME_LENGTH} characters, and not
 * an address itself. A URI without a usable name gives `undefined`; the reader shows the address.
 * Browser-safe (no Buffer).
 *
 * @example
 * ```ts
 * displayNameOf('data:application/json,%7B%22name%22%3A%22Acme%20Bank%22%7D'); // "Acme Bank"
 * displayNameOf("https://members.example/acme.json#name=Acme%20Bank");           // "Acme Bank"
 * metadataURIWithName("Acme Bank");   // 'data:application/json,%7B%22name%22%3A%22Acme%20Bank%22%7D'
 * metadataURIWithName("Acme Bank", "https://members.example/acme.json");
 *                                     // "https://members.example/acme.json#name=Acme%20Bank"
 * ```
 */
import { z } from "zod";
import { SealshareError } from "../errors.js";

/** Longest name shown; a longer one is refused when building and not shown when reading. */
export const MAX_NAME_LENGTH = 80;

// C0/C1 controls, and the Unicode format characters that reorder or hide text (bidi overrides,
// isolates, zero-width joiners, BOM): a name with them could display as someone else's.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/u;
const ADDRESS_LIKE = /^0x[0-9a-f]{6,}/i;

/** The JSON record of a `data:` URI: only `name` is read; other fields are the supervisor's. */
const record = z.object({ name: z.string() }).passthrough();

/**
 * The name a metadata URI carries, normalised, or `undefined` when it carries none (or one that
 * could mislead: see the module header). Never throws: a URI is whatever a supervisor wrote.
 */
export function displayNameOf(metadataURI: string): string | undefined {
  const raw = metadataURI.trim().toLowerCase().startsWith("data:") ? nameInDataURI(metadataURI.trim()) : nameInFragment(metadataURI);
  return raw === undefined ? undefined : safeName(raw);
}

/**
 * A metadata URI that carries `name`: a `data:application/json` record `{"name": …}` when there is
 * no `uri`; the `uri` with `#name=…` when it is any other URI (an existing fragment is replaced);
 * a `data:application/json` `uri` gets `name` set in its record (its other fields kept).
 * Errors: `INVALID_MEMBER_NAME` (empty, too long, control characters, an address).
 */
export function metadataURIWithName(name: string, uri = ""): string {
  const n = checkedName(name);
  const base = uri.trim();
  if (!base) return dataURI({ name: n });
  if (base.toLowerCase().startsWith("data:")) {
    const parsed = parseDataURI(base);
    if (!parsed || !isJson(parsed.mediaType)) {
      throw new SealshareError("INVALID_METADATA_URI", "a data: metadata URI can carry a name only as an application/json record", {
        hint: "give the metadata as an http(s)/ipfs URI (the name goes in its #name= fragment), or leave it out",
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(parsed.text);
    } catch {
      throw new SealshareError("INVALID_METADATA_URI", "the data: metadata URI's JSON does not parse");
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new SealshareError("INVALID_METADATA_URI", "the data: metadata URI's JSON is not an object");
    return dataURI({ ...(json as Record<string, unknown>), name: n });
  }
  const hash = base.indexOf("#");
  return `${hash < 0 ? base : base.slice(0, hash)}#name=${encodeURIComponent(n)}`;
}

/** `name` normalised, or a named error saying why it cannot be a display name. */
export function checkedName(name: string): string {
  const n = safeName(name);
  if (n === undefined) {
    const why = UNSAFE.test(name) ? "it contains control or text-direction characters" : ADDRESS_LIKE.test(name.trim()) ? "it looks like an address" : name.trim() ? `it is longer than ${MAX_NAME_LENGTH} characters` : "it is empty";
    throw new SealshareError("INVALID_MEMBER_NAME", `${JSON.stringify(name.slice(0, MAX_NAME_LENGTH + 1))} cannot be a member's display name: ${why}`, {
      hint: `use the institution's name as people know it, 1 to ${MAX_NAME_LENGTH} printable characters`,
    });
  }
  return n;
}

/**
 * `raw` normalised for display, or undefined when it could mislead (control or direction
 * characters, empty, too long, address-like). Applied to every name shown, verified or not.
 */
export function safeName(raw: string): string | undefined {
  if (UNSAFE.test(raw)) return undefined;
  const n = raw.normalize("NFC").replace(/\s+/gu, " ").trim();
  if (!n || [...n].length > MAX_NAME_LENGTH || ADDRESS_LIKE.test(n)) return undefined;
  return n;
}

function dataURI(json: Record<string, unknown>): string {
  return `data:application/json,${encodeURIComponent(JSON.stringify(json))}`;
}

const isJson = (mediaType: string) => mediaType.split(";")[0]!.trim().toLowerCase() === "application/json";

/** RFC 2397: `data:[<mediatype>][;base64],<data>`; the text decoded as UTF-8. */
function parseDataURI(uri: string): { mediaType: string; text: string } | undefined {
  const comma = uri.indexOf(",");
  if (comma < 0) return undefined;
  const meta = uri.slice(5, comma);
  const base64 = /;base64$/i.test(meta);
  const mediaType = base64 ? meta.slice(0, -7) : meta;
  const body = uri.slice(comma + 1);
  try {
    if (base64) {
      const bin = atob(decodeURIComponent(body).replace(/\s+/g, ""));
      return { mediaType, text: new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))) };
    }
    return { mediaType, text: decodeURIComponent(body) };
  } catch {
    return undefined;
  }
}

function nameInDataURI(uri: string): string | undefined {
  const parsed = parseDataURI(uri);
  if (!parsed || !isJson(parsed.mediaType)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(parsed.text);
  } catch {
    return undefined;
  }
  const r = record.safeParse(json);
  return r.success ? r.data.name : undefined;
}

function nameInFragment(uri: string): string | undefined {
  const hash = uri.indexOf("#");
  if (hash < 0) return undefined;
  for (const part of uri.slice(hash + 1).split("&")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq) !== "name") continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).replace(/\+/g, " "));
    } catch {
      return undefined;
    }
  }
  return undefined;
}
