/**
 * `sealshare dev`: one command brings up a chain, the deployed ledger and the custody contract,
 * three custodians registered on chain as a 2-of-3 set (each its own process and account), writes
 * a config that the other commands use as is (keystores per role), and Ctrl-C takes it all down.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress, JsonRpcProvider } from "ethers";
import { connectCustody } from "../../sdk/contracts.js";
import { deriveAccounts, testNodes } from "../../devkit/local-chain.js";
import { explain, ROOT, runCli } from "./helpers.js";

describe("sealshare dev", function () {
  this.timeout(240_000);
  let dir: string;
  let child: ChildProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sealshare-dev-"));
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGINT");
      await once(child, "exit");
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const node of testNodes()) it(`starts everything on ${node}, writes a working config with a keystore per role, and stops cleanly on Ctrl-C`, async () => {
    child = spawn(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "cli", "main.ts"), "dev", "--dir", join(dir, `env-${node}`), "--node", node, "--json"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, "exit");
    const ready = await new Promise<Record<string, any>>((resolve, reject) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      child!.stdout!.on("data", (d: Buffer) => {
        stdout += d.toString();
        try {
          resolve(JSON.parse(stdout));
        } catch {
          /* not complete yet */
        }
      });
      child!.once("exit", (code) => reject(new Error(`dev exited with ${code} before it was ready:\n${stderr}`)));
    });

    expect(ready.node).to.equal(node);
    const client = await (await fetch(ready.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: '{"jsonrpc":"2.0","id":1,"method":"web3_clientVersion","params":[]}' })).json() as { result: string };
    expect(client.result.toLowerCase()).to.match(node === "anvil" ? /^anvil\// : /^hardhat/);
    expect(ready.accounts.map((a: { name: string }) => a.name)).to.deep.equal(["admin", "supervisor", "custodian", "bank", "insurer", "lender", "ana", "auditor"]);
    expect(ready.accounts.find((a: { name: string }) => a.name === "custodian")).to.not.have.property("keystore");
    const configText = await readFile(ready.config, "utf8");
    for (const key of deriveAccounts(10)) {
      expect(stdout + stderr, "a private key was printed").to.not.include(key.slice(2));
      expect(configText, "a private key is in the config file").to.not.include(key.slice(2));
    }
    const config = JSON.parse(configText);
    expect(config).to.include({ rpcUrl: ready.rpcUrl, custodianUrl: ready.custodianUrl });
    const env = { SEALSHARE_CONFIG: ready.config, SEALSHARE_KEYSTORE_PASSWORD: ready.keystorePassword, SEALSHARE_NO_PROGRESS: "1" };
    const bank = ready.accounts.find((a: { name: string }) => a.name === "bank").address;
    const reg = await runCli(["--as", "supervisor", "members", "register", bank, "--kyc-ref", "KYC-1", "--json"], env, dir);
    expect(reg.code, explain(reg)).to.equal(0);
    expect(reg.json.supervisor).to.equal(ready.accounts.find((a: { name: string }) => a.name === "supervisor").address);

    // The dapp's config, the command that serves it, and its origin allowed by the custodian (CORS and Sign-In with Ethereum).
    const dappConfig = JSON.parse(await readFile(ready.dapp.config, "utf8"));
    expect(ready.dapp.config).to.equal(join(dir, `env-${node}`, "dapp.config.json"));
    expect(dappConfig).to.deep.equal({
      chainId: Number(ready.chainId),
      chainName: `Local ${node === "anvil" ? "Anvil" : "Hardhat"} chain`,
      rpcUrl: ready.rpcUrl,
      ledger: ready.ledger,
      deployBlock: ready.deployBlock,
      custodianUrl: ready.custodianUrl,
      custody: ready.custody,
      custodianUrls: ready.custodianSet.custodians.map((c: { url: string }) => c.url),
      blobUrl: "/blobs/{scheme}/{sha256}",
      names: {
        ...Object.fromEntries(ready.accounts.map((a: { name: string; address: string }) => [a.address, a.name])),
        [ready.custodianSet.custodians[1].address]: "custodian-2",
        [ready.custodianSet.custodians[2].address]: "custodian-3",
      },
    });

    // The custodian set: three processes, each answering as its own account, registered on chain as 2 of 3, the first being `custodianUrl`'s.
    const set = ready.custodianSet as { setId: number; threshold: number; custodians: { index: number; address: string; url: string }[] };
    expect(set.threshold).to.equal(2);
    expect(set.custodians.map((c) => c.index)).to.deep.equal([0, 1, 2]);
    expect(set.custodians[0]!.url).to.equal(ready.custodianUrl);
    expect(new Set(set.custodians.map((c) => c.url)).size).to.equal(3);
    for (const c of set.custodians) {
      const info = (await (await fetch(`${c.url}/v1/custodian`)).json()) as { address: string };
      expect(getAddress(info.address), c.url).to.equal(c.address);
    }
    const provider = new JsonRpcProvider(ready.rpcUrl);
    try {
      const onChain = await connectCustody(ready.custody, provider).custodianSet(set.setId);
      expect(onChain.custodians.map((a: string) => getAddress(a))).to.deep.equal(set.custodians.map((c) => c.address));
      expect(Number(onChain.threshold)).to.equal(2);
      expect(onChain.active).to.equal(true);
    } finally {
      provider.destroy();
    }
    expect(ready.dapp.url).to.equal("http://127.0.0.1:5173/");
    expect(ready.dapp.command).to.equal(
      `SEALSHARE_DAPP_CONFIG=${ready.dapp.config} SEALSHARE_BLOB_DIR=${join(dir, `env-${node}`, "blobs")} SEALSHARE_DAPP_PORT=5173 npm --prefix ${ROOT.replace(/\/$/, "")} run dapp`,
    );
    for (const origin of ["http://127.0.0.1:5173", "http://localhost:5173"]) {
      const preflight = await fetch(`${ready.custodianUrl}/v1/custodian`, { headers: { origin } });
      expect(preflight.headers.get("access-control-allow-origin"), origin).to.equal(origin);
    }
    const stranger = await fetch(`${ready.custodianUrl}/v1/custodian`, { headers: { origin: "http://127.0.0.1:5174" } });
    expect(stranger.headers.get("access-control-allow-origin")).to.equal(null);

    const custodian = (await (await fetch(`${ready.custodianUrl}/v1/custodian`)).json()) as { address: string; ledger: string };
    expect(custodian.address).to.equal(ready.accounts.find((a: { name: string }) => a.name === "custodian").address);
    expect(custodian.ledger).to.equal(ready.ledger);

    child.kill("SIGINT");
    const [code] = await exited;
    expect(code, stderr).to.equal(0);
    const alive = await fetch(ready.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' }).then(
      () => true,
      () => false,
    );
    expect(alive, "the chain is still running after Ctrl-C").to.equal(false);
  });
});
