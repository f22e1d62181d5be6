/**
 * What the provider worker remembers across restarts, in one small JSON file written atomically
 * (temporary file, fsync, rename: a crash leaves the old file or the new one, never half of one):
 *
 * - `scannedTo`: the last block whose AccessRequested events were all taken in;
 * - `requests`: every request for one of this provider's on-demand datasets, and what became of
 *   it (waiting, served with version N, skipped with a reason, failed after N attempts);
 * - `pending`: a version being published, written *before* its transaction is sent, so that a
 *   crash between publishing and depositing the key is finished on restart instead of leaving a
 *   version whose key nobody holds. It keeps the data key only ECIES-wrapped to the custodian's
 *   key (checked on chain to be the custodian's live published key) — what the deposit sends
 *   anyway. Only the custodian can open it, and the custodian accepts it only as the key of the
 *   version whose commitment it matches: the commitment (v2, docs/FORMAT.md §11) binds the key to
 *   this chain, ledger, dataset id and version, so a copy of the wrapped key deposited by anyone
 *   for a dataset of their own (copying this version's public facts) is refused. It is still the
 *   dataset's data key: keep the file as private as the provider's signing key.
 *
 * The file is bound to one (chain, ledger, provider account): opening it for another is refused.
 * A lock file next to it (`<file>.lock`, holding the pid) keeps a second worker off the same
 * checkpoint; a lock left by a process that no longer runs is taken over.
 */
import { open, readFile, rm } from "node:fs/promises";
import { z } from "zod";
import { writeFileAtomically } from "../blob/atomic.js";
import { SealshareError } from "../errors.js";

const FORMAT = "sealshare-provider-checkpoint/v1";

const hex = (bytes: number) => z.string().regex(new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`), `must be ${bytes} bytes of lower-case hex`);
const decimal = z.string().regex(/^\d+$/, "must be a decimal integer");

const RequestEntry = z.object({
  datasetId: decimal,
  /** Block of the AccessRequested event. */
  blockNumber: z.number().int().nonnegative(),
  logIndex: z.number().int().nonnegative(),
  state: z.enum(["waiting", "served", "skipped", "failed"]),
  /** The version that serves it (published for it, or published after it was filed). */
  version: z.number().int().positive().optional(),
  reason: z.string().optional(),
  attempts: z.number().int().nonnegative(),
  updatedAt: z.string(),
});
export type RequestEntry = z.infer<typeof RequestEntry>;

const PendingVersion = z.object({
  datasetId: decimal,
  requestIds: z.array(decimal).min(1),
  /** The ciphertext's Merkle root: finds the publication if the transaction landed. */
  merkleRoot: hex(32),
  /** The v2 commitment for the slot the publication is expected to take (latestVersion + 1). */
  keyCommitment: hex(32),
  /** The data key, ECIES-wrapped to `custodianKey` (eciesjs format). */
  wrappedKey: z.string().regex(/^0x[0-9a-f]+$/),
  custodianKey: hex(33),
  /** First block at which the version can have been published (for finding it after a crash). */
  fromBlock: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
  version: z.number().int().positive().optional(),
  txHash: hex(32).optional(),
});
export type PendingVersion = z.infer<typeof PendingVersion>;

const CheckpointData = z.object({
  format: z.literal(FORMAT),
  chainId: decimal,
  ledger: z.string(),
  provider: z.string(),
  scannedTo: z.number().int().min(-1),
  requests: z.record(decimal, RequestEntry),
  pending: z.record(decimal, PendingVersion),
});
export type CheckpointData = z.infer<typeof CheckpointData>;

export interface CheckpointIdentity {
  chainId: string;
  ledger: string;
  provider: string;
}

export class ProviderCheckpoint {
  private constructor(
    readonly path: string,
    readonly data: CheckpointData,
  ) {}

  /**
   * Reads the checkpoint at `path`, or starts a new one (scanning from `startBlock`) if there is
   * none. Errors: `CHECKPOINT_UNREADABLE` (not JSON, or not a checkpoint), `CHECKPOINT_MISMATCH`
   * (another chain, ledger or provider).
   */
  static async open(path: string, who: CheckpointIdentity, startBlock: number): Promise<ProviderCheckpoint> {
    let text: string | undefined;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (text === undefined) {
      return new ProviderCheckpoint(path, { format: FORMAT, ...normalizeIdentity(who), scannedTo: startBlock - 1, requests: {}, pending: {} });
    }
    let parsed;
    try {
      parsed = CheckpointData.safeParse(JSON.parse(text));
    } catch (cause) {
      throw new SealshareError("CHECKPOINT_UNREADABLE", `the provider checkpoint ${path} is not valid JSON`, { cause, hint: "restore it from a backup, or move it away to rescan from the deployment block (served requests are recognised on chain)" });
    }
    if (!parsed.success) {
      throw new SealshareError("CHECKPOINT_UNREADABLE", `the provider checkpoint ${path} is malformed: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`, {
        hint: "restore it from a backup, or move it away to rescan from the deployment block",
      });
    }
    const want = normalizeIdentity(who);
    for (const k of ["chainId", "ledger", "provider"] as const) {
      if (parsed.data[k] !== want[k]) {
        throw new SealshareError("CHECKPOINT_MISMATCH", `the checkpoint ${path} belongs to ${k} ${parsed.data[k]}, not ${want[k]}`, {
          hint: "use one checkpoint file per provider account and deployment (--checkpoint)",
        });
      }
    }
    return new ProviderCheckpoint(path, parsed.data);
  }

  get scannedTo(): number {
    return this.data.scannedTo;
  }

  set scannedTo(block: number) {
    this.data.scannedTo = block;
  }

  request(requestId: bigint): RequestEntry | undefined {
    return this.data.requests[requestId.toString()];
  }

  setRequest(requestId: bigint, entry: Omit<RequestEntry, "updatedAt">): void {
    this.data.requests[requestId.toString()] = { ...entry, updatedAt: new Date().toISOString() };
  }

  /** Requests in state `waiting`, in chain order. */
  waiting(): [bigint, RequestEntry][] {
    return Object.entries(this.data.requests)
      .filter(([, e]) => e.state === "waiting")
      .map(([id, e]) => [BigInt(id), e] as [bigint, RequestEntry])
      .sort(([, a], [, b]) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  }

  pending(datasetId: bigint): PendingVersion | undefined {
    return this.data.pending[datasetId.toString()];
  }

  allPending(): PendingVersion[] {
    return Object.values(this.data.pending);
  }

  setPending(p: PendingVersion): void {
    this.data.pending[p.datasetId] = p;
  }

  clearPending(datasetId: bigint): void {
    delete this.data.pending[datasetId.toString()];
  }

  /** Writes the checkpoint (atomically; owner-readable only). */
  async save(): Promise<void> {
    const json = JSON.stringify(this.data, null, 2) + "\n";
    await writeFileAtomically(this.path, async (tmp) => {
      const fh = await open(tmp, "wx", 0o600);
      try {
        await fh.writeFile(json);
      } finally {
        await fh.close();
      }
    });
  }
}

function normalizeIdentity(who: CheckpointIdentity): CheckpointIdentity {
  return { chainId: who.chainId, ledger: who.ledger.toLowerCase(), provider: who.provider.toLowerCase() };
}

/** A held lock on a checkpoint; `release()` removes it. */
export interface CheckpointLock {
  release(): Promise<void>;
}

/**
 * Takes `<checkpoint>.lock`. Errors: `WORKER_ALREADY_RUNNING` when a live process holds it.
 */
export async function lockCheckpoint(checkpointPath: string): Promise<CheckpointLock> {
  const lockPath = `${checkpointPath}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(lockPath, "wx", 0o600);
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          await rm(lockPath, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number((await readFile(lockPath, "utf8").catch(() => "")).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        throw new SealshareError("WORKER_ALREADY_RUNNING", `another provider worker (pid ${holder}) is using ${checkpointPath}`, {
          hint: `stop it first; if no such worker runs, remove ${lockPath}`,
        });
      }
      if (holder === process.pid) {
        throw new SealshareError("WORKER_ALREADY_RUNNING", `this process already runs a worker on ${checkpointPath}`);
      }
      await rm(lockPath, { force: true }); // left by a process that is gone: take it over
    }
  }
  throw new SealshareError("WORKER_ALREADY_RUNNING", `could not lock ${checkpointPath}`, { hint: `remove ${checkpointPath}.lock if no worker runs` });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}
