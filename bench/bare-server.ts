/**
 * The `api.fetch.rps` baseline: a bare Express 5 server with one route shaped like the
 * custodian's envelope fetch (GET /v1/envelopes/:requestId, a JSON envelope of the same size),
 * doing no authentication, no storage and no logging. Run as its own process, like the
 * custodian; prints `bare server listening on <url>` when ready.
 *
 *   tsx bench/bare-server.ts '<envelope JSON>'
 */
import express from "express";
import type { AddressInfo } from "node:net";

const envelope = JSON.parse(process.argv[2] ?? "{}") as Record<string, unknown>;
const app = express();
app.disable("x-powered-by");
app.set("etag", false);
app.get("/v1/envelopes/:requestId", (req, res) => {
  res.set("Cache-Control", "no-store").json({ ...envelope, requestId: req.params.requestId });
});
const server = app.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`bare server listening on http://127.0.0.1:${port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
