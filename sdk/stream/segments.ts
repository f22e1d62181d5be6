/**
 * Keyless inspection of a stored ciphertext: split it into segments and hash each one. Whoever
 * holds the ciphertext (a custodian, a blob store) can rebuild the Merkle tree and serve
 * inclusion proofs for chunks without ever holding the key.
 */
import { ByteReader, type ByteSource } from "./byte-reader.js";
import { StreamAuthError } from "./errors.js";
import { decodeHeader, HEADER_LENGTH, TAG_LENGTH, type StreamHeader } from "./header.js";
import { segmentLength } from "./layout.js";
import { digestSegment } from "./summary.js";

/**
 * Returns the header and every segment's Merkle leaf, in order: its SHA-256, with the header in
 * front for chunk 0 of a version-2 stream (chunk-format.ts, leafPrefix). Checks the
 * layout only; nothing is authenticated without the key.
 */
export async function chunkDigestsOf(ciphertext: ByteSource): Promise<{ header: StreamHeader; leaves: Uint8Array[] }> {
  const reader = new ByteReader(ciphertext);
  try {
    const header = decodeHeader(await reader.read(HEADER_LENGTH));
    const fullSegment = segmentLength(header.chunkSize);
    const leaves: Uint8Array[] = [];
    for (;;) {
      const segment = await reader.read(fullSegment);
      if (segment.byteLength === 0) break;
      if (segment.byteLength < TAG_LENGTH) {
        throw new StreamAuthError("TRUNCATED", `chunk ${leaves.length} is shorter than its tag`, { chunkIndex: leaves.length });
      }
      leaves.push(await digestSegment(header.bytes, leaves.length, segment));
    }
    if (leaves.length === 0) throw new StreamAuthError("TRUNCATED", "the stream ends after its header", { chunkIndex: 0 });
    return { header, leaves };
  } finally {
    await reader.close();
  }
}
