/**
 * Many transactions from one account, fast: signed locally with consecutive nonces and a fixed
 * gas limit and fee, and pushed with eth_sendRawTransaction (the provider batches JSON-RPC calls
 * made in the same tick). No per-transaction estimateGas / nonce / fee round trips, so hundreds
 * of grants can be queued for one block while the node's automine is off.
 */
import { type JsonRpcProvider, type Wallet } from "ethers";

export class RawSender {
  readonly #wallet: Wallet;
  readonly #provider: JsonRpcProvider;
  readonly #chainId: bigint;
  #nonce = -1;

  constructor(wallet: Wallet, provider: JsonRpcProvider, chainId: bigint) {
    this.#wallet = wallet;
    this.#provider = provider;
    this.#chainId = chainId;
  }

  async #nextNonce(): Promise<number> {
    if (this.#nonce < 0) this.#nonce = await this.#provider.getTransactionCount(this.#wallet.address, "pending");
    return this.#nonce++;
  }

  /** Signs a call to `to` with `data`; returns the raw transaction (not sent). */
  async sign(to: string, data: string, gasLimit: bigint): Promise<string> {
    return this.#wallet.signTransaction({
      type: 2,
      chainId: this.#chainId,
      nonce: await this.#nextNonce(),
      to,
      data,
      gasLimit,
      maxFeePerGas: 50_000_000_000n, // 50 gwei: far above a local node's base fee
      maxPriorityFeePerGas: 1_000_000_000n,
      value: 0n,
    });
  }

  /** Sends a raw transaction; resolves with its hash (with automine on: once it is mined). */
  send(raw: string): Promise<string> {
    return this.#provider.send("eth_sendRawTransaction", [raw]) as Promise<string>;
  }
}
