/**
 * connectDeployment (sdk/actions/connect-deployment.ts): a client's first step checks the node
 * answers, serves the deployment's chain and has the ledger's code, against a real local node
 * (devkit/local-chain.ts), and names each failure.
 */
import { expect } from "chai";
import { JsonRpcProvider, Network, Wallet } from "ethers";
import { startLocalChain, type LocalChain } from "../../devkit/local-chain.js";
import { deployLedger, type Deployment } from "../../sdk/contracts.js";
import { connectDeployment } from "../../sdk/actions/connect-deployment.js";
import { rejection } from "./helpers/rejects.js";

describe("connectDeployment: open a deployment and check it before use", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let deployment: Deployment;

  before(async () => {
    chain = await startLocalChain({ accounts: 2 });
    const provider = new JsonRpcProvider(chain.url, Network.from(31337n), { staticNetwork: true, pollingInterval: 50 });
    deployment = (await deployLedger(new Wallet(chain.accounts[0]!, provider))).deployment;
    provider.destroy();
  });
  after(async () => {
    await chain?.stop();
  });

  it("connects the ledger of a deployment the node serves", async () => {
    const { provider, ledger, deployment: d } = await connectDeployment({ rpcUrl: chain.url, deployment });
    try {
      expect([await ledger.getAddress(), await ledger.nextDatasetId(), d]).to.deep.equal([deployment.ledger, 1n, deployment]);
    } finally {
      provider.destroy();
    }
  });

  it("refuses a node that serves another chain (WRONG_CHAIN)", async () => {
    const err = await rejection(connectDeployment({ rpcUrl: chain.url, deployment: { ...deployment, chainId: "1" } }));
    expect([err.code, err.message]).to.deep.equal(["WRONG_CHAIN", `the node at ${chain.url} serves chain 31337, the deployment is on chain 1`]);
  });

  it("refuses an address with no contract on the chain (NO_LEDGER)", async () => {
    const nowhere = Wallet.createRandom().address;
    const err = await rejection(connectDeployment({ rpcUrl: chain.url, deployment: { ...deployment, ledger: nowhere } }));
    expect([err.code, err.message]).to.deep.equal(["NO_LEDGER", `there is no contract at ${nowhere} on chain 31337`]);
  });

  it("names a node that does not answer (RPC_UNREACHABLE) with a hint", async () => {
    const err = await rejection(connectDeployment({ rpcUrl: "http://127.0.0.1:9", deployment }));
    expect([err.code, err.message, err.hint]).to.deep.equal(["RPC_UNREACHABLE", "could not reach the chain at http://127.0.0.1:9", "is the node running? check --rpc-url (`sealshare dev` starts a local one)"]);
  });
});
