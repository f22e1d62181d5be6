/**
 * Receipt inclusion proofs for `verifyLedger`: read from a file an auditor was handed, or
 * fetched from the custodian (`GET /v1/receipts/:requestId`, public: receipts are facts the
 * ledger publishes anyway; the answer is checked against the API schema, sdk/api/schemas.ts
 * `ReceiptsSchema`, first). Both the custodian's answer shape and a flat list are accepted:
 *
 *   [{ batchId, requestId, kind, envelopeHash, releasedAt, proof, leaf? }, …]
 *   { requestId, receipts: [{ kind, mode: "batch", batchId, envelopeHash, releasedAt, leaf, proof, … }] }
 *   [{ requestId, receipts: [...] }, …]
 *
 * Only batch receipts carry proofs; one-by-one receipts are `KeyReleased` events, which the
 * verifier reads from the chain.
 */
import { SealshareError } from "../errors.js";
import { parseAnswer } from "../api/answer.js";
import { ReceiptsSchema, type Receipts } from "../api/schemas.js";
import type { ReceiptProof } from "./verify.js";

interface LooseReceipt {
  requestId?: unknown;
  kind?: unknown;
  mode?: unknown;
  batchId?: unknown;
  envelopeHash?: unknown;
  releasedAt?: unknown;
  leaf?: unknown;
  proof?: unknown;
}

function one(r: LooseReceipt, requestId: unknown, where: string): ReceiptProof | undefined {
  if (r.mode !== undefined && r.mode !== "batch") return undefined;
  if (r.batchId === null || r.proof === null) return undefined; // not sealed yet
  const id = r.requestId ?? requestId;
  if (typeof r.batchId !== "string" || id === undefined || typeof r.envelopeHash !== "string" || !Array.isArray(r.proof)) {
    throw new SealshareError("BAD_PROOFS", `${where}: a receipt needs batchId, requestId, kind, envelopeHash, releasedAt and proof`);
  }
  return {
    batchId: r.batchId,
    requestId: String(id),
    kind: Number(r.kind),
    envelopeHash: r.envelopeHash,
    releasedAt: Number(r.releasedAt),
    proof: r.proof.map(String),
    ...(typeof r.leaf === "string" ? { leaf: r.leaf } : {}),
  };
}

/** Normalises any of the accepted shapes to a flat list of batch receipts. */
export function parseReceiptProofs(json: unknown, where = "proofs"): ReceiptProof[] {
  const groups = Array.isArray(json) ? json : [json];
  const out: ReceiptProof[] = [];
  groups.forEach((g, i) => {
    const group = g as { requestId?: unknown; receipts?: unknown } | null;
    if (group && Array.isArray(group.receipts)) {
      for (const r of group.receipts as LooseReceipt[]) {
        const p = one(r, group.requestId, `${where}[${i}]`);
        if (p) out.push(p);
      }
    } else if (group && typeof group === "object") {
      const p = one(group as LooseReceipt, undefined, `${where}[${i}]`);
      if (p) out.push(p);
    } else {
      throw new SealshareError("BAD_PROOFS", `${where}[${i}] is not a receipt`);
    }
  });
  return out;
}

/**
 * The receipts of one request as the custodian serves them (`GET /v1/receipts/:requestId`),
 * validated against the API schema; undefined for a request the custodian never saw. Errors:
 * `CUSTODIAN_UNREACHABLE`, `NO_RECEIPT_ROUTE`, `CUSTODIAN_ERROR`, `CUSTODIAN_BAD_ANSWER`.
 */
export async function fetchReceipts(custodianUrl: string, requestId: bigint, fetchImpl: typeof fetch = (input, init) => fetch(input, init)): Promise<Receipts | undefined> {
  const base = custodianUrl.replace(/\/+$/, "");
  let res: Response;
  try {
    res = await fetchImpl(`${base}/v1/receipts/${requestId}`, { headers: { accept: "application/json" } });
  } catch (cause) {
    throw new SealshareError("CUSTODIAN_UNREACHABLE", `could not reach the custodian at ${base}`, { cause });
  }
  if (res.status === 404) {
    const body = (await res.json().catch(() => ({}))) as { code?: string };
    if (body.code === "unknown-request") return undefined;
    throw new SealshareError("NO_RECEIPT_ROUTE", `the custodian at ${base} serves no receipt proofs`, { hint: "pass the proofs as a file instead (--proofs <file>)" });
  }
  if (!res.ok) throw new SealshareError("CUSTODIAN_ERROR", `the custodian answered HTTP ${res.status} for the receipts of request #${requestId}`);
  return parseAnswer(ReceiptsSchema, `/v1/receipts/${requestId}`, res.status, await res.text());
}

/** Fetches the receipts of `requestIds` from the custodian; requests it never saw are skipped. */
export async function fetchReceiptProofs(custodianUrl: string, requestIds: Iterable<bigint>, fetchImpl?: typeof fetch): Promise<ReceiptProof[]> {
  const out: ReceiptProof[] = [];
  for (const id of requestIds) {
    const receipts = await fetchReceipts(custodianUrl, id, fetchImpl);
    if (receipts) out.push(...parseReceiptProofs(receipts, `receipts of request #${id}`));
  }
  return out;
}
