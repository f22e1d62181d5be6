/**
 * The custodian client validates every answer against the API's schemas (sdk/api/schemas.ts),
 * the same ones the service validates and documents with: a stub server on 127.0.0.1 answers
 * well-formed and malformed bodies, and a malformed one is a named CUSTODIAN_BAD_ANSWER error
 * that says which field was wrong — never a value cast into the caller's types.
 */
import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Wallet } from "ethers";
import { CustodianAnswerError, CustodianClient, CustodianError, isTransientCustodianError } from "../../sdk/custodian-client.js";
import { SealshareError } from "../../sdk/errors.js";
import { fetchReceiptProofs } from "../../sdk/audit/proofs.js";

type Answer = { status: number; body?: unknown; raw?: string };

describe("custodian client: every answer is validated", function () {
  const ledger = Wallet.createRandom().address;
  const custodian = Wallet.createRandom();
  const requester = Wallet.createRandom();
  let server: Server;
  let client: CustodianClient;
  let answers: Record<string, Answer> = {};

  const info = { address: custodian.address, chainId: "31337", ledger, encryptionKey: "0x02" + "11".repeat(32), keyId: 1 };
  const envelope = {
    requestId: "7",
    datasetId: "1",
    version: 1,
    kind: 2,
    expiresAt: 1_900_000_000,
    keyId: 3,
    wrappedKey: "0x" + "ab".repeat(97),
    custodian: custodian.address,
    signature: "0x" + "cd".repeat(65),
  };
  const status = {
    requestId: "7",
    datasetId: "1",
    requester: requester.address,
    status: "released",
    kind: "formal",
    version: 1,
    expiresAt: 1_900_000_000,
    released: [{ kind: "formal", envelopeHash: "0x" + "ee".repeat(32), receipt: "confirmed", receiptTx: null }],
    reason: null,
    paused: false,
    caller: "requester",
  };

  before(async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? "").split("?")[0]!;
      const a = answers[`${req.method} ${path}`] ?? { status: 404, body: { type: "urn:sealshare:problem:not-found", title: "No such route", status: 404, detail: "no", code: "not-found" } };
      res.writeHead(a.status, { "content-type": a.status >= 400 ? "application/problem+json" : "application/json" });
      res.end(a.raw ?? (a.body === undefined ? "" : JSON.stringify(a.body)));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    client = new CustodianClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { chainId: 31337n, ledger });
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => (answers = {}));

  async function badAnswer(p: Promise<unknown>): Promise<CustodianAnswerError> {
    try {
      await p;
    } catch (err) {
      expect(err).to.be.instanceOf(CustodianAnswerError).and.instanceOf(SealshareError);
      expect((err as CustodianAnswerError).code).to.equal("CUSTODIAN_BAD_ANSWER");
      expect((err as Error).name).to.equal("CustodianAnswerError");
      return err as CustodianAnswerError;
    }
    expect.fail("the malformed answer was accepted");
  }

  async function refused(p: Promise<unknown>): Promise<CustodianError> {
    try {
      await p;
    } catch (err) {
      expect(err).to.be.instanceOf(CustodianError);
      return err as CustodianError;
    }
    expect.fail("the failure answer was accepted");
  }

  it("accepts answers that match the schemas, typed as they are", async function () {
    answers["GET /v1/custodian"] = { status: 200, body: info };
    answers["GET /v1/envelopes/7"] = { status: 200, body: envelope };
    answers["GET /v1/grants/7"] = { status: 200, body: status };
    expect(await client.info()).to.deep.equal(info);
    expect(await client.fetchEnvelope(requester, 7n)).to.deep.equal({ status: "ready", envelope });
    expect(await client.grantStatus({ session: "tok" }, 7n)).to.deep.equal(status);
    answers["GET /v1/envelopes/7"] = { status: 202, body: { status: "pending", requestId: "7", reason: "releasing", retryAfter: 2 } };
    expect(await client.fetchEnvelope(requester, 7n)).to.deep.equal({ status: "pending", reason: "releasing", retryAfter: 2 });
  });

  it("tells a passing 503 (a custodian catching up with the chain) from a refusal, for callers that wait", async function () {
    const problem = (status: number, code: string) => ({ type: `urn:sealshare:problem:${code}`, title: code, status, detail: code, code });
    const answerOf = async (status: number, code: string) => {
      answers["GET /v1/envelopes/7"] = { status, body: problem(status, code) };
      return client.fetchEnvelope(requester, 7n).then(
        () => undefined,
        (err: unknown) => err,
      );
    };
    for (const code of ["chain-view-stale", "upstream-unavailable", "not-ready"]) {
      const err = await answerOf(503, code);
      expect(err, code).to.be.instanceOf(CustodianError);
      expect(isTransientCustodianError(err), code).to.equal(true);
    }
    // Paused ledgers, refusals and a 503 with another code are answers, not moments to wait out.
    for (const [status, code] of [[503, "ledger-paused"], [403, "not-requester"], [410, "grant-revoked"]] as const) {
      const err = await answerOf(status, code);
      expect(err, code).to.be.instanceOf(CustodianError);
      expect(isTransientCustodianError(err), code).to.equal(false);
    }
    expect(isTransientCustodianError(new Error("chain-view-stale"))).to.equal(false);
  });

  it("refuses an identity with a field missing or mistyped, and says which", async function () {
    const { encryptionKey: _k, ...noKey } = info;
    answers["GET /v1/custodian"] = { status: 200, body: noKey };
    const e = await badAnswer(client.info());
    expect(e.details?.issues).to.have.nested.property("[0].path", "encryptionKey");
    expect(e.message).to.include("/v1/custodian");
    answers["GET /v1/custodian"] = { status: 200, body: { ...info, keyId: "1" } };
    expect((await badAnswer(client.info())).details?.issues).to.have.nested.property("[0].path", "keyId");
  });

  it("refuses an envelope that is not one (bad hex, wrong kind type) and a pending answer with an unknown reason", async function () {
    answers["GET /v1/envelopes/7"] = { status: 200, body: { ...envelope, wrappedKey: "not hex" } };
    expect((await badAnswer(client.fetchEnvelope(requester, 7n))).details?.issues).to.have.nested.property("[0].path", "wrappedKey");
    answers["GET /v1/envelopes/7"] = { status: 200, body: { ...envelope, kind: "formal" } };
    await badAnswer(client.fetchEnvelope(requester, 7n));
    answers["GET /v1/envelopes/7"] = { status: 202, body: { status: "pending", requestId: "7", reason: "soon", retryAfter: 2 } };
    expect((await badAnswer(client.fetchEnvelope(requester, 7n))).details?.issues).to.have.nested.property("[0].path", "reason");
  });

  it("refuses a grant status with an unknown status word or a malformed release", async function () {
    answers["GET /v1/grants/7"] = { status: 200, body: { ...status, status: "maybe" } };
    await badAnswer(client.grantStatus({ session: "tok" }, 7n));
    answers["GET /v1/grants/7"] = { status: 200, body: { ...status, released: [{ kind: "formal", envelopeHash: "0x12", receipt: "sent", receiptTx: null }] } };
    expect((await badAnswer(client.grantStatus({ session: "tok" }, 7n))).details?.issues).to.have.nested.property("[0].path", "released.0.envelopeHash");
  });

  it("refuses a body that is not JSON, and a success status the route never answers", async function () {
    answers["GET /v1/custodian"] = { status: 200, raw: "<html>proxy login</html>" };
    await badAnswer(client.info());
    answers["GET /v1/envelopes/7"] = { status: 203, body: envelope };
    await badAnswer(client.fetchEnvelope(requester, 7n));
    answers["POST /v1/auth/siwe"] = { status: 201, body: { token: "t", tokenType: "Basic", address: requester.address, expiresAt: 1 } };
    answers["POST /v1/auth/nonce"] = { status: 200, body: { nonce: "ab".repeat(32), expiresAt: 1, chainId: 31337, domains: ["x"] } };
    await badAnswer(client.signIn(requester, (n) => `nonce ${n}`));
  });

  it("turns a valid problem into a CustodianError with its code; anything else into one without", async function () {
    answers["GET /v1/envelopes/7"] = {
      status: 410,
      body: { type: "urn:sealshare:problem:grant-revoked", title: "The grant is no longer valid", status: 410, detail: "the grant is no longer valid (ConsentRevoked)", code: "grant-revoked", reason: "ConsentRevoked" },
    };
    const revoked = await refused(client.fetchEnvelope(requester, 7n));
    expect(revoked).to.include({ code: "grant-revoked", status: 410 });
    expect(revoked.problem?.reason).to.equal("ConsentRevoked");
    answers["GET /v1/envelopes/7"] = { status: 502, raw: "Bad Gateway" };
    const gateway = await refused(client.fetchEnvelope(requester, 7n));
    expect(gateway).to.include({ code: "custodian-error", status: 502 });
    expect(gateway.problem).to.equal(undefined);
  });

  it("checks the receipts an auditor fetches too (GET /v1/receipts/:requestId)", async function () {
    const base = client.baseUrl;
    const receipt = {
      requestId: "7",
      kind: 2,
      mode: "batch",
      status: "confirmed",
      envelopeHash: "0x" + "ee".repeat(32),
      releasedAt: 1_800_000_000,
      batchId: "0x" + "12".repeat(16),
      root: "0x" + "aa".repeat(32),
      leaf: "0x" + "bb".repeat(32),
      proof: ["0x" + "cc".repeat(32)],
      sealTx: "0x" + "dd".repeat(32),
      sealBlock: 9,
    };
    answers["GET /v1/receipts/7"] = { status: 200, body: { requestId: "7", receipts: [receipt] } };
    const proofs = await fetchReceiptProofs(base, [7n]);
    expect(proofs).to.deep.equal([{ batchId: receipt.batchId, requestId: "7", kind: 2, envelopeHash: receipt.envelopeHash, releasedAt: receipt.releasedAt, proof: receipt.proof, leaf: receipt.leaf }]);
    answers["GET /v1/receipts/7"] = { status: 200, body: { requestId: "7", receipts: [{ ...receipt, proof: ["0x12"] }] } };
    expect((await badAnswer(fetchReceiptProofs(base, [7n]))).details?.issues).to.have.nested.property("[0].path", "receipts.0.proof.0");
  });
});
