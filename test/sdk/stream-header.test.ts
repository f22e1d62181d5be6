import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { chunkNonce, decodeHeader, HEADER_LENGTH, StreamFormatError, type StreamError } from "../../sdk/stream/index.js";
import { encodeHeader } from "../../sdk/stream/header.js";

function formatError(fn: () => unknown): StreamError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(StreamFormatError);
    return error as StreamError;
  }
  throw new Error("expected a StreamFormatError");
}

describe("stream format v2: header and nonce", () => {
  const fileId = randomBytes(16);
  const noncePrefix = randomBytes(7);

  it("lays the header out byte by byte as docs/FORMAT.md specifies", () => {
    const { bytes } = encodeHeader({ chunkSize: 0x0001_0000, fileId, noncePrefix });
    const b = Buffer.from(bytes);
    expect(b.length).to.equal(HEADER_LENGTH).and.to.equal(35);
    expect(b.subarray(0, 7).toString("ascii")).to.equal("SEALSHR");
    expect(b[7]).to.equal(2);
    expect(b.subarray(8, 12).toString("hex")).to.equal("00010000");
    expect(b.subarray(12, 28).equals(fileId)).to.equal(true);
    expect(b.subarray(28, 35).equals(noncePrefix)).to.equal(true);
  });

  it("decodes what it encodes, ignoring bytes after the header", () => {
    const { bytes } = encodeHeader({ chunkSize: 1024, fileId, noncePrefix });
    const decoded = decodeHeader(Buffer.concat([bytes, Buffer.from("chunk data")]));
    expect(decoded.version).to.equal(2);
    // Version 1 stays readable (and encodable, for the old vectors and tests).
    expect(decodeHeader(encodeHeader({ chunkSize: 1024, fileId, noncePrefix, version: 1 }).bytes).version).to.equal(1);
    expect(decoded.chunkSize).to.equal(1024);
    expect(Buffer.from(decoded.fileId).equals(fileId)).to.equal(true);
    expect(Buffer.from(decoded.noncePrefix).equals(noncePrefix)).to.equal(true);
    expect(decoded.bytes).to.have.length(HEADER_LENGTH);
  });

  it("rejects wrong magic, an unknown version and out-of-range chunk sizes with distinct codes", () => {
    const good = Buffer.from(encodeHeader({ chunkSize: 1024, fileId, noncePrefix }).bytes);
    const withByte = (offset: number, value: number) => Buffer.from(good).fill(value, offset, offset + 1);
    const withChunkSize = (size: number) => {
      const b = Buffer.from(good);
      b.writeUInt32BE(size, 8);
      return b;
    };
    expect(formatError(() => decodeHeader(withByte(0, 0x73))).code).to.equal("BAD_HEADER");
    expect(formatError(() => decodeHeader(withByte(7, 0))).code).to.equal("UNSUPPORTED_VERSION");
    expect(formatError(() => decodeHeader(withByte(7, 3))).code).to.equal("UNSUPPORTED_VERSION");
    expect(() => encodeHeader({ chunkSize: 1024, fileId, noncePrefix, version: 3 })).to.throw(RangeError, "stream version 3 is not one of 1, 2");
    expect(formatError(() => decodeHeader(withChunkSize(15))).code).to.equal("BAD_HEADER");
    expect(formatError(() => decodeHeader(withChunkSize(16 * 1024 * 1024 + 1))).code).to.equal("BAD_HEADER");
    expect(formatError(() => decodeHeader(good.subarray(0, 34))).code).to.equal("BAD_HEADER");
  });

  it("builds chunk nonces as prefix, big-endian counter, final flag", () => {
    const prefix = Buffer.from("01020304050607", "hex");
    expect(Buffer.from(chunkNonce(prefix, 0, false)).toString("hex")).to.equal("01020304050607" + "00000000" + "00");
    expect(Buffer.from(chunkNonce(prefix, 0x0102_0304, true)).toString("hex")).to.equal("01020304050607" + "01020304" + "01");
    expect(Buffer.from(chunkNonce(prefix, 0xffff_ffff, false)).toString("hex")).to.equal("01020304050607" + "ffffffff" + "00");
  });

  it("refuses chunk indices that do not fit the 32-bit counter, so a nonce can never repeat", () => {
    expect(() => chunkNonce(noncePrefix, 2 ** 32, false)).to.throw(RangeError);
    expect(() => chunkNonce(noncePrefix, -1, false)).to.throw(RangeError);
  });
});
