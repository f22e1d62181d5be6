/**
 * Key-release receipts as the dapp shows them (sdk/actions/list-release-receipts.ts), against a
 * real ledger on a local chain and a stand-in custodian on 127.0.0.1 that serves batch receipts:
 * a receipt whose proof the ledger accepts is verified, one whose leaf is not in the sealed root
 * is invalid, one of a batch not sealed yet is pending, one-by-one receipts are left to the
 * KeyReleased events; an answer that breaks the API schema is never used.
 */
import { expect } from "chai";
import express from "express";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { hexlify, randomBytes, Wallet } from "ethers";
import { listReleaseReceipts } from "../../sdk/actions/list-release-receipts.js";
import type { SealshareContext } from "../../sdk/actions/context.js";
import { startCliWorld, type CliWorld } from "../cli/helpers.js";

describe("listReleaseReceipts: release receipts, each checked on chain", function () {
  this.timeout(120_000);
  let w: CliWorld;
  let ctx: SealshareContext;
  let server: Server;
  let custodianUrl: string;
  /** What the stand-in custodian answers for GET /v1/receipts/:id. */
  let answer: (id: string) => { status: number; body: unknown };

  const envelopeHash = () => hexlify(randomBytes(32));
  const receipt = (o: { requestId: string; kind: number; envelopeHash: string; releasedAt: number; mode?: "batch" | "single"; batchId: string | null; leaf?: string | null; proof: string[] | null; sealTx?: string | null }) => ({
    requestId: o.requestId,
    kind: o.kind,
    mode: o.mode ?? "batch",
    status: o.batchId ? "confirmed" : "pending",
    envelopeHash: o.envelopeHash,
    releasedAt: o.releasedAt,
    batchId: o.batchId,
    root: null,
    leaf: o.leaf ?? null,
    proof: o.proof,
    sealTx: o.sealTx ?? null,
    sealBlock: null,
  });

  before(async () => {
    w = await startCliWorld();
    ctx = { ledger: w.ledger, fromBlock: w.deployment.deployBlock };
    const app = express();
    app.get("/v1/receipts/:id", (req, res) => {
      const a = answer(req.params.id);
      res.status(a.status).type(a.status >= 400 ? "application/problem+json" : "application/json").send(JSON.stringify(a.body));
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    custodianUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    if (server) await new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
    await w?.stop();
  });

  it("verifies a batched release the ledger opens, flags one outside the sealed root, waits for an unsealed batch, and leaves single ones to the events", async () => {
    const good = { requestId: "7", kind: 2, envelopeHash: envelopeHash(), releasedAt: 1_900_000_000 };
    const other = { requestId: "7", kind: 1, envelopeHash: envelopeHash(), releasedAt: 1_900_000_100 };
    const tree = StandardMerkleTree.of(
      [good, other].map((m) => [m.requestId, m.kind, m.envelopeHash, m.releasedAt]),
      ["uint256", "uint8", "bytes32", "uint40"],
    );
    const batchId = hexlify(randomBytes(16));
    const custodianSigner = new Wallet(w.keys.custodian, w.provider);
    await (await w.ledger.connect(custodianSigner).sealReceiptBatch(batchId, tree.root, 2)).wait();
    const forged = { ...other, envelopeHash: envelopeHash() }; // not a leaf of the sealed root, with the other's proof
    const unsealed = { requestId: "7", kind: 2, envelopeHash: envelopeHash(), releasedAt: 1_900_000_200 };
    const single = { requestId: "7", kind: 2, envelopeHash: envelopeHash(), releasedAt: 1_900_000_300 };
    answer = () => ({
      status: 200,
      body: {
        requestId: "7",
        receipts: [
          receipt({ ...good, batchId, proof: tree.getProof(0), sealTx: hexlify(randomBytes(32)) }),
          receipt({ ...forged, batchId, proof: tree.getProof(1) }),
          receipt({ ...unsealed, batchId: hexlify(randomBytes(16)), proof: [] }),
          receipt({ ...single, mode: "single", batchId: null, proof: null }),
        ],
      },
    });
    const event = { requestId: 7n, datasetId: 1n, requester: w.addr.insurer, kind: 2, envelopeHash: single.envelopeHash, txHash: hexlify(randomBytes(32)), blockNumber: 5, at: single.releasedAt };
    const { receipts, custodianError } = await listReleaseReceipts(ctx, { custodianUrl, requestIds: [7n], events: [event] });
    expect(custodianError).to.equal(undefined);
    expect(receipts.map((r) => [r.envelopeHash, r.how, r.state, r.at])).to.deep.equal([
      [good.envelopeHash, "batch", "verified", good.releasedAt],
      [forged.envelopeHash, "batch", "invalid", forged.releasedAt],
      [unsealed.envelopeHash, "batch", "pending", unsealed.releasedAt],
      [single.envelopeHash, "event", "verified", single.releasedAt],
    ]);
    expect(receipts[0]!.batchId).to.equal(batchId);
  });

  it("skips a request the custodian never saw, and uses no answer that breaks the API schema (the events still listed)", async () => {
    answer = (id) =>
      id === "8"
        ? { status: 404, body: { type: "urn:sealshare:problem:unknown-request", title: "Unknown request", status: 404, detail: "no access request 8", code: "unknown-request" } }
        : { status: 200, body: { requestId: id, receipts: [{ kind: 2, mode: "batch", envelopeHash: "0x12" }] } };
    const unseen = await listReleaseReceipts(ctx, { custodianUrl, requestIds: [8n], events: [] });
    expect(unseen).to.deep.equal({ receipts: [] });
    const event = { requestId: 9n, datasetId: 1n, requester: w.addr.insurer, kind: 2, envelopeHash: envelopeHash(), txHash: hexlify(randomBytes(32)), blockNumber: 5, at: 1_900_000_000 };
    const broken = await listReleaseReceipts(ctx, { custodianUrl, requestIds: [9n], events: [event] });
    expect(broken.custodianError?.code).to.equal("CUSTODIAN_BAD_ANSWER");
    expect(broken.receipts.map((r) => [r.requestId, r.how, r.state])).to.deep.equal([[9n, "event", "verified"]]);
  });
});
