/**
 * Canonical JSON: one byte string per value, so a hash of a document (a consent receipt) can be
 * recomputed by anyone, in any language, from the document alone.
 *
 * Rules (a subset of RFC 8785, the JSON Canonicalization Scheme, and byte-identical to it on
 * that subset):
 *  - objects: members sorted by key in UTF-16 code-unit order (JavaScript's default sort, as
 *    RFC 8785 §3.2.3 specifies); members whose value is `undefined` are left out, as in
 *    JSON.stringify, so an absent optional field and an undefined one hash alike;
 *  - no whitespace anywhere;
 *  - strings escaped exactly as ECMAScript's JSON.stringify does (RFC 8785 §3.2.2.2);
 *  - numbers: safe integers only (|n| ≤ 2^53 − 1), written in decimal without exponent. Fractions
 *    and huge numbers are refused rather than risk a different rendering elsewhere; carry them
 *    as decimal strings (the receipt does so for uint64 ids and the chain id);
 *  - `true`, `false`, `null`; arrays keep their order;
 *  - anything else (bigint, undefined in an array, NaN, Infinity, functions, symbols, Dates,
 *    class instances, cycles) throws a TypeError.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, null, "x"] }) // '{"a":[true,null,"x"],"b":1}'
 */
export type CanonicalValue = null | boolean | number | string | readonly CanonicalValue[] | { readonly [key: string]: CanonicalValue | undefined };

/** Serializes `value` canonically (see the module comment); throws TypeError on what it refuses. */
export function canonicalJson(value: unknown): string {
  return write(value, "$", new Set());
}

function write(value: unknown, path: string, ancestors: Set<object>): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isSafeInteger(value)) throw new TypeError(`${path}: only safe integers can be canonicalized, got ${value}`);
      return Object.is(value, -0) ? "0" : String(value);
    case "object":
      break;
    default:
      throw new TypeError(`${path}: a ${typeof value} cannot be canonicalized`);
  }
  if (ancestors.has(value)) throw new TypeError(`${path}: cyclic structure`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((item, i) => {
        if (item === undefined) throw new TypeError(`${path}[${i}]: undefined in an array`);
        return write(item, `${path}[${i}]`, ancestors);
      }).join(",")}]`;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new TypeError(`${path}: only plain objects can be canonicalized`);
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${write(record[key], `${path}.${key}`, ancestors)}`);
    return `{${members.join(",")}}`;
  } finally {
    ancestors.delete(value);
  }
}
