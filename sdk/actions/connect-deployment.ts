/**
 * Opens a deployment over JSON-RPC and checks it before anything is read or sent: the node
 * answers, it serves the deployment's chain, and the ledger's address holds code there. What a
 * client does first (the CLI's session; any other client that reads a deployment file or config);
 * the result's `ledger` and `deployment.deployBlock` make a {@link SealshareContext}.
 *
 * @example
 * ```ts
 * const { provider, ledger } = await connectDeployment({ rpcUrl, deployment });
 * const ctx: SealshareContext = { ledger, fromBlock: deployment.deployBlock };
 * ```
 */
import { JsonRpcProvider, Network } from "ethers";
import { connectLedger, type Deployment, type Sealshare } from "../contracts.js";
import { SealshareError } from "../errors.js";

export interface ConnectDeploymentParams {
  rpcUrl: string;
  deployment: Deployment;
  /** How often the provider polls for new blocks and receipts (ms). Default 100. */
  pollingInterval?: number;
}

export interface ConnectDeploymentResult {
  /** Fixed to the deployment's chain (no network detection per call); destroy() it when done. */
  provider: JsonRpcProvider;
  ledger: Sealshare;
  deployment: Deployment;
}

/** Errors: `RPC_UNREACHABLE`, `WRONG_CHAIN` (the node serves another chain), `NO_LEDGER` (no contract at the address). */
export async function connectDeployment(p: ConnectDeploymentParams): Promise<ConnectDeploymentResult> {
  const { rpcUrl, deployment } = p;
  const provider = new JsonRpcProvider(rpcUrl, Network.from(BigInt(deployment.chainId)), { staticNetwork: true, pollingInterval: p.pollingInterval ?? 100, cacheTimeout: -1 });
  try {
    let chainId: string;
    try {
      chainId = BigInt((await provider.send("eth_chainId", [])) as string).toString();
    } catch (cause) {
      throw new SealshareError("RPC_UNREACHABLE", `could not reach the chain at ${rpcUrl}`, { cause, hint: "is the node running? check --rpc-url (`sealshare dev` starts a local one)" });
    }
    if (chainId !== deployment.chainId) {
      throw new SealshareError("WRONG_CHAIN", `the node at ${rpcUrl} serves chain ${chainId}, the deployment is on chain ${deployment.chainId}`, { hint: "use the RPC URL of the deployment's chain" });
    }
    if ((await provider.getCode(deployment.ledger)) === "0x") {
      throw new SealshareError("NO_LEDGER", `there is no contract at ${deployment.ledger} on chain ${chainId}`, { hint: "the deployment file is for another run of this chain; redeploy or fix --deployment" });
    }
  } catch (err) {
    provider.destroy();
    throw err;
  }
  return { provider, ledger: connectLedger(deployment.ledger, provider), deployment };
}
