/**
 * The connection to the user's wallet and to the deployment: which wallet (EIP-6963), which
 * account, which chain, and the ethers objects built on them. Pages read it and re-render when
 * it changes (`subscribe`).
 *
 * Chain check: every write needs the wallet on the configured chain. On another chain the app
 * shows a prompt with one button, which asks the wallet to switch (`wallet_switchEthereumChain`)
 * and, if the wallet does not know the chain (error 4902), to add it first.
 */
import { BrowserProvider, JsonRpcProvider, getAddress, toQuantity, type AbstractProvider, type JsonRpcSigner } from "ethers";
import { connectLedger, type SealshareCustody } from "../../../sdk/contracts.js";
import type { SealshareContext } from "../../../sdk/actions/context.js";
import type { DappConfig } from "./config.js";
import { legacyWallet, rankWallets, watchWallets, type WalletDetail } from "./discovery.js";

const WALLET_PREF = "sealshare:wallet"; // the rdns of the wallet the user picked; not a secret

export type ChainStatus = "disconnected" | "wrong-chain" | "ready";

export class Session {
  readonly config: DappConfig;
  wallets: WalletDetail[] = [];
  wallet?: WalletDetail;
  account?: string;
  chainId?: number;
  busy = false;
  error?: string;
  #provider?: BrowserProvider;
  #readProvider?: AbstractProvider;
  #listeners = new Set<() => void>();
  #detach?: () => void;

  constructor(config: DappConfig) {
    this.config = config;
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #emit(): void {
    for (const fn of this.#listeners) fn();
  }

  get status(): ChainStatus {
    if (!this.wallet || !this.account) return "disconnected";
    return this.chainId === this.config.chainId ? "ready" : "wrong-chain";
  }

  /** Starts discovery; reconnects silently (eth_accounts, no prompt) to a wallet picked before. */
  start(win: Window & { ethereum?: unknown } = window): void {
    watchWallets(win, (announced) => {
      this.wallets = rankWallets(announced, legacyWallet(win));
      this.#emit();
    });
    // Wallets that do not speak EIP-6963 only have window.ethereum.
    setTimeout(() => {
      if (this.wallets.length === 0) {
        this.wallets = rankWallets([], legacyWallet(win));
        this.#emit();
      }
      const pref = safeStorage()?.getItem(WALLET_PREF);
      const again = this.wallets.find((w) => w.info.rdns === pref);
      if (again && !this.wallet) void this.#attach(again, false);
    }, 150);
  }

  /** Asks the chosen wallet (default: the first ranked, MetaMask first) for an account. */
  async connect(uuid?: string): Promise<void> {
    const w = this.wallets.find((x) => x.info.uuid === uuid) ?? this.wallets[0];
    if (!w) {
      this.error = "No wallet found. Install MetaMask (or another Ethereum wallet) and reload this page.";
      this.#emit();
      return;
    }
    await this.#attach(w, true);
  }

  disconnect(): void {
    this.#detach?.();
    this.wallet = this.account = this.chainId = undefined;
    this.#provider = undefined;
    safeStorage()?.removeItem(WALLET_PREF);
    this.#emit();
  }

  async #attach(w: WalletDetail, prompt: boolean): Promise<void> {
    this.error = undefined;
    try {
      const accounts = (await w.provider.request({ method: prompt ? "eth_requestAccounts" : "eth_accounts" })) as string[];
      if (!accounts?.length) {
        if (prompt) this.error = "The wallet shared no account.";
        this.#emit();
        return;
      }
      this.#detach?.();
      this.wallet = w;
      this.account = getAddress(accounts[0]!);
      this.chainId = Number(await w.provider.request({ method: "eth_chainId" }));
      this.#provider = undefined;
      safeStorage()?.setItem(WALLET_PREF, w.info.rdns);
      const onAccounts = (...args: unknown[]) => {
        const list = args[0] as string[];
        this.account = list?.[0] ? getAddress(list[0]) : undefined;
        this.#provider = undefined;
        this.#emit();
      };
      const onChain = (...args: unknown[]) => {
        this.chainId = Number(args[0]);
        this.#provider = undefined; // ethers providers are bound to one network
        this.#emit();
      };
      w.provider.on?.("accountsChanged", onAccounts);
      w.provider.on?.("chainChanged", onChain);
      this.#detach = () => {
        w.provider.removeListener?.("accountsChanged", onAccounts);
        w.provider.removeListener?.("chainChanged", onChain);
      };
    } catch (err) {
      this.error = (err as { code?: number }).code === 4001 ? "You declined the connection in your wallet." : `Could not connect: ${(err as Error).message}`;
    }
    this.#emit();
  }

  /** Asks the wallet to switch to the configured chain, adding it first if the wallet does not know it. */
  async switchChain(): Promise<void> {
    const w = this.wallet;
    if (!w) return;
    const chainId = toQuantity(this.config.chainId);
    this.error = undefined;
    try {
      await w.provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === 4902 && this.config.rpcUrl) {
        try {
          await w.provider.request({
            method: "wallet_addEthereumChain",
            params: [{ chainId, chainName: this.config.chainName, rpcUrls: [this.config.rpcUrl], nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 } }],
          });
        } catch (e) {
          this.error = `The wallet could not add ${this.config.chainName}: ${(e as Error).message}`;
        }
      } else {
        this.error = code === 4001 ? "You declined the network switch." : `The wallet could not switch network: ${(err as Error).message}`;
      }
    }
    // Wallets emit chainChanged; ask anyway in case this one does not.
    this.chainId = Number(await w.provider.request({ method: "eth_chainId" }));
    this.#provider = undefined;
    this.#emit();
  }

  /** The wallet's provider; only valid on the configured chain. */
  get provider(): BrowserProvider {
    if (this.status !== "ready") throw new Error("connect your wallet to " + this.config.chainName + " first");
    this.#provider ??= new BrowserProvider(this.wallet!.provider as ConstructorParameters<typeof BrowserProvider>[0], this.config.chainId, {
      pollingInterval: this.config.pollMs,
      cacheTimeout: -1,
    });
    return this.#provider;
  }

  /** For reads: the wallet when it is on the right chain, otherwise the configured public RPC. */
  get reader(): AbstractProvider {
    if (this.status === "ready") return this.provider;
    if (!this.config.rpcUrl) throw new Error("connect your wallet to read the ledger");
    this.#readProvider ??= new JsonRpcProvider(this.config.rpcUrl, this.config.chainId, { staticNetwork: true, pollingInterval: this.config.pollMs });
    return this.#readProvider;
  }

  get canRead(): boolean {
    return this.status === "ready" || !!this.config.rpcUrl;
  }

  async signer(): Promise<JsonRpcSigner> {
    return this.provider.getSigner(this.account);
  }

  /** The SDK actions' context for reads (sdk/actions): pages read the ledger through SDK actions only. */
  readCtx(): SealshareContext {
    return { ledger: connectLedger(this.config.ledger, this.reader), fromBlock: this.config.deployBlock };
  }

  /**
   * The SDK actions' context with the wallet as the acting account: every write goes through it.
   * With the deployment's custody contract when the config names one (threshold custody: the SDK
   * then reads on chain which versions are under a custodian set).
   */
  async ctx(): Promise<SealshareContext & { custody?: SealshareCustody }> {
    const signer = await this.signer();
    return {
      ledger: connectLedger(this.config.ledger, signer),
      signer,
      fromBlock: this.config.deployBlock,
      ...(this.config.custody ? { custody: await custodyAt(this.config.custody, signer) } : {}),
    };
  }


}

/**
 * The custody contract's typed binding, loaded on first use: its factory (ABI and bytecode) is
 * several kB that a first visit to a page does not need (sdk/contracts.ts connectCustody would put
 * it in the shared contracts chunk). The same binding as connectCustody's.
 */
async function custodyAt(address: string, runner: JsonRpcSigner): Promise<SealshareCustody> {
  const { SealshareCustody__factory } = await import("../../../types/ethers-contracts/factories/custody/SealshareCustody__factory.js");
  return SealshareCustody__factory.connect(address, runner);
}

function safeStorage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}
