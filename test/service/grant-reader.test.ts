/**
 * The batched grant re-check (service/release/grant-reader.ts, contracts/readers/
 * GrantValidityReader.sol): one deployless eth_call answers exactly what one `isGrantValid` call
 * per id answers — for valid, revoked, expired, not-yet-granted and unknown requests, at the head
 * and at a past block — and the fallback (one call per id) answers the same.
 */
import { expect } from "chai";
import { getAddress, type Provider } from "ethers";
import { GrantKind } from "../../sdk/vocabulary.js";
import { createLogger } from "../../service/internal/logger.js";
import { createGrantReader, decodeRecords, MAX_CHUNK, RECORD, type GrantCheck, type GrantCheckResult } from "../../service/release/grant-reader.js";
import { createWorld, HOUR, type World } from "../../devkit/world.js";

describe("batched isGrantValid (deployless reader)", function () {
  this.timeout(120_000);
  let world: World;
  const log = createLogger({ level: "silent" });

  before(async function () {
    world = await createWorld();
  });
  after(async function () {
    await world?.close();
  });

  async function perId(ids: bigint[], blockTag: number | "latest"): Promise<GrantCheck[]> {
    return Promise.all(
      ids.map(async (id) => {
        const v = await world.ledger.isGrantValid(id, { blockTag });
        return {
          valid: v.valid,
          reason: Number(v.reason),
          kind: Number(v.kind),
          expiresAt: Number(v.expiresAt),
          datasetId: v.datasetId,
          version: Number(v.version),
          requester: getAddress(v.requester),
          keyId: Number(v.keyId),
          publicKey: v.publicKey,
          keyCommitment: v.keyCommitment,
        };
      }),
    );
  }

  const views = (read: { results: GrantCheckResult[] }) =>
    read.results.map((x) => {
      if (!x.ok) throw x.error;
      return x.view;
    });

  it("answers what isGrantValid answers, id by id, at the head and at a past block", async function () {
    const ds = await world.registerDataset();
    const live = (await world.grantedRequest(ds)).requestId;
    const revoked = (await world.grantedRequest(ds)).requestId;
    const short = (await world.grantedRequest(ds, { duration: HOUR })).requestId;
    const { terms } = await world.consent(ds.datasetId);
    const requestedOnly = await world.request(terms, ds.datasetId); // not approved: NotGranted
    const past = await world.provider.getBlockNumber(); // everything above is granted here…
    await (await world.as(world.accounts.sup).revokeGrant(revoked, 9)).wait(); // …then revoked
    await world.provider.send("evm_increaseTime", [2 * HOUR]); // …and `short` expires
    await world.provider.send("evm_mine", []);
    const unknown = 987_654_321n;
    const ids = [live, revoked, short, requestedOnly, unknown, live];

    const reader = createGrantReader({ provider: world.provider as Provider, ledger: world.deployment.ledger, log });
    for (const tag of [past, "latest"] as const) {
      const batched = views(await reader.read(ids, tag));
      expect(batched).to.deep.equal(await perId(ids, tag));
    }
    // The cases are what they claim to be.
    const head = views(await reader.read(ids, "latest"));
    expect(head.map((v) => v.valid)).to.deep.equal([true, false, false, false, false, true]);
    expect(head[0]!.kind).to.equal(GrantKind.Formal);
    expect(head[0]!.publicKey).to.have.length(2 + 66);
    const atPast = views(await reader.read(ids, past));
    expect(atPast.map((v) => v.valid)).to.deep.equal([true, true, true, false, false, true]);
    expect((await reader.read([], "latest")).results).to.deep.equal([]);
    // A "latest" read says which block it was.
    const latest = await reader.read([live], "latest");
    expect(latest.block).to.equal(await world.provider.getBlockNumber());
    expect((await reader.read([live], past)).block).to.equal(past);
  });

  it("splits long id lists into calls of at most 200 ids, in order", async function () {
    const ds = await world.registerDataset();
    const live = (await world.grantedRequest(ds)).requestId;
    const ids = Array.from({ length: 2 * MAX_CHUNK + 7 }, (_, i) => (i % 3 === 0 ? live : BigInt(1_000_000 + i)));
    const reader = createGrantReader({ provider: world.provider as Provider, ledger: world.deployment.ledger, log, chunk: 500 });
    const got = views(await reader.read(ids, "latest"));
    expect(got.map((v) => v.valid)).to.deep.equal(ids.map((id) => id === live));
  });

  it("falls back to one call per id when the node refuses the deployless call", async function () {
    const ds = await world.registerDataset();
    const live = (await world.grantedRequest(ds)).requestId;
    const refusing = new Proxy(world.provider, {
      get(target, prop) {
        if (prop === "call") {
          return (tx: { to?: string | null }) => {
            if (!tx.to) return Promise.reject(Object.assign(new Error("creation calls not supported"), { code: "CALL_EXCEPTION" }));
            return target.call(tx as never);
          };
        }
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as unknown as Provider;
    const reader = createGrantReader({ provider: refusing, ledger: world.deployment.ledger, log });
    const ids = [live, 55_555n];
    expect(views(await reader.read(ids, "latest"))).to.deep.equal(await perId(ids, "latest"));
  });

  it("decodes a reverted view as that id's error and refuses a short answer", function () {
    const block = "000000000000002a";
    const rec = "00".repeat(RECORD);
    const reverted = `02${"00".repeat(RECORD - 1)}`;
    const out = decodeRecords(block + rec + reverted, 2, [1n, 2n]);
    expect(out.block).to.equal(42);
    expect(out.results[0]!.ok).to.equal(true);
    expect(out.results[1]!.ok).to.equal(false);
    expect(() => decodeRecords(block + rec, 2, [1n, 2n])).to.throw(/bytes for 2 ids/);
  });
});
