/**
 * Server-sent events (GET /v1/events) on a real chain: a signed-in requester is told of its
 * grants, releases and revocations as they happen, and of nobody else's; Last-Event-ID resumes;
 * a logged-out session's stream ends; limits and authentication are enforced.
 */
import { expect } from "chai";
import type { Wallet } from "ethers";
import type { CustodianEvent } from "../../service/events/bus.js";
import { createWorld, type RunningCustodian, type World } from "../../devkit/world.js";
import { openStream, siweSession, type SseEvent } from "../helpers/sse-client.js";

const data = (e: SseEvent) => JSON.parse(e.data) as CustodianEvent & { reason?: string | null };

describe("server-sent events", function () {
  this.timeout(60_000);
  let world: World;
  let svc: RunningCustodian;
  let custodianKey: string;
  const streams: { close(): void }[] = [];

  before(async function () {
    world = await createWorld();
    svc = await world.startCustodian({ api: { sse: { heartbeatMs: 300, maxStreamsPerAccount: 3 } } });
    custodianKey = (await svc.client.info()).encryptionKey;
  });

  after(async function () {
    for (const s of streams) s.close();
    await svc?.stop();
    await world?.close();
  });

  const session = (who: Wallet) => siweSession(svc.url, who);

  function stream(token: string, extra: Record<string, string> = {}) {
    const s = openStream(`${svc.url}/v1/events`, { authorization: `Bearer ${token}`, ...extra });
    streams.push(s);
    return s;
  }

  it("pushes grant, release and revocation events of the requester's own requests only", async function () {
    const insurer = stream(await session(world.accounts.insurer));
    const mallory = stream(await session(world.accounts.mallory));
    expect(await insurer.ready).to.equal(200);
    expect(await mallory.ready).to.equal(200);

    const ds = await world.registerDataset();
    await svc.client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: ds.version, dek: ds.dek, custodianKey });
    const { requestId } = await world.grantedRequest(ds);
    const id = requestId.toString();

    const grant = await insurer.next((e) => e.event === "grant" && data(e).requestId === id);
    expect(data(grant)).to.include({ type: "grant", requester: world.accounts.insurer.address, datasetId: ds.datasetId.toString(), kind: 2 });
    expect(grant.id).to.match(/^[0-9a-f]{8}\.\d+$/);
    const release = await insurer.next((e) => e.event === "release" && data(e).requestId === id);
    expect(data(release)).to.include({ status: "released", kind: 2 });

    await (await world.as(world.accounts.sup).revokeGrant(requestId, 2)).wait();
    const revocation = await insurer.next((e) => e.event === "revocation" && data(e).requestId === id);
    expect(data(revocation)).to.include({ reason: "Revoked" });

    expect(mallory.events.filter((e) => ["grant", "release", "revocation"].includes(e.event))).to.deep.equal([]);
  });

  it("tells of a consent revocation for every request it voided", async function () {
    const insurer = stream(await session(world.accounts.insurer));
    await insurer.ready;
    const ds = await world.registerDataset();
    const { requestId, consentId } = await world.grantedRequest(ds);
    await insurer.next((e) => e.event === "grant" && data(e).requestId === requestId.toString());
    await (await world.as(world.accounts.ana).revokeConsent(consentId)).wait();
    const e = await insurer.next((x) => x.event === "revocation" && data(x).requestId === requestId.toString());
    expect(data(e).reason).to.equal("ConsentRevoked");
    insurer.close();
  });

  it("replays what was missed after Last-Event-ID, and asks for a resync when it cannot", async function () {
    const token = await session(world.accounts.insurer);
    const first = stream(token);
    await first.ready;
    const ds = await world.registerDataset();
    const { requestId } = await world.grantedRequest(ds);
    const grant = await first.next((e) => e.event === "grant" && data(e).requestId === requestId.toString());
    first.close();
    // While disconnected: a revocation.
    await (await world.as(world.accounts.sup).revokeGrant(requestId, 2)).wait();
    await new Promise((r) => setTimeout(r, 1500));
    const resumed = stream(token, { "last-event-id": grant.id! });
    expect(await resumed.ready).to.equal(200);
    const missed = await resumed.next((e) => e.event === "revocation" && data(e).requestId === requestId.toString(), 5000);
    expect(data(missed).reason).to.equal("Revoked");
    resumed.close();

    const stale = stream(token, { "last-event-id": "00000000.1" });
    expect(await stale.ready).to.equal(200);
    await stale.next((e) => e.event === "resync", 5000);
    stale.close();
  });

  it("ends the stream when the session is logged out", async function () {
    const token = await session(world.accounts.lender);
    const s = stream(token);
    expect(await s.ready).to.equal(200);
    const res = await fetch(`${svc.url}/v1/auth/logout`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(res.status).to.equal(204);
    const end = await s.next((e) => e.event === "end", 5000);
    expect(JSON.parse(end.data).reason).to.equal("session-ended");
  });

  it("accepts the session as access_token (EventSource), refuses none or a bad one, and caps streams per account", async function () {
    const token = await session(world.accounts.ana);
    const viaQuery = openStream(`${svc.url}/v1/events?access_token=${encodeURIComponent(token)}`, {});
    streams.push(viaQuery);
    expect(await viaQuery.ready).to.equal(200);
    const second = stream(token);
    expect(await second.ready).to.equal(200);
    const third = stream(token);
    expect(await third.ready).to.equal(200);
    const fourth = await fetch(`${svc.url}/v1/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(fourth.status).to.equal(429);
    expect(((await fourth.json()) as { reason: string }).reason).to.equal("too-many-streams");
    viaQuery.close();
    second.close();
    third.close();

    const none = await fetch(`${svc.url}/v1/events`);
    expect(none.status).to.equal(401);
    expect(((await none.json()) as { code: string }).code).to.equal("unauthenticated");
    const bad = await fetch(`${svc.url}/v1/events`, { headers: { authorization: "Bearer not-a-session" } });
    expect(bad.status).to.equal(401);
    expect(((await bad.json()) as { code: string }).code).to.equal("bad-session");
  });
});
