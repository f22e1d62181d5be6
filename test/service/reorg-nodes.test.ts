/**
 * Reorgs of a chosen depth with a chosen fate for the grant's transaction, on every test node
 * (SEALSHARE_TEST_NODES; both by default), with the custodian running in-process:
 *
 *  - on Anvil the reorgs are REAL: `anvil_reorg(depth, [[tx, block], …])` replaces the last
 *    `depth` blocks by new ones, at the same height, holding exactly the transactions given;
 *  - on Hardhat they are simulated (evm_snapshot at the fork point, evm_revert, the other branch
 *    rebuilt block by block), as test/service/reorg.test.ts does: same heights, other hashes.
 *
 * For each depth 1..3 the supervisor's approval (the grant) is mined alone in the first block
 * above the fork point and buried `depth` blocks deep (fewer than the confirmation depth), the
 * custodian is seen holding it unreleased, and then the branch is replaced so that the grant's
 * transaction is
 *   - dropped:   the new branch has none of it → the request was never granted;
 *   - moved:     the same signed transaction lands in the LAST block of the new branch → another
 *                block (and for depth 1 the same height, another hash): released exactly once,
 *                from the new block;
 *   - replaced:  a conflicting transaction with the same nonce (the supervisor rejects the
 *                request instead) → never granted.
 * The custodian never releases from the orphaned grant, never loses the valid (moved) one, and
 * never serves a stale row: what it answers after the reorg is what the canonical chain says.
 * devkit/nodes/index.ts has the node control; service/sync/node-quirks.ts the differences.
 */
import { expect } from "chai";
import { hexlify, keccak256, type TransactionRequest } from "ethers";
import { nodeControl, testNodes, type NodeControl, type ReorgTx } from "../../devkit/local-chain.js";
import { GrantKind } from "../../sdk/vocabulary.js";
import { CustodianError } from "../../sdk/custodian-client.js";
import { createWorld, eventually, type Dataset, type RunningCustodian, type World } from "../../devkit/world.js";

const CONF = 4; // deeper than every reorg below
const DEPTHS = [1, 2, 3];
const FATES = ["dropped", "moved", "replaced"] as const;
type Fate = (typeof FATES)[number];

for (const node of testNodes()) {
  describe(`reorgs on ${node} (${node === "anvil" ? "real: anvil_reorg" : "simulated: snapshot and revert"}), depths ${DEPTHS[0]}..${DEPTHS.at(-1)}`, function () {
    this.timeout(120_000);
    let world: World;
    let running: RunningCustodian;
    let ctl: NodeControl;
    let custodianKey: string;
    /** Every case's outcome, for the final cross-check. */
    const outcomes: { requestId: bigint; fate: Fate; ds: Dataset; blockHash: string | null }[] = [];

    before(async function () {
      world = await createWorld({ node });
      running = await world.startCustodian({ confirmations: CONF });
      ctl = nodeControl(node, world.provider);
      custodianKey = (await running.client.info()).encryptionKey;
    });
    afterEach(function () {
      if (this.currentTest?.state === "failed") {
        console.log(world.logLines.filter((l) => /"level":(40|50)|reorg|released/.test(l)).slice(-20).join(""));
      }
    });
    after(async function () {
      await ctl?.setAutomine(true).catch(() => undefined);
      await running?.stop();
      await world?.close();
    });

    /** The custodian has followed the chain up to the current head (same hash). */
    async function caughtUp(): Promise<{ head: number; finalized: number }> {
      return eventually(
        async () => {
          const head = await world.provider.getBlock("latest");
          const s = await running.store.syncState();
          return s.tip.blockNumber === head!.number && s.tip.blockHash === head!.hash!.toLowerCase() ? { head: head!.number, finalized: s.finalized } : undefined;
        },
        "the custodian at the head",
        30_000,
      );
    }

    for (const depth of DEPTHS) {
      for (const fate of FATES) {
        it(`depth ${depth}: the grant's transaction ${fate === "dropped" ? "dropped" : fate === "moved" ? "moved to another block" : "replaced by a conflicting one"}`, async function () {
          const { sup, insurer, bank } = world.accounts;
          const ds = await world.registerDataset();
          await running.client.depositKey(bank, { datasetId: ds.datasetId, version: ds.version, dek: ds.dek, custodianKey });
          const { terms } = await world.consent(ds.datasetId);
          const requestId = await world.request(terms, ds.datasetId);
          await world.approveByProvider(requestId);
          await caughtUp();

          await ctl.setAutomine(false);
          let orphanHash: string;
          let grantTx: string;
          let top: number;
          try {
            const fork = await ctl.fork();
            // The grant, signed here so that the very same bytes can be moved to another block.
            const req: TransactionRequest = await sup.populateTransaction(await world.as(sup).approveAsSupervisor.populateTransaction(requestId));
            grantTx = await sup.signTransaction(req);
            const hash = (await world.provider.send("eth_sendRawTransaction", [grantTx])) as string;
            await ctl.mine(1);
            const grant = await world.provider.getTransactionReceipt(hash);
            expect(grant?.status, "the grant was mined").to.equal(1);
            expect(grant!.blockNumber).to.equal(fork.base + 1);
            orphanHash = grant!.blockHash;
            await ctl.mine(depth - 1); // the grant's block is now `depth` deep: depth − 1 confirmations < CONF

            // The custodian holds the grant, unreleased (not final).
            await eventually(async () => ((await running.store.request(requestId.toString()))?.kind === GrantKind.Formal ? true : undefined), "the grant seen", 30_000);
            expect(await running.store.releases(requestId.toString())).to.deep.equal([]);

            const txs: ReorgTx[] = [];
            if (fate === "moved") txs.push({ tx: grantTx, block: depth - 1 });
            if (fate === "replaced") {
              // Same sender, same nonce, another effect: the supervisor rejects the request.
              const data = world.ledger.interface.encodeFunctionData("rejectRequest", [requestId, 7]);
              txs.push({ tx: await sup.signTransaction({ ...req, data, gasLimit: 200_000n }), block: 0 });
            }
            const replaced = await fork.replace(txs);
            expect(replaced.depth).to.equal(depth);
            expect(replaced.head).to.equal(fork.base + depth); // same height, another branch
            top = replaced.head;
          } finally {
            await ctl.setAutomine(true);
          }
          const orphan = await world.provider.send("eth_getBlockByHash", [orphanHash, false]).catch(() => null);
          if (node === "anvil") expect(orphan, "the orphaned block is gone").to.equal(null);
          const canonical = await world.provider.getTransactionReceipt(keccak256(grantTx));
          if (fate === "moved") {
            expect(canonical?.status).to.equal(1);
            expect(canonical!.blockHash).to.not.equal(orphanHash);
          } else {
            expect(canonical, "the grant's transaction is not on the canonical chain").to.equal(null);
          }

          // Right after the reorg, before anything is final: no release, and the row says what
          // the canonical chain says (stale = the orphaned grant still showing).
          await caughtUp();
          expect(await running.store.releases(requestId.toString())).to.deep.equal([]);
          const state = await running.store.request(requestId.toString());
          if (fate === "moved") {
            expect(state?.kind).to.equal(GrantKind.Formal);
            // Bound to the canonical AccessGranted log, not the orphaned one.
            const granted = canonical!.logs.find((l) => world.ledger.interface.parseLog(l)?.name === "AccessGranted")!;
            expect([state?.grantBlock, state?.grantHash, state?.grantLogIndex]).to.deep.equal([canonical!.blockNumber, canonical!.blockHash.toLowerCase(), granted.index]);
          } else {
            expect(state?.kind ?? 0, "the orphaned grant still shows").to.equal(0);
          }
          const early = await running.client.fetchEnvelope(insurer, requestId);
          expect(early.status).to.equal("pending");

          // Past the confirmation depth.
          await ctl.mine(CONF + 1);
          const { finalized } = await caughtUp();
          expect(finalized).to.be.greaterThanOrEqual(top); // the whole new branch is final
          if (fate === "moved") {
            const row = await eventually(
              async () => {
                const [r] = await running.store.releases(requestId.toString());
                return r?.status === "released" ? r : undefined;
              },
              "the moved grant released",
              30_000,
            );
            expect(row.envelope!.datasetId).to.equal(ds.datasetId.toString());
            expect(row.grantHash, "the row is bound to the grant's block on the canonical chain").to.equal(canonical!.blockHash.toLowerCase());
            const fetched = await running.client.fetchEnvelope(insurer, requestId);
            expect(fetched.status).to.equal("ready");
            if (fetched.status !== "ready") return;
            const dek = running.client.openEnvelope(fetched.envelope, world.deviceKeys.insurer.privateKey, (await running.client.info()).address);
            expect(hexlify(dek)).to.equal(hexlify(ds.dek));
            outcomes.push({ requestId, fate, ds, blockHash: canonical!.blockHash });
          } else {
            expect((await world.ledger.isGrantValid(requestId)).valid).to.equal(false);
            expect(await running.store.releases(requestId.toString())).to.deep.equal([]);
            const answer = await running.client.fetchEnvelope(insurer, requestId).catch((e: unknown) => e);
            if (answer instanceof CustodianError) expect(answer.status).to.be.oneOf([404, 410]);
            else expect((answer as { status: string }).status, "an envelope for a grant that is not on the chain").to.equal("pending");
            outcomes.push({ requestId, fate, ds, blockHash: null });
          }
          // The follower said so: a reorg rolled back to the fork point.
          expect(world.logLines.some((l) => l.includes("reorg detected"))).to.equal(true);
        });
      }
    }

    it("afterwards: every moved grant released exactly once (one receipt), nothing released for the others, headers canonical", async function () {
      expect(outcomes).to.have.length(DEPTHS.length * FATES.length);
      await ctl.mine(CONF + 1);
      await caughtUp();
      for (const o of outcomes) {
        const rows = await running.store.releases(o.requestId.toString());
        const logs = await eventually(async () => {
          const l = await world.keyReleasedLogs(o.requestId);
          return o.fate !== "moved" || l.length > 0 ? l : undefined;
        }, `request ${o.requestId}'s receipt`);
        if (o.fate === "moved") {
          expect(rows, `request ${o.requestId}`).to.have.length(1);
          expect(logs, `request ${o.requestId}`).to.have.length(1);
        } else {
          expect(rows, `request ${o.requestId}`).to.deep.equal([]);
          expect(logs, `request ${o.requestId}`).to.deep.equal([]);
        }
      }
      for (const h of (await running.store.blocks()).slice(-8)) expect(h.hash).to.equal((await world.provider.getBlock(h.number))!.hash);
    });
  });
}
