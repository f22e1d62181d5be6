/**
 * The envelope fetch's answer (GET /v1/envelopes/:requestId), shared by the Express route
 * (./ledger.ts) and the node:http fast path (../envelope-fast-path.ts), so both answer alike:
 * the credential from the headers (signed request or session, ../auth.ts), the per-account
 * limit once the caller is known, the answer from stored state (service/http/serve.ts),
 * mapped to 200 (the envelope) or 202 (not released yet, with Retry-After). Refusals are thrown
 * as ProblemErrors for the caller's error path.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { credentialFrom } from "../auth.js";
import type { AuthHeadersSchema, RequestIdParamsSchema } from "../schemas.js";
import type { RouteDeps } from "./deps.js";

export interface EnvelopeReply {
  status: 200 | 202;
  body: unknown;
  headers: Record<string, string>;
}

export interface EnvelopeInput {
  params: z.output<typeof RequestIdParamsSchema>;
  headers: z.output<typeof AuthHeadersSchema>;
}

export async function envelopeReply(
  deps: Pick<RouteDeps, "sessions" | "readEnvelope" | "limits">,
  { params, headers }: EnvelopeInput,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<EnvelopeReply> {
  const { credential } = await credentialFrom(headers, deps.sessions, res);
  const answer = await deps.readEnvelope({
    requestId: params.requestId,
    credential,
    gate: (account) => deps.limits.account(req, res, account),
  });
  if (answer.status === "ready") return { status: 200, body: answer.envelope, headers: { "Cache-Control": "no-store" } };
  return { status: 202, body: answer, headers: { "Cache-Control": "no-store", "Retry-After": String(answer.retryAfter) } };
}
