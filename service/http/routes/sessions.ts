/**
 * Sign-In with Ethereum (./siwe.ts) and the server-sent-event stream that needs its sessions.
 */
import { ProblemError } from "../../internal/errors.js";
import { requireBearer } from "../auth.js";
import { defineRoute, type AnyRoute } from "../registry.js";
import {
  BearerHeadersSchema,
  EventsHeadersSchema,
  EventsQuerySchema,
  EventStreamSchema,
  NonceSchema,
  SessionInfoSchema,
  SessionSchema,
  SiweBodySchema,
} from "../schemas.js";
import { openEventStream } from "../sse.js";
import type { RouteDeps } from "./deps.js";

export function sessionRoutes(deps: RouteDeps): AnyRoute[] {
  const streams = new Map<string, number>(); // open event streams per account
  return [
    defineRoute({
      method: "post",
      path: "/v1/auth/nonce",
      operationId: "siweNonce",
      summary: "A nonce for a Sign-In with Ethereum message",
      description: "Single use, valid 5 minutes. `domains` lists the hosts the message's domain may name.",
      tags: ["auth"],
      request: {},
      responses: { 200: { description: "a fresh nonce", schema: NonceSchema } },
      problems: [],
      handler(_input, _req, res) {
        res.set("Cache-Control", "no-store").json(deps.sessions.nonce());
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/auth/siwe",
      operationId: "siweSignIn",
      summary: "Sign in with Ethereum (EIP-4361): a session token",
      description:
        "Checks the message's chain id, domain and URI (a configured origin), times, the nonce (issued here, single use) " +
        "and the signature (EOA, or ERC-1271 for smart accounts). The token is opaque, bound to the address, stored hashed " +
        "and lives at most SEALSHARE_SESSION_TTL_SECONDS (15 min) and never past the message's Expiration Time. " +
        "Attempts are limited per client IP (SEALSHARE_RATE_LIMIT_SIGNIN_PER_MIN, 30 a minute; IPv6 per /64).",
      tags: ["auth"],
      request: { body: SiweBodySchema },
      responses: { 201: { description: "signed in", schema: SessionSchema } },
      problems: ["siwe-rejected", "upstream-unavailable"],
      async handler({ body }, req, res) {
        // Before any signature check or chain read: attempts are limited per client IP bucket.
        deps.limits.signIn(res, req.ip);
        const session = await deps.sessions.signIn(body.message, body.signature);
        res.status(201).set("Cache-Control", "no-store").json(session);
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/auth/session",
      operationId: "siweSession",
      summary: "The session's account and expiry",
      tags: ["auth"],
      security: ["siweSession"],
      request: { headers: BearerHeadersSchema },
      responses: { 200: { description: "the session", schema: SessionInfoSchema } },
      problems: ["unauthenticated", "bad-session"],
      async handler({ headers }, req, res) {
        const s = await deps.sessions.resolve(requireBearer(req, res, headers.authorization));
        res.set("Cache-Control", "no-store").json(s);
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/auth/logout",
      operationId: "siweLogout",
      summary: "End the session",
      description: "The token stops working at once; open event streams of the session end at their next heartbeat.",
      tags: ["auth"],
      security: ["siweSession"],
      request: { headers: BearerHeadersSchema },
      responses: { 204: { description: "logged out" } },
      problems: ["unauthenticated", "bad-session"],
      async handler({ headers }, req, res) {
        await deps.sessions.logout(requireBearer(req, res, headers.authorization));
        res.status(204).end();
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/events",
      operationId: "events",
      summary: "Server-sent events for the signed-in requester's requests",
      description:
        "Pushes `grant`, `release` and `revocation` events for requests whose requester is the session's account. " +
        "Session in Authorization: Bearer, or in `access_token` for browsers' EventSource. Resume with Last-Event-ID. " +
        "Advisory: grant status is the source of truth.",
      tags: ["events"],
      security: ["siweSession"],
      request: { query: EventsQuerySchema, headers: EventsHeadersSchema },
      responses: { 200: { description: "the event stream", schema: EventStreamSchema, contentType: "text/event-stream" } },
      problems: ["unauthenticated", "bad-session"],
      async handler({ query, headers }, req, res) {
        const token = requireBearer(req, res, headers.authorization, query.access_token);
        const session = await deps.sessions.resolve(token);
        await deps.limits.account(req, res, session.address);
        const open = streams.get(session.address) ?? 0;
        if (open >= deps.options.sse.maxStreamsPerAccount) {
          throw new ProblemError("rate-limited", `at most ${deps.options.sse.maxStreamsPerAccount} open event streams per account`, {
            reason: "too-many-streams",
          });
        }
        streams.set(session.address, open + 1);
        res.on("close", () => {
          const n = (streams.get(session.address) ?? 1) - 1;
          if (n <= 0) streams.delete(session.address);
          else streams.set(session.address, n);
        });
        openEventStream(req, res, session, headers["last-event-id"], {
          bus: deps.bus,
          metrics: deps.metrics,
          log: deps.log,
          heartbeatMs: deps.options.sse.heartbeatMs,
          sessionAlive: () =>
            deps.sessions.resolve(token).then(
              () => true,
              (err: unknown) => (err instanceof ProblemError && err.code === "bad-session" ? false : Promise.reject(err)),
            ),
        });
      },
    }),
  ];
}
