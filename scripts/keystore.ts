/**
 * Creates the custodian's encrypted keystore (service/keys/keystore.ts) from the secrets in
 * the environment — SEALSHARE_CUSTODIAN_KEY, and SEALSHARE_ECIES_KEY / SEALSHARE_MASTER_KEY
 * (each generated at random when absent) — encrypted under SEALSHARE_KEYSTORE_PASSWORD:
 *
 *   SEALSHARE_CUSTODIAN_KEY=0x… SEALSHARE_KEYSTORE_PASSWORD=… tsx scripts/keystore.ts create custodian.keystore.json
 *
 * Then run the custodian with SEALSHARE_KEYSTORE=custodian.keystore.json and the password, and
 * remove the raw keys from its environment. Nothing secret is printed.
 */
import { hexlify, randomBytes } from "ethers";
import { FatalError } from "../service/internal/errors.js";
import { writeKeystore } from "../service/keys/keystore.js";

const [cmd, path] = process.argv.slice(2);
try {
  if (cmd !== "create" || !path) throw new FatalError("usage: tsx scripts/keystore.ts create <keystore.json>");
  const env = process.env;
  const hex = (v: string | undefined) => (v ? (v.startsWith("0x") ? v : `0x${v}`) : undefined);
  const password = env.SEALSHARE_KEYSTORE_PASSWORD;
  if (!password || password.length < 12) throw new FatalError("SEALSHARE_KEYSTORE_PASSWORD: at least 12 characters");
  const custodianKey = hex(env.SEALSHARE_CUSTODIAN_KEY);
  if (!custodianKey) throw new FatalError("SEALSHARE_CUSTODIAN_KEY: required (the CUSTODIAN_ROLE account's key)");
  await writeKeystore(path, {
    custodianKey,
    eciesKey: hex(env.SEALSHARE_ECIES_KEY) ?? hexlify(randomBytes(32)),
    masterKey: hex(env.SEALSHARE_MASTER_KEY) ?? hexlify(randomBytes(32)),
  }, password);
  process.stdout.write(`keystore written to ${path} (scrypt + AES-256-GCM, mode 0600)\n`);
} catch (err) {
  process.stderr.write(`keystore: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
