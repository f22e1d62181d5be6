/**
 * Master key rotation: re-wraps every stored data key under a NEW key-encryption key, in ONE
 * database transaction, crash-safe at every step.
 *
 * Keystore mode (SEALSHARE_KEYSTORE + SEALSHARE_KEYSTORE_PASSWORD):
 *   1. a new random KEK is written to the keystore as the current one, the old one kept as
 *      `previousMasterKeys` (atomic file replace) — keys under either KEK open from now on;
 *   2. every data key is opened under the old KEK and sealed under the new one, in one
 *      transaction (all or nothing);
 *   3. the keystore is written again without the old KEK.
 *   A crash after 1 or 2 leaves a keystore that opens every key; running the command again
 *   finishes the job. Restart the custodian replicas afterwards (they read the keystore at start;
 *   until then they keep the old KEK and cannot open keys re-wrapped in step 2, so run this in a
 *   maintenance window or restart them right after — deposits keep working throughout).
 *
 * Environment mode (SEALSHARE_MASTER_KEY + SEALSHARE_NEW_MASTER_KEY): step 2 only; then restart
 * the custodian with SEALSHARE_MASTER_KEY set to the new key.
 *
 * Also needs SEALSHARE_DB and SEALSHARE_DEPLOYMENT (to open the right database).
 *
 *   SEALSHARE_KEYSTORE=… SEALSHARE_KEYSTORE_PASSWORD=… SEALSHARE_DB=… SEALSHARE_DEPLOYMENT=… \
 *     tsx scripts/rotate-master-key.ts
 */
import { getAddress, getBytes, hexlify, randomBytes } from "ethers";
import { pathToFileURL } from "node:url";
import { readDeployment } from "../sdk/deployment-file.js";
import { createKeyBox } from "../service/keys/at-rest.js";
import { shareContext } from "../service/keys/share-deposit.js";
import { FatalError } from "../service/internal/errors.js";
import { DEFAULT_KDF, readKeystore, writeKeystore, type KdfParams } from "../service/keys/keystore.js";
import { openStore } from "../service/store/open.js";
import type { StoreBinding } from "../service/store/store.js";

export interface RotateOptions {
  db: string;
  binding: StoreBinding;
  /** Keystore mode. */
  keystore?: { path: string; password: string; kdf?: KdfParams };
  /** Environment mode. */
  oldKey?: Uint8Array;
  newKey?: Uint8Array;
  /** Test seam: called after the keystore holds both KEKs, before the database transaction. */
  beforeRewrap?: () => Promise<void> | void;
}

export interface RotateResult {
  rewrapped: number;
  alreadyCurrent: number;
  /** Threshold custody's key shares re-sealed (service/store/share-store.ts), already-current ones not counted. */
  sharesRewrapped: number;
}

export async function rotateMasterKey(o: RotateOptions): Promise<RotateResult> {
  let current: Uint8Array;
  let previous: Uint8Array[];
  let next: Uint8Array;
  let finish: (() => Promise<void>) | undefined;
  if (o.keystore) {
    const { path, password } = o.keystore;
    const kdf = o.keystore.kdf ?? DEFAULT_KDF;
    const s = await readKeystore(path, password);
    const inProgress = (s.previousMasterKeys ?? []).length > 0;
    // Resuming an interrupted rotation: the keystore's current KEK is already the new one.
    next = inProgress ? getBytes(s.masterKey) : new Uint8Array(randomBytes(32));
    current = inProgress ? getBytes(s.previousMasterKeys![0]!) : getBytes(s.masterKey);
    previous = inProgress ? [getBytes(s.masterKey), ...s.previousMasterKeys!.slice(1).map((k) => getBytes(k))] : [];
    if (!inProgress) {
      await writeKeystore(path, { ...s, masterKey: hexlify(next), previousMasterKeys: [s.masterKey, ...(s.previousMasterKeys ?? [])] }, password, kdf);
    }
    finish = async () => writeKeystore(path, { ...s, masterKey: hexlify(next), previousMasterKeys: [] }, password, kdf);
  } else {
    if (!o.oldKey || !o.newKey) throw new FatalError("give a keystore, or both the old and the new master key");
    current = o.oldKey;
    next = o.newKey;
    previous = [];
  }
  await o.beforeRewrap?.();
  const oldBox = createKeyBox(current, previous);
  const newBox = createKeyBox(next);
  const store = await openStore(o.db, o.binding, { max: 2 });
  let alreadyCurrent = 0;
  let rewrapped: number;
  let sharesRewrapped: number;
  let sharesCurrent = 0;
  try {
    rewrapped = await store.rewrapDatasetKeys((k) => {
      if (newBox.isCurrent(k.sealed)) {
        alreadyCurrent++;
        return k.sealed;
      }
      const dek = oldBox.open(k.sealed, BigInt(k.datasetId), k.version);
      try {
        return newBox.seal(dek, BigInt(k.datasetId), k.version);
      } finally {
        dek.fill(0);
      }
    });
    sharesRewrapped = await store.rewrapShares((sh) => {
      if (newBox.isCurrent(sh.sealed)) {
        sharesCurrent++;
        return sh.sealed;
      }
      const context = shareContext(sh.setId, sh.index);
      const share = oldBox.open(sh.sealed, BigInt(sh.datasetId), sh.version, context);
      try {
        return newBox.seal(share, BigInt(sh.datasetId), sh.version, context);
      } finally {
        share.fill(0);
      }
    });
  } finally {
    await store.close();
  }
  await finish?.();
  return { rewrapped: rewrapped - alreadyCurrent, alreadyCurrent, sharesRewrapped: sharesRewrapped - sharesCurrent };
}

async function main(): Promise<void> {
  const env = process.env;
  if (!env.SEALSHARE_DB || !env.SEALSHARE_DEPLOYMENT) throw new FatalError("set SEALSHARE_DB and SEALSHARE_DEPLOYMENT");
  const d = await readDeployment(env.SEALSHARE_DEPLOYMENT);
  const binding = { chainId: d.chainId, ledger: getAddress(d.ledger), startBlock: d.deployBlock };
  const hex = (name: string) => {
    const v = env[name];
    if (!v || !/^(0x)?[0-9a-fA-F]{64}$/.test(v)) throw new FatalError(`${name}: must be 32 bytes of hex`);
    return getBytes(v.startsWith("0x") ? v : `0x${v}`);
  };
  const result = env.SEALSHARE_KEYSTORE
    ? await rotateMasterKey({
        db: env.SEALSHARE_DB,
        binding,
        keystore: { path: env.SEALSHARE_KEYSTORE, password: env.SEALSHARE_KEYSTORE_PASSWORD ?? "" },
      })
    : await rotateMasterKey({ db: env.SEALSHARE_DB, binding, oldKey: hex("SEALSHARE_MASTER_KEY"), newKey: hex("SEALSHARE_NEW_MASTER_KEY") });
  process.stdout.write(
    `master key rotated: ${result.rewrapped} data keys and ${result.sharesRewrapped} key shares re-wrapped (${result.alreadyCurrent} keys already under the new key); restart the custodian\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err: unknown) => {
    process.stderr.write(`rotate-master-key failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
