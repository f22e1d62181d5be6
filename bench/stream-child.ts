/**
 * Child process of bench/streams.ts: encrypts or decrypts one file with the SDK's real
 * encryptFile/decryptFile and prints {"maxRssMiB", "seconds"} on stdout, so the parent can
 * compare peak memory between file sizes (a fresh process per measurement: peak RSS only grows).
 *
 *   tsx bench/stream-child.ts encrypt|decrypt <in> <out> <hex data key>
 */
import { decryptFile, encryptFile } from "../sdk/stream/index.js";

const [mode, inPath, outPath, keyHex] = process.argv.slice(2);
if ((mode !== "encrypt" && mode !== "decrypt") || !inPath || !outPath || !keyHex) {
  console.error("usage: stream-child.ts encrypt|decrypt <in> <out> <hex key>");
  process.exit(2);
}
const key = new Uint8Array(Buffer.from(keyHex, "hex"));
const t0 = performance.now();
await (mode === "encrypt" ? encryptFile(inPath, outPath, key) : decryptFile(inPath, outPath, key));
const seconds = (performance.now() - t0) / 1000;
// resourceUsage().maxRSS is in kilobytes (getrusage ru_maxrss).
console.log(JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024, seconds }));
