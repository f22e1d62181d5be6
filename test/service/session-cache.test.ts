/**
 * The session service's in-memory sessions (service/http/siwe.ts, `cacheSessions`: SQLite, one
 * process): a session fetch skips the store read, and nothing else changes — the expiry is checked
 * on every request, logout ends the session at once (even a read that overlapped it is not kept),
 * unknown tokens are never kept; without the option (PostgreSQL replicas) every request reads.
 */
import { expect } from "chai";
import { ProblemError } from "../../service/internal/errors.js";
import { createSessionService, tokenHash } from "../../service/http/siwe.js";
import type { AuthStore, SessionRow } from "../../service/store/store.js";

const ACCOUNT = "0x00000000000000000000000000000000000000A1";

function fakeStore() {
  const rows = new Map<string, SessionRow>();
  const calls = { session: 0 };
  let afterRead: (() => void) | undefined;
  const store: AuthStore = {
    consumeSignature: async () => true,
    createSession: async (s) => void rows.set(s.tokenHash, s),
    session: async (hash, now) => {
      calls.session++;
      const r = rows.get(hash);
      afterRead?.();
      return r && r.expiresAt > now ? r : undefined;
    },
    deleteSession: async (hash) => rows.delete(hash),
  } as AuthStore;
  return { store, rows, calls, onRead: (f: (() => void) | undefined) => (afterRead = f) };
}

function service(cacheSessions: boolean) {
  const f = fakeStore();
  let now = 1_000;
  const s = createSessionService({
    store: f.store,
    chainId: 31337,
    origins: () => [],
    secret: new Uint8Array(32),
    now: () => now,
    ttlSeconds: 900,
    maxSkewSeconds: 300,
    cacheSessions,
  });
  const add = (token: string, expiresAt: number) => f.rows.set(tokenHash(token), { tokenHash: tokenHash(token), address: ACCOUNT, expiresAt, createdAt: now });
  return { s, f, add, setNow: (t: number) => (now = t) };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(ProblemError);
    return (err as ProblemError).code;
  }
  throw new Error("expected a refusal");
}

describe("session service: sessions kept in memory (SQLite)", function () {
  it("reads the store once for a session used again and again", async function () {
    const { s, f, add } = service(true);
    add("tok", 2_000);
    for (let i = 0; i < 5; i++) expect(await s.resolve("tok")).to.deep.equal({ address: ACCOUNT, expiresAt: 2_000 });
    expect(f.calls.session).to.equal(1);
  });

  it("refuses a kept session once it expires (the store's rule: expiresAt > now)", async function () {
    const { s, f, add, setNow } = service(true);
    add("tok", 2_000);
    await s.resolve("tok");
    setNow(1_999);
    expect((await s.resolve("tok")).expiresAt).to.equal(2_000);
    setNow(2_000);
    expect(await refusal(s.resolve("tok"))).to.equal("bad-session");
    expect(f.calls.session).to.equal(2);
  });

  it("ends a kept session at logout", async function () {
    const { s, add } = service(true);
    add("tok", 2_000);
    await s.resolve("tok");
    await s.logout("tok");
    expect(await refusal(s.resolve("tok"))).to.equal("bad-session");
  });

  it("does not keep a session read while a logout of it ran", async function () {
    const { s, f, add } = service(true);
    add("tok", 2_000);
    let logout: Promise<void> | undefined;
    f.onRead(() => {
      f.onRead(undefined);
      logout = s.logout("tok"); // ends the row after this read has found it
    });
    expect((await s.resolve("tok")).address).to.equal(ACCOUNT); // the in-flight read answers once
    await logout;
    expect(await refusal(s.resolve("tok"))).to.equal("bad-session");
  });

  it("never keeps unknown tokens", async function () {
    const { s, f } = service(true);
    expect(await refusal(s.resolve("nope"))).to.equal("bad-session");
    expect(await refusal(s.resolve("nope"))).to.equal("bad-session");
    expect(f.calls.session).to.equal(2);
  });

  it("without the option (replicas), reads the store on every request", async function () {
    const { s, f, add } = service(false);
    add("tok", 2_000);
    await s.resolve("tok");
    await s.resolve("tok");
    expect(f.calls.session).to.equal(2);
    f.rows.clear(); // another replica ended it
    expect(await refusal(s.resolve("tok"))).to.equal("bad-session");
  });
});
