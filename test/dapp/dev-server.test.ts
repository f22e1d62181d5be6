/**
 * `npm run dapp` (dapp/vite.config.ts) alone: with neither SEALSHARE_DAPP_CONFIG nor
 * SEALSHARE_DEPLOYMENT it serves the example config, and says so loudly when the custodian does
 * not answer either — but not when a config is given or a custodian answers.
 */
import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { warnIfExample } from "../../dapp/vite.config.js";

const listen = (s: Server) => new Promise<number>((resolve) => s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port)));
const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

describe("npm run dapp: the example-config warning", function () {
  const saved = { ...process.env };
  let warnings: string[];
  const logger = { warn: (m: string) => warnings.push(m) };

  beforeEach(() => {
    warnings = [];
    delete process.env.SEALSHARE_DAPP_CONFIG;
    delete process.env.SEALSHARE_DEPLOYMENT;
  });
  afterEach(() => {
    for (const k of ["SEALSHARE_DAPP_CONFIG", "SEALSHARE_DEPLOYMENT", "SEALSHARE_CUSTODIAN_URL"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it("warns loudly when it serves the example config and no custodian answers", async function () {
    const gone = createServer();
    const port = await listen(gone);
    await close(gone); // a port nobody listens on
    process.env.SEALSHARE_CUSTODIAN_URL = `http://127.0.0.1:${port}`;
    await warnIfExample(logger);
    expect(warnings).to.have.length(1);
    const lines = warnings[0]!.split("\n");
    expect(lines).to.include("!!!  The dapp is serving the EXAMPLE config (dapp/public/sealshare.config.json)  !!!");
    expect(lines).to.include(`!!!  and no custodian answers at http://127.0.0.1:${port}.`);
    expect(lines).to.include("!!!  Neither SEALSHARE_DAPP_CONFIG nor SEALSHARE_DEPLOYMENT is set.");
    expect(lines).to.include("!!!    SEALSHARE_DAPP_CONFIG=.sealshare-dev/dapp.config.json SEALSHARE_BLOB_DIR=.sealshare-dev/blobs npm run dapp");

    process.env.SEALSHARE_DAPP_CONFIG = "/nonexistent/dapp.config.json";
    await warnIfExample(logger);
    expect(warnings).to.have.length(2);
    expect(warnings[1]!.split("\n")).to.include("!!!  /nonexistent/dapp.config.json does not exist.");
  });

  it("stays quiet when a custodian answers, or when a config is given", async function () {
    const custodian = createServer((req, res) => res.writeHead(req.url === "/v1/custodian" ? 200 : 404, { "content-type": "application/json" }).end("{}"));
    const port = await listen(custodian);
    try {
      process.env.SEALSHARE_CUSTODIAN_URL = `http://127.0.0.1:${port}/`;
      await warnIfExample(logger);
      expect(warnings).to.deep.equal([]);
    } finally {
      await close(custodian);
    }
    process.env.SEALSHARE_CUSTODIAN_URL = `http://127.0.0.1:${port}`; // closed now
    process.env.SEALSHARE_DAPP_CONFIG = new URL(import.meta.url).pathname; // any file that exists
    await warnIfExample(logger);
    expect(warnings).to.deep.equal([]);
  });
});
