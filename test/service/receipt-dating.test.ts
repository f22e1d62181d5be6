/**
 * A release is dated by the highest chain time the custodian has seen (service/sync/node-quirks.ts
 * `releaseTime`). A reorg can replace the head that time came from with blocks dated earlier
 * (Hardhat's snapshot reorgs; Anvil copies timestamps): the receipt batch must then wait for the
 * new chain's clock, or its seal is mined in a block dated before a release it covers and the
 * auditor reports RECEIPT_FROM_THE_FUTURE (seen once in the randomized fault drill).
 *
 * Real processes: a `hardhat node` and the custodian as a child process (service/main.ts).
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress, hexlify } from "ethers";
import { writeDeployment } from "../../sdk/deployment-file.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { startCustodianProcess, type CustodianProcess } from "../../devkit/custodian-process.js";
import { openSqliteStore } from "../../service/store/sqlite.js";
import { createWorld, eventually, type World } from "../../devkit/world.js";

describe("receipts: a release dated by a head that a reorg replaced with earlier blocks", function () {
  this.timeout(240_000);
  let world: World;
  let tmp: string;
  let proc: CustodianProcess | undefined;

  before(async function () {
    world = await createWorld();
    tmp = mkdtempSync(join(tmpdir(), "sealshare-receipt-dating-"));
  });
  after(async function () {
    await proc?.stop("SIGKILL");
    await world?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("waits for the new chain's clock before batching it, so its seal is never dated before it", async function () {
    const deploymentPath = join(tmp, "deployment.json");
    await writeDeployment(deploymentPath, world.deployment);
    const dbPath = join(tmp, "custodian.db");
    const start = () =>
      startCustodianProcess({
        rpcUrl: world.chain.url,
        deploymentPath,
        dbPath,
        logPath: join(tmp, "custodian.log"),
        custodianKey: world.chain.accounts[2]!,
        eciesKey: hexlify(world.secrets.eciesKey),
        masterKey: hexlify(world.secrets.masterKey),
        confirmations: 0,
        pollMs: 100,
        receipts: "batch",
        timeoutMs: 180_000,
        env: { SEALSHARE_BATCH_MAX_AGE_MS: "1000" },
      });
    proc = await start();
    const client = new CustodianClient(proc.url, { chainId: world.deployment.chainId, ledger: world.deployment.ledger });
    const ds = await world.registerDataset();
    await client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: 1, dek: ds.dek, custodianKey: (await client.info()).encryptionKey });
    await proc.stop("SIGTERM");
    proc = undefined;

    // The grant lands on the base chain, which survives; the head above it is dated 10 minutes
    // ahead and is then reorganized away.
    const { requestId } = await world.grantedRequest(ds);
    const snapshot = (await world.provider.send("evm_snapshot", [])) as string;
    const base = (await world.provider.getBlock("latest"))!;
    const aheadAt = base.timestamp + 600;
    await world.provider.send("evm_setNextBlockTimestamp", [aheadAt]);
    await world.provider.send("evm_mine", []);

    proc = await start();
    const db = await openSqliteStore(dbPath, { chainId: world.deployment.chainId, ledger: getAddress(world.deployment.ledger), startBlock: world.deployment.deployBlock });
    try {
      const released = await eventually(async () => (await db.releases(requestId.toString())).find((r) => r.status === "released"), "the grant released", 60_000);
      expect(released.releasedAt).to.equal(aheadAt); // dated by the head it saw
      const [waiting] = await db.receiptProofs(requestId.toString());
      if (waiting!.batchId !== null) this.skip(); // batched before the reorg could be made: nothing to show

      expect(await world.provider.send("evm_revert", [snapshot])).to.equal(true);
      await world.provider.send("evm_mine", []);
      const head = (await world.provider.getBlock("latest"))!;
      expect(head.timestamp).to.be.lessThan(aheadAt); // the new chain's clock is behind the release

      // Well past the batch's maximum age, blocks keep coming, and still no batch takes it.
      const until = Date.now() + 4_000;
      while (Date.now() < until) {
        await world.provider.send("evm_mine", []);
        await new Promise((r) => setTimeout(r, 250));
      }
      const [stillWaiting] = await db.receiptProofs(requestId.toString());
      expect(stillWaiting!.batchId, "batched while the chain's clock was behind the release").to.equal(null);
      expect((await world.provider.getBlock("latest"))!.timestamp).to.be.lessThan(aheadAt);

      // The clock catches up: the batch forms and is sealed in a block dated at or after the release.
      await world.provider.send("evm_setNextBlockTimestamp", [aheadAt]);
      await world.provider.send("evm_mine", []);
      const sealed = await eventually(
        async () => {
          const [p] = await db.receiptProofs(requestId.toString());
          if (p?.status === "confirmed" && p.sealBlock !== null) return p;
          await world.provider.send("evm_mine", []);
          return undefined;
        },
        "the release sealed",
        60_000,
        250,
      );
      const sealBlock = (await world.provider.getBlock(sealed.sealBlock!))!;
      expect(sealBlock.timestamp).to.be.at.least(sealed.releasedAt);
      expect(await world.ledger.verifyReceipt(sealed.batchId!, sealed.leaf!, sealed.proof!)).to.equal(true);
    } finally {
      await db.close();
    }
  });
});
