/**
 * The provider worker's checkpoint file: written atomically and owner-readable, bound to one
 * (chain, ledger, provider), refused clearly when damaged or foreign, and locked against a
 * second worker (a lock left by a dead process is taken over).
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockCheckpoint, ProviderCheckpoint } from "../../../sdk/provider/checkpoint.js";
import { SealshareError } from "../../../sdk/errors.js";

const WHO = { chainId: "31337", ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3", provider: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" };

async function rejectsWith(p: Promise<unknown>, code: string): Promise<SealshareError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(SealshareError);
    expect((err as SealshareError).code, (err as Error).message).to.equal(code);
    return err as SealshareError;
  }
  expect.fail(`expected ${code}`);
}

describe("provider worker: checkpoint file", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sealshare-checkpoint-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("starts before the first block to scan, saves atomically (0600) and reads back what it saved", async () => {
    const path = join(dir, "a.json");
    const c = await ProviderCheckpoint.open(path, WHO, 5);
    expect(c.scannedTo).to.equal(4);
    c.scannedTo = 9;
    c.setRequest(3n, { datasetId: "2", blockNumber: 7, logIndex: 1, state: "waiting", attempts: 0 });
    c.setRequest(1n, { datasetId: "2", blockNumber: 6, logIndex: 0, state: "waiting", attempts: 0 });
    c.setRequest(2n, { datasetId: "1", blockNumber: 6, logIndex: 4, state: "served", version: 1, attempts: 0 });
    await c.save();
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
    const again = await ProviderCheckpoint.open(path, WHO, 0);
    expect(again.scannedTo).to.equal(9);
    expect(again.waiting().map(([id]) => id)).to.deep.equal([1n, 3n]); // chain order
    expect(again.request(2n)).to.include({ state: "served", version: 1 });
  });

  it("refuses a checkpoint of another provider, ledger or chain, and a damaged one, saying what to do", async () => {
    const path = join(dir, "b.json");
    await (await ProviderCheckpoint.open(path, WHO, 0)).save();
    const other = await rejectsWith(ProviderCheckpoint.open(path, { ...WHO, provider: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65" }, 0), "CHECKPOINT_MISMATCH");
    expect(other.hint).to.match(/one checkpoint file per provider/);
    await rejectsWith(ProviderCheckpoint.open(path, { ...WHO, chainId: "1" }, 0), "CHECKPOINT_MISMATCH");
    await writeFile(path, "{ not json");
    await rejectsWith(ProviderCheckpoint.open(path, WHO, 0), "CHECKPOINT_UNREADABLE");
    const valid = JSON.parse(await readFile(join(dir, "a.json"), "utf8"));
    valid.requests["1"].state = "maybe";
    await writeFile(path, JSON.stringify(valid));
    const bad = await rejectsWith(ProviderCheckpoint.open(path, WHO, 0), "CHECKPOINT_UNREADABLE");
    expect(bad.message).to.include("requests.1.state");
  });

  it("locks out a second worker; takes over a lock left by a process that is gone", async () => {
    const path = join(dir, "c.json");
    const lock = await lockCheckpoint(path);
    await rejectsWith(lockCheckpoint(path), "WORKER_ALREADY_RUNNING");
    await lock.release();
    // A pid that cannot be running (beyond the kernel's pid range).
    await writeFile(`${path}.lock`, "4194305\n");
    const taken = await lockCheckpoint(path);
    expect((await readFile(`${path}.lock`, "utf8")).trim()).to.equal(String(process.pid));
    await taken.release();
  });
});
