/**
 * A custodian that answers a WRONG share, for the demo and fault drills: an HTTP proxy on
 * 127.0.0.1 in front of an honest custodian process, forwarding everything, except that every
 * share envelope it serves (GET /v1/envelopes/:requestId with a `share`) carries a random share
 * in place of the custodian's, wrapped to the requester's device key (read from the chain by the
 * envelope's key id) and signed again with the custodian's own account key.
 *
 * So it lies the way a dishonest custodian would, not the way a broken network does: the envelope
 * is well formed, signed by the right account, and unwraps; only the share's leaf fails the
 * on-chain shares root, and the requester must attribute it to that custodian by name
 * (THRESHOLD_BAD_SHARE). The shipped service has no such switch: a lie needs the custodian's key,
 * which only a local world (devkit) has.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getBytes, hexlify, randomBytes, type Signer, type TypedDataDomain } from "ethers";
import type { Sealshare } from "../sdk/contracts.js";
import { signEnvelope, type Envelope } from "../sdk/envelope.js";
import { SHARE_LENGTH } from "../sdk/threshold/split.js";
import { wrapShare } from "../sdk/threshold/wrap.js";

export interface LyingCustodian {
  /** The proxy's base URL: give it to the requester in place of the custodian's. */
  readonly url: string;
  /** Share envelopes answered with a wrong share so far. */
  readonly lies: number;
  close(): Promise<void>;
}

export interface LyingCustodianOptions {
  /** The honest custodian's base URL. */
  upstream: string;
  /** The custodian's own account (the lie is signed as it). */
  custodian: Signer;
  /** The custodian domain envelopes are signed in (sdk/eip712.ts custodianDomain). */
  domain: TypedDataDomain;
  /** To read the requester's device key by the envelope's key id. */
  ledger: Sealshare;
}

/** Starts the proxy on a free 127.0.0.1 port. */
export async function startLyingCustodian(o: LyingCustodianOptions): Promise<LyingCustodian> {
  const upstream = o.upstream.replace(/\/+$/, "");
  let lies = 0;

  async function lie(e: Envelope): Promise<Envelope> {
    const key = await o.ledger.encryptionKey(e.keyId);
    const wrong = new Uint8Array(randomBytes(SHARE_LENGTH));
    wrong[SHARE_LENGTH - 1] = e.share!.index + 1; // the right x: a well-formed share, only the wrong one
    const { custodian: _c, signature: _s, ...body } = e;
    lies++;
    return signEnvelope(o.custodian, o.domain, { ...body, wrappedKey: hexlify(wrapShare(getBytes(key.publicKey), wrong)) });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || ["host", "connection", "content-length", "transfer-encoding"].includes(k)) continue;
      headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    }
    const answer = await fetch(upstream + (req.url ?? "/"), {
      method: req.method,
      headers,
      body: chunks.length > 0 && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined,
    });
    let body = Buffer.from(await answer.arrayBuffer());
    if (req.method === "GET" && answer.status === 200 && /^\/v1\/envelopes\/\d+/.test(req.url ?? "")) {
      const e = JSON.parse(body.toString("utf8")) as Envelope;
      if (e.share) body = Buffer.from(JSON.stringify(await lie(e)));
    }
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      if (!["content-length", "content-encoding", "transfer-encoding", "connection"].includes(k)) out[k] = v;
    });
    res.writeHead(answer.status, { ...out, "content-length": String(body.byteLength) });
    res.end(body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/problem+json" });
      res.end(JSON.stringify({ type: "about:blank", title: "upstream custodian failed", status: 502, code: "bad-gateway" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get lies() {
      return lies;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
