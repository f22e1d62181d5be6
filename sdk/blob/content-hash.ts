/**
 * The digest that names a blob, computed incrementally: a version-2 stream's Merkle root
 * (StreamRootHasher, one SHA-256 pass cut at segment boundaries) or a plain SHA-256 (uri.ts says
 * which is used when). Storing, fetching and downloading all hash the bytes once, as they pass.
 */
import { createHash } from "node:crypto";
import { HEADER_LENGTH } from "../stream/header.js";
import { toHex, type Hex } from "../stream/hex.js";
import { StreamRootHasher, startsVersion2Stream } from "../stream/root-hasher.js";
import type { BlobScheme } from "./uri.js";

export interface ContentHash {
  update(bytes: Uint8Array): void;
  /** The digest, 0x hex; for "merkle", throws StreamFormatError if the bytes are not a v2 stream. */
  digest(): Hex;
}

/** node:crypto's native SHA-256, for StreamRootHasher on Node. */
export const nodeSha256 = () => createHash("sha256");

/** A fresh incremental hash for `scheme`. */
export function contentHash(scheme: BlobScheme): ContentHash {
  if (scheme === "merkle") {
    // Bytes that are not a v2 stream fail in digest(), not mid-stream: a copy or download still
    // runs to its end and then reports the mismatch like any other.
    const root = new StreamRootHasher(nodeSha256);
    let failure: unknown;
    return {
      update(bytes) {
        if (failure !== undefined) return;
        try {
          root.update(bytes);
        } catch (error) {
          failure = error;
        }
      },
      digest() {
        if (failure !== undefined) throw failure;
        return root.digest();
      },
    };
  }
  const hash = createHash("sha256");
  return {
    update: (bytes) => void hash.update(bytes),
    digest: () => toHex(hash.digest()),
  };
}

/**
 * A hash that picks its scheme from the bytes: "merkle" if they start with a version-2 stream
 * header, else "sha256" (what a store's put uses: it is given bytes, not a name). Buffers at most
 * the header's 35 bytes before it knows.
 */
export function detectingContentHash(): ContentHash & { scheme(): BlobScheme } {
  let inner: { scheme: BlobScheme; hash: ContentHash } | undefined;
  const head: Uint8Array[] = [];
  let headBytes = 0;
  const decide = (): { scheme: BlobScheme; hash: ContentHash } => {
    if (inner) return inner;
    const first = new Uint8Array(headBytes);
    let at = 0;
    for (const piece of head) first.set(piece, (at += piece.byteLength) - piece.byteLength);
    const scheme: BlobScheme = startsVersion2Stream(first) ? "merkle" : "sha256";
    inner = { scheme, hash: contentHash(scheme) };
    inner.hash.update(first);
    head.length = 0;
    return inner;
  };
  return {
    update(bytes) {
      if (inner) return inner.hash.update(bytes);
      head.push(Uint8Array.from(bytes));
      headBytes += bytes.byteLength;
      if (headBytes >= HEADER_LENGTH) decide();
    },
    digest: () => decide().hash.digest(),
    scheme: () => decide().scheme,
  };
}
