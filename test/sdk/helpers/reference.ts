/**
 * An independent implementation of docs/FORMAT.md for cross-checking the SDK. It shares no code
 * with sdk/stream: it uses the synchronous createCipheriv/hkdfSync APIs (the SDK uses WebCrypto),
 * buffers whole inputs, and builds the Merkle tree with RFC 9162's recursive definition (the SDK
 * folds a stack). If both agree, a bug would have to be made twice, in two different ways.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from "node:crypto";

const HEADER_LENGTH = 35;
const TAG_LENGTH = 16;

export function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

export function hex(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(bytes).toString("hex")}`;
}

function chunkKey(key: Uint8Array, fileId: Uint8Array): Buffer {
  return Buffer.from(hkdfSync("sha256", key, fileId, "sealshare/stream/v1/chunk-key", 32));
}

function nonce(prefix: Uint8Array, index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  Buffer.from(prefix).copy(n, 0);
  n.writeUInt32BE(index, 7);
  n[11] = last ? 1 : 0;
  return n;
}

/** Encodes a whole stream; `version` 2 (what encoders write) or 1 (the old vectors). */
export function referenceEncrypt(plaintext: Uint8Array, key: Uint8Array, fileId: Uint8Array, noncePrefix: Uint8Array, chunkSize: number, version = 2): Buffer {
  const header = Buffer.concat([Buffer.from("SEALSHR"), Buffer.from([version]), u32(chunkSize), fileId, noncePrefix]);
  const k = chunkKey(key, fileId);
  const count = Math.max(1, Math.ceil(plaintext.length / chunkSize));
  const out: Buffer[] = [header];
  for (let i = 0; i < count; i++) {
    const cipher = createCipheriv("aes-256-gcm", k, nonce(noncePrefix, i, i === count - 1));
    cipher.setAAD(header);
    out.push(cipher.update(plaintext.subarray(i * chunkSize, (i + 1) * chunkSize)), cipher.final(), cipher.getAuthTag());
  }
  return Buffer.concat(out);
}

/** Decrypts a whole stream; throws on any authentication failure. */
export function referenceDecrypt(stream: Uint8Array, key: Uint8Array): Buffer {
  const buf = Buffer.from(stream);
  const header = buf.subarray(0, HEADER_LENGTH);
  const fileId = header.subarray(12, 28);
  const prefix = header.subarray(28, 35);
  const segments = splitSegments(buf);
  const k = chunkKey(key, fileId);
  return Buffer.concat(
    segments.map((segment, i) => {
      const decipher = createDecipheriv("aes-256-gcm", k, nonce(prefix, i, i === segments.length - 1));
      decipher.setAAD(header);
      decipher.setAuthTag(segment.subarray(segment.length - TAG_LENGTH));
      return Buffer.concat([decipher.update(segment.subarray(0, segment.length - TAG_LENGTH)), decipher.final()]);
    }),
  );
}

/** Splits a ciphertext into its segments using only the chunk size in the header. */
export function splitSegments(stream: Uint8Array): Buffer[] {
  const buf = Buffer.from(stream);
  const segLen = buf.readUInt32BE(8) + TAG_LENGTH;
  const segments: Buffer[] = [];
  for (let at = HEADER_LENGTH; at < buf.length; at += segLen) segments.push(buf.subarray(at, at + segLen));
  return segments;
}

/** RFC 9162 §2.1.1 Merkle Tree Hash over entries (here: chunk digests). */
export function rfc9162Root(entries: readonly Uint8Array[]): Buffer {
  if (entries.length === 1) return sha256(Buffer.from([0]), entries[0]!);
  let k = 1;
  while (k * 2 < entries.length) k *= 2;
  return sha256(Buffer.from([1]), rfc9162Root(entries.slice(0, k)), rfc9162Root(entries.slice(k)));
}

/**
 * The chunk digests (Merkle entries) of a ciphertext from scratch: SHA-256 of each segment; in
 * version 2 (FORMAT.md §9) the first one is SHA-256(header || segment_0).
 */
export function referenceLeaves(stream: Uint8Array): Buffer[] {
  const buf = Buffer.from(stream);
  const version = buf[7];
  return splitSegments(buf).map((segment, i) => (i === 0 && version === 2 ? sha256(buf.subarray(0, HEADER_LENGTH), segment) : sha256(segment)));
}

/** Merkle root of a ciphertext computed from scratch: split, hash each chunk, RFC 9162 tree. */
export function referenceMerkleRoot(stream: Uint8Array): `0x${string}` {
  return hex(rfc9162Root(referenceLeaves(stream)));
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}
