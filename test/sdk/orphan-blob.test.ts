/**
 * When a blob is taken back after a failed registration (sdk/actions/orphan-blob.ts), decided
 * without a chain: only the ledger's refusal counts (a timeout or a lost connection may hide a
 * transaction that is still mined, so the blob stays), and only a blob this attempt added. The
 * refused-on-chain cases, with the chain's say on who names a blob, are test/cli/orphan-blob.test.ts.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { makeError } from "ethers";
import { LocalBlobStore } from "../../sdk/blob/index.js";
import type { SealshareContext } from "../../sdk/actions/context.js";
import { isRefusal, removeOrphan, takeBackBlobOnRefusal } from "../../sdk/actions/orphan-blob.js";
import type { PreparedVersion } from "../../sdk/actions/version-slot.js";
import { SealshareError } from "../../sdk/errors.js";
import { tempDir } from "./helpers/streams.js";

/** A context that must not be used: these cases never reach the chain. */
const NO_CHAIN = new Proxy({}, { get: () => expect.fail("the chain was consulted") }) as unknown as SealshareContext;

describe("orphan blobs: what a failed registration takes back", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: LocalBlobStore;
  let prepared: PreparedVersion;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    store = new LocalBlobStore(dir);
    const put = await store.put(Readable.from([randomBytes(500)]));
    prepared = { version: { merkleRoot: put.digest, size: put.size, formatId: `0x${"00".repeat(32)}`, storageURI: put.uri }, dek: new Uint8Array(32), format: "raw", createdBlob: put.uri };
  });
  afterEach(() => cleanup());

  it("calls a revert a refusal, and a network failure or a timeout not", () => {
    expect(isRefusal(makeError("execution reverted", "CALL_EXCEPTION", { action: "sendTransaction", data: null, reason: null, transaction: { to: null, data: "0x" }, invocation: null, revert: null }))).to.equal(true);
    expect(isRefusal(new Error("socket hang up"))).to.equal(false);
    expect(isRefusal(makeError("timeout", "TIMEOUT", { operation: "wait", reason: "timeout" }))).to.equal(false);
    expect(isRefusal(new SealshareError("TX_DROPPED", "the transaction was not mined"))).to.equal(false);
  });

  it("keeps the blob when the failure is not the ledger's refusal, and passes the error on", async () => {
    const lost = makeError("timeout", "TIMEOUT", { operation: "wait", reason: "timeout" });
    const thrown = await takeBackBlobOnRefusal(NO_CHAIN, store, prepared, () => Promise.reject(lost)).catch((e: unknown) => e);
    expect(thrown).to.equal(lost);
    expect(await store.has(prepared.createdBlob!)).to.equal(true);
  });

  it("keeps a blob the attempt did not add, and any blob of a store that cannot remove", async () => {
    expect(await removeOrphan(NO_CHAIN, store, { ...prepared, createdBlob: undefined })).to.equal(false);
    const readOnly = { put: store.put.bind(store), get: store.get.bind(store), has: store.has.bind(store) };
    expect(await removeOrphan(NO_CHAIN, readOnly, prepared)).to.equal(false);
    expect(await store.has(prepared.createdBlob!)).to.equal(true);
  });

  it("returns what the send returned when it succeeds, and touches nothing", async () => {
    expect(await takeBackBlobOnRefusal(NO_CHAIN, store, prepared, async () => "receipt")).to.equal("receipt");
    expect(await store.has(prepared.createdBlob!)).to.equal(true);
  });
});
