/**
 * A stand-in for MetaMask in the test browser: an EIP-1193 provider injected into every page of a
 * browser context (as `window.ethereum` and by an EIP-6963 announcement), whose `request()` calls
 * cross into Node through `exposeFunction`, where an ethers Wallet holding one Hardhat account
 * answers them:
 *
 *   eth_requestAccounts / eth_accounts   the account (eth_accounts is empty until connected)
 *   eth_chainId / net_version            the wallet's current chain (may start on a wrong one)
 *   wallet_switchEthereumChain           to the node's chain, then emits `chainChanged`
 *   eth_sendTransaction                  signed here and sent to the node
 *   eth_signTypedData_v4 / personal_sign signed here (every typed-data request is recorded)
 *   anything else                        forwarded as raw JSON-RPC to the node, errors untouched
 *                                        (so revert data reaches the dapp's decoder as it would)
 */
import { getAddress, getBytes, JsonRpcProvider, toQuantity, Wallet, type TransactionRequest, type TypedDataField } from "ethers";
import type { BrowserContext } from "playwright-core";

export interface SignedTypedData {
  primaryType: string;
  domain: Record<string, unknown>;
  message: Record<string, unknown>;
}

export interface InjectedWallet {
  readonly address: string;
  readonly wallet: Wallet;
  /** Every method the page called, in order. */
  readonly calls: string[];
  /** Every eth_signTypedData_v4 payload the page asked to sign. */
  readonly typedData: SignedTypedData[];
  /** Messages signed with personal_sign (as text). */
  readonly messages: string[];
  /**
   * Holds every ledger read (eth_call, eth_getLogs) the page sends through the wallet until the
   * returned function is called: what the page shows while it loads, observed without a timer.
   */
  holdReads(): () => void;
}

interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

class WalletError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/**
 * In-page part: runs before any page script (addInitScript), so the dapp finds the wallet at
 * once. Kept as plain JavaScript text: a TypeScript function serialized by Playwright would carry
 * the test transpiler's helpers (`__name`), which do not exist in the page.
 */
const WALLET_IN_PAGE = String.raw`
(() => {
  const info = __INFO__;
  const listeners = new Map();
  const provider = {
    isSealshareTestWallet: true,
    async request(args) {
      const answer = await window.__sealshareWallet(args.method, args.params === undefined ? [] : args.params);
      for (const [event, arg] of answer.events || []) setTimeout(() => (listeners.get(event) || new Set()).forEach((fn) => fn(arg)), 0);
      if (answer.error) {
        const e = new Error(answer.error.message);
        e.code = answer.error.code;
        e.data = answer.error.data;
        throw e;
      }
      return answer.result;
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
      return provider;
    },
    removeListener(event, fn) {
      const set = listeners.get(event);
      if (set) set.delete(fn);
      return provider;
    },
  };
  Object.defineProperty(window, "ethereum", { value: provider, configurable: true, writable: false });
  const announce = () =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info: Object.freeze(Object.assign({}, info)), provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();
`;

export interface InjectOptions {
  privateKey: string;
  rpcUrl: string;
  /** The node's chain id. */
  chainId: number;
  /** The chain the wallet is on when the page opens (default: the node's). */
  startChainId?: number;
  name?: string;
}

/** Injects the wallet into every page of `context`. */
export async function injectWallet(context: BrowserContext, o: InjectOptions): Promise<InjectedWallet> {
  const provider = new JsonRpcProvider(o.rpcUrl, o.chainId, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
  const wallet = new Wallet(o.privateKey, provider);
  const state = { chainId: o.startChainId ?? o.chainId, connected: false };
  const calls: string[] = [];
  const typedData: SignedTypedData[] = [];
  const messages: string[] = [];
  let queue: Promise<unknown> = Promise.resolve(); // one transaction at a time per account (nonces)
  let rpcId = 0;
  let readsHeld: Promise<void> | undefined;

  const forward = async (method: string, params: unknown): Promise<unknown> => {
    const res = await fetch(o.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
    });
    const body = (await res.json()) as { result?: unknown; error?: RpcError };
    if (body.error) throw new WalletError(body.error.code, body.error.message, body.error.data);
    return body.result;
  };

  const mine = (from: unknown) => {
    if (typeof from === "string" && getAddress(from) !== wallet.address) throw new WalletError(4100, `this wallet does not hold ${from}`);
  };

  const handle = async (method: string, params: unknown[]): Promise<{ result: unknown; events?: [string, unknown][] }> => {
    switch (method) {
      case "eth_requestAccounts":
        state.connected = true;
        return { result: [wallet.address] };
      case "eth_accounts":
        return { result: state.connected ? [wallet.address] : [] };
      case "eth_chainId":
        return { result: toQuantity(state.chainId) };
      case "net_version":
        return { result: String(state.chainId) };
      case "wallet_switchEthereumChain": {
        const wanted = Number((params[0] as { chainId: string }).chainId);
        if (wanted !== o.chainId) throw new WalletError(4902, `Unrecognized chain ID ${wanted}. Try adding the chain using wallet_addEthereumChain first.`);
        const changed = state.chainId !== wanted;
        state.chainId = wanted;
        return { result: null, events: changed ? [["chainChanged", toQuantity(wanted)]] : [] };
      }
      case "eth_sendTransaction": {
        if (!state.connected) throw new WalletError(4100, "not connected");
        const tx = params[0] as Record<string, string | undefined>;
        mine(tx.from);
        const req: TransactionRequest = {
          to: tx.to,
          data: tx.data ?? tx.input,
          value: tx.value ? BigInt(tx.value) : 0n,
          gasLimit: tx.gas ? BigInt(tx.gas) : undefined,
        };
        const send = queue.then(() => wallet.sendTransaction(req));
        queue = send.catch(() => undefined);
        return { result: (await send).hash };
      }
      case "eth_signTypedData_v4": {
        mine(params[0]);
        const payload = JSON.parse(params[1] as string) as {
          domain: Record<string, unknown>;
          types: Record<string, TypedDataField[]>;
          primaryType: string;
          message: Record<string, unknown>;
        };
        typedData.push({ primaryType: payload.primaryType, domain: payload.domain, message: payload.message });
        const types = { ...payload.types };
        delete types.EIP712Domain;
        return { result: await wallet.signTypedData(payload.domain, types, payload.message) };
      }
      case "personal_sign": {
        mine(params[1]);
        const bytes = getBytes(params[0] as string);
        messages.push(new TextDecoder().decode(bytes));
        return { result: await wallet.signMessage(bytes) };
      }
      case "wallet_addEthereumChain":
        throw new WalletError(4200, "this test wallet only knows the local chain");
      default:
        if (readsHeld && (method === "eth_call" || method === "eth_getLogs")) await readsHeld;
        return { result: await forward(method, params) };
    }
  };

  await context.exposeFunction("__sealshareWallet", async (method: string, params: unknown) => {
    calls.push(method);
    try {
      return await handle(method, Array.isArray(params) ? params : [params]);
    } catch (err) {
      if (err instanceof WalletError) return { error: { code: err.code, message: err.message, data: err.data } };
      const e = err as { code?: unknown; shortMessage?: string; message?: string; data?: unknown; info?: { error?: RpcError } };
      return { error: { code: -32603, message: e.shortMessage ?? e.message ?? String(err), data: e.info?.error?.data ?? e.data } };
    }
  });
  const info = {
    uuid: `sealshare-test-${wallet.address.slice(2, 10)}`,
    name: o.name ?? "Test Wallet",
    rdns: "org.sealshare.test-wallet",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E",
  };
  await context.addInitScript({ content: WALLET_IN_PAGE.replace("__INFO__", JSON.stringify(info)) });
  const holdReads = () => {
    let release!: () => void;
    readsHeld = new Promise<void>((r) => (release = r));
    return () => {
      readsHeld = undefined;
      release();
    };
  };
  return { address: wallet.address, wallet, calls, typedData, messages, holdReads };
}
