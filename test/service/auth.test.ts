/**
 * Sign-In with Ethereum (EIP-4361) sessions against a real custodian: nonce, sign-in, the
 * session as `Authorization: Bearer` on the envelope and grant-status routes, logout, expiry,
 * and every refusal with its reason (chain id, domain, URI, times, nonce forged / reused,
 * signature, tampered message).
 */
import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import { hexlify, randomBytes, Wallet } from "ethers";
import { SiweMessage } from "siwe";
import { createSessionService, nonceSecretFrom, tokenHash } from "../../service/http/siwe.js";
import { createWorld, eventually, type RunningCustodian, type World } from "../../devkit/world.js";

const DAPP = "https://dapp.example.org";
const nowSec = () => Math.floor(Date.now() / 1000);

describe("Sign-In with Ethereum sessions", function () {
  this.timeout(60_000);
  let world: World;
  let svc: RunningCustodian;
  let custodianKey: string;

  before(async function () {
    world = await createWorld();
    svc = await world.startCustodian({ api: { corsOrigins: [DAPP], validateResponses: true } });
    custodianKey = (await svc.client.info()).encryptionKey;
  });

  after(async function () {
    await svc?.stop();
    await world?.close();
  });

  async function post(path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${svc.url}${path}`, {
      method: "POST",
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }

  async function get(path: string, token?: string) {
    const res = await fetch(`${svc.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function nonce(): Promise<string> {
    const r = await post("/v1/auth/nonce");
    expect(r.status).to.equal(200);
    return r.body.nonce as string;
  }

  type Fields = Partial<ConstructorParameters<typeof SiweMessage>[0] & object>;
  function message(who: Wallet, n: string, f: Fields = {}): string {
    return new SiweMessage({
      domain: "dapp.example.org",
      address: who.address,
      statement: "Sign in to Sealshare",
      uri: `${DAPP}/requester`,
      version: "1",
      chainId: 31337,
      nonce: n,
      issuedAt: new Date().toISOString(),
      expirationTime: new Date(Date.now() + 600_000).toISOString(),
      ...f,
    }).prepareMessage();
  }

  async function signIn(who: Wallet, f: Fields = {}, signer: Wallet = who) {
    const text = message(who, f.nonce ?? (await nonce()), f);
    return post("/v1/auth/siwe", { message: text, signature: await signer.signMessage(text) });
  }

  async function refused(p: Promise<{ status: number; body: any }>, reason: string) {
    const r = await p;
    expect(r.status, JSON.stringify(r.body)).to.equal(401);
    expect(r.body).to.include({ code: "siwe-rejected", reason });
  }

  it("issues a nonce naming the chain and the accepted domains", async function () {
    const r = await post("/v1/auth/nonce");
    expect(r.status).to.equal(200);
    expect(r.body.nonce).to.match(/^[0-9a-f]{64}$/);
    expect(r.body.chainId).to.equal(31337);
    expect(r.body.expiresAt).to.be.within(nowSec() + 250, nowSec() + 310);
    expect(r.body.domains).to.include("dapp.example.org").and.include(new URL(svc.url).host);
    expect(await nonce()).to.not.equal(r.body.nonce);
  });

  it("signs in, and the session names the account for at most 15 minutes", async function () {
    const r = await signIn(world.accounts.insurer);
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    expect(r.body).to.include({ tokenType: "Bearer", address: world.accounts.insurer.address });
    expect(r.body.token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(r.body.expiresAt).to.be.within(nowSec() + 590, nowSec() + 900);
    const s = await get("/v1/auth/session", r.body.token);
    expect(s.status).to.equal(200);
    expect(s.body).to.deep.equal({ address: world.accounts.insurer.address, expiresAt: r.body.expiresAt });
    // Stored hashed: the database knows the hash, never the token.
    expect(await svc.store.session(tokenHash(r.body.token), nowSec())).to.include({ address: world.accounts.insurer.address });
    for (const f of [world.dbPath, `${world.dbPath}-wal`]) if (existsSync(f)) expect(readFileSync(f).includes(r.body.token)).to.equal(false);
  });

  it("a session works as Bearer on the envelope fetch and on grant status, for its own account only", async function () {
    const ds = await world.registerDataset();
    await svc.client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: ds.version, dek: ds.dek, custodianKey });
    const { requestId } = await world.grantedRequest(ds);
    const insurer = (await signIn(world.accounts.insurer)).body.token as string;
    const envelope = await eventually(async () => {
      const r = await get(`/v1/envelopes/${requestId}`, insurer);
      return r.status === 200 ? r.body : undefined;
    }, "the envelope by session");
    expect(envelope.requestId).to.equal(requestId.toString());
    // Not single use: the same session fetches again.
    expect((await get(`/v1/envelopes/${requestId}`, insurer)).status).to.equal(200);
    const status = await get(`/v1/grants/${requestId}`, insurer);
    expect(status.status).to.equal(200);
    expect(status.body).to.include({ status: "released", caller: "requester" });

    const subject = (await signIn(world.accounts.ana)).body.token as string;
    expect((await get(`/v1/grants/${requestId}`, subject)).body.caller).to.equal("subject");
    expect((await get(`/v1/envelopes/${requestId}`, subject)).body.code).to.equal("not-requester");
    const mallory = (await signIn(world.accounts.mallory)).body.token as string;
    expect((await get(`/v1/grants/${requestId}`, mallory)).body.code).to.equal("not-party");
  });

  it("the SDK client signs in, reads grant status with the session or a signer, and signs out", async function () {
    const ds = await world.registerDataset();
    const { requestId } = await world.grantedRequest(ds);
    const session = await svc.client.signIn(world.accounts.insurer, (n) => message(world.accounts.insurer, n));
    expect(session.address).to.equal(world.accounts.insurer.address);
    const viaSession = await eventually(async () => {
      const st = await svc.client.grantStatus({ session: session.token }, requestId);
      return st.status === "granted" ? st : undefined;
    }, "granted");
    expect(viaSession.caller).to.equal("requester");
    const viaSigner = await svc.client.grantStatus(world.accounts.ana, requestId);
    expect(viaSigner).to.include({ caller: "subject", status: "granted" });
    await svc.client.signOut(session.token);
    await svc.client.grantStatus({ session: session.token }, requestId).then(
      () => expect.fail("the session still works"),
      (err: { code?: string }) => expect(err.code).to.equal("bad-session"),
    );
  });

  it("refuses a reused nonce", async function () {
    const n = await nonce();
    expect((await signIn(world.accounts.insurer, { nonce: n })).status).to.equal(201);
    await refused(signIn(world.accounts.insurer, { nonce: n }), "nonce-used");
  });

  it("refuses a nonce it did not issue, or an altered one", async function () {
    await refused(signIn(world.accounts.insurer, { nonce: hexlify(randomBytes(32)).slice(2) }), "nonce");
    const n = await nonce();
    await refused(signIn(world.accounts.insurer, { nonce: `${n.slice(0, 30)}${n[30] === "0" ? "1" : "0"}${n.slice(31)}` }), "nonce");
    await refused(signIn(world.accounts.insurer, { nonce: "abcdefgh12345678" }), "nonce");
  });

  it("refuses another chain id, another domain, a URI off the configured origins", async function () {
    await refused(signIn(world.accounts.insurer, { chainId: 1 }), "chain-id");
    await refused(signIn(world.accounts.insurer, { domain: "evil.example" }), "domain");
    await refused(signIn(world.accounts.insurer, { uri: "https://evil.example/login" }), "uri");
  });

  it("refuses an expired message, one not valid yet, and one issued in the future", async function () {
    await refused(signIn(world.accounts.insurer, { expirationTime: new Date(Date.now() - 1000).toISOString() }), "expired");
    await refused(signIn(world.accounts.insurer, { notBefore: new Date(Date.now() + 3_600_000).toISOString() }), "not-yet-valid");
    await refused(signIn(world.accounts.insurer, { issuedAt: new Date(Date.now() + 3_600_000).toISOString() }), "issued-in-future");
  });

  it("refuses a signature by another account, and a message altered after signing", async function () {
    await refused(signIn(world.accounts.insurer, {}, world.accounts.mallory), "signature");
    const text = message(world.accounts.insurer, await nonce());
    const signature = await world.accounts.insurer.signMessage(text);
    await refused(post("/v1/auth/siwe", { message: text.replace("Sign in to Sealshare", "Sign in to Sealshare!"), signature }), "signature");
  });

  it("answers 400 for a body that is not an EIP-4361 message", async function () {
    const r = await post("/v1/auth/siwe", { message: "hello", signature: `0x${"11".repeat(65)}` });
    expect(r.status).to.equal(400);
    expect(r.body.code).to.equal("invalid-request");
    expect((await post("/v1/auth/siwe", { message: "x" })).body.code).to.equal("invalid-request");
  });

  it("logs out: the token stops working at once", async function () {
    const token = (await signIn(world.accounts.insurer)).body.token as string;
    expect((await get("/v1/auth/session", token)).status).to.equal(200);
    expect((await post("/v1/auth/logout", undefined, { authorization: `Bearer ${token}` })).status).to.equal(204);
    const after = await get("/v1/auth/session", token);
    expect(after.status).to.equal(401);
    expect(after.body.code).to.equal("bad-session");
    expect((await get(`/v1/grants/1`, token)).body.code).to.equal("bad-session");
    expect((await post("/v1/auth/logout", undefined, { authorization: `Bearer ${token}` })).body.code).to.equal("bad-session");
    expect((await post("/v1/auth/logout")).body.code).to.equal("unauthenticated");
  });

  it("a session ends at the message's Expiration Time when that comes first", async function () {
    const r = await signIn(world.accounts.insurer, { expirationTime: new Date(Date.now() + 2500).toISOString() });
    expect(r.status).to.equal(201);
    expect(r.body.expiresAt).to.be.at.most(nowSec() + 3);
    await eventually(async () => ((await get("/v1/auth/session", r.body.token)).status === 401 ? true : undefined), "the session to expire", 8000, 250);
  });

  it("a nonce issued by one replica is accepted by another sharing the database and master key", async function () {
    const mk = (now: () => number) =>
      createSessionService({ store: svc.store, chainId: 31337, origins: () => [DAPP], secret: nonceSecretFrom(world.secrets.masterKey), now, ttlSeconds: 900, maxSkewSeconds: 300 });
    const a = mk(nowSec);
    const b = mk(nowSec);
    const n = a.nonce().nonce;
    const text = message(world.accounts.lender, n);
    const s = await b.signIn(text, await world.accounts.lender.signMessage(text));
    expect(s.address).to.equal(world.accounts.lender.address);
    expect((await a.resolve(s.token)).address).to.equal(world.accounts.lender.address);
    // Another master key (another deployment's custodian) does not accept it.
    const other = createSessionService({ store: svc.store, chainId: 31337, origins: () => [DAPP], secret: nonceSecretFrom(randomBytes(32)), now: nowSec, ttlSeconds: 900, maxSkewSeconds: 300 });
    const n2 = a.nonce().nonce;
    const text2 = message(world.accounts.lender, n2);
    await other.signIn(text2, await world.accounts.lender.signMessage(text2)).then(
      () => expect.fail("accepted"),
      (err: { code?: string; extra?: { reason?: string } }) => expect([err.code, err.extra?.reason]).to.deep.equal(["siwe-rejected", "nonce"]),
    );
  });
});
