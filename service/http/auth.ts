/**
 * Request authentication for the per-request routes: turns the parsed headers into one
 * {@link Credential} (service/http/serve.ts checks it against the request):
 *
 *   x-sealshare-issued-at + x-sealshare-signature   an EIP-712 signed request (single use)
 *   Authorization: Bearer <token>                    a Sign-In with Ethereum session
 *
 * Exactly one of the two: both, or half of the first, or neither, is a 400 `invalid-request`
 * naming the headers; an unknown or expired token is a 401 `bad-session`. The session path also
 * hands back the account, so the per-account rate limit applies before any store read.
 */
import type { ServerResponse } from "node:http";
import type { Request, Response } from "express";
import { z } from "zod";
import { ProblemError } from "../internal/errors.js";
import type { Credential } from "./serve.js";
import type { AuthHeadersSchema } from "./schemas.js";
import type { SessionService } from "./siwe.js";

type AuthHeaders = z.output<typeof AuthHeadersSchema>;

export const WWW_AUTHENTICATE = 'Bearer realm="sealshare-custodian"';

export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization?.slice("Bearer ".length).trim() || undefined;
}

function missing(detail: string): ProblemError {
  return new ProblemError("invalid-request", detail, {
    errors: [
      { in: "header", path: "x-sealshare-issued-at", message: "send x-sealshare-issued-at and x-sealshare-signature, or Authorization: Bearer" },
      { in: "header", path: "x-sealshare-signature", message: "send x-sealshare-issued-at and x-sealshare-signature, or Authorization: Bearer" },
    ],
  });
}

/** The credential in `h`, with the session resolved to its account. */
export async function credentialFrom(
  h: AuthHeaders,
  sessions: SessionService,
  res: ServerResponse,
): Promise<{ credential: Credential; account?: string }> {
  const token = bearerToken(h.authorization);
  const issuedAt = h["x-sealshare-issued-at"];
  const signature = h["x-sealshare-signature"];
  if (token !== undefined) {
    if (issuedAt !== undefined || signature !== undefined) throw missing("send either the signed-request headers or a Bearer session, not both");
    res.setHeader("WWW-Authenticate", WWW_AUTHENTICATE);
    const s = await sessions.resolve(token);
    return { credential: { kind: "session", address: s.address }, account: s.address };
  }
  if (issuedAt === undefined || signature === undefined) throw missing("this route needs a signed request or a session");
  return { credential: { kind: "signature", issuedAt, signature } };
}

/** For session-only routes: the token, or 401 `unauthenticated` with WWW-Authenticate. */
export function requireBearer(req: Request, res: Response, authorization: string | undefined, queryToken?: string): string {
  const token = bearerToken(authorization) ?? queryToken;
  if (!token) {
    res.set("WWW-Authenticate", WWW_AUTHENTICATE);
    throw new ProblemError("unauthenticated", `${req.method} ${req.path} needs Authorization: Bearer <token> from POST /v1/auth/siwe`);
  }
  return token;
}
