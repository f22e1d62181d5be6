/**
 * Finding the user's wallet: EIP-6963 multi-wallet discovery (wallets announce themselves on
 * `eip6963:announceProvider` after the page asks with `eip6963:requestProvider`), with the
 * legacy `window.ethereum` as a fallback for wallets that do not announce.
 *
 * Preference order: MetaMask (rdns `io.metamask*`), then the first wallet that announced, then
 * `window.ethereum`. The user can pick another one when several announced.
 */

/** EIP-1193. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): void;
  removeListener?(event: string, listener: (...args: unknown[]) => void): void;
}

/** EIP-6963 `EIP6963ProviderInfo`. */
export interface WalletInfo {
  uuid: string;
  name: string;
  icon: string; // data: URI
  rdns: string;
}

export interface WalletDetail {
  info: WalletInfo;
  provider: Eip1193Provider;
}

export const LEGACY_RDNS = "window.ethereum";

interface DiscoveryTarget {
  addEventListener(type: string, fn: (e: Event) => void): void;
  removeEventListener(type: string, fn: (e: Event) => void): void;
  dispatchEvent(e: Event): boolean;
  ethereum?: unknown;
}

function isProvider(p: unknown): p is Eip1193Provider {
  return typeof p === "object" && p !== null && typeof (p as Eip1193Provider).request === "function";
}

function isDetail(d: unknown): d is WalletDetail {
  const info = (d as WalletDetail | null)?.info;
  return isProvider((d as WalletDetail | null)?.provider) && typeof info?.uuid === "string" && typeof info?.name === "string" && typeof info?.rdns === "string";
}

/**
 * Listens for announcements for as long as the page lives (wallets may announce late) and calls
 * `onChange` with the deduplicated list each time a new one arrives. Returns a stop function.
 */
export function watchWallets(target: DiscoveryTarget, onChange: (wallets: WalletDetail[]) => void): () => void {
  const found = new Map<string, WalletDetail>();
  const onAnnounce = (e: Event) => {
    const detail = (e as CustomEvent).detail as unknown;
    if (!isDetail(detail) || found.has(detail.info.uuid)) return;
    found.set(detail.info.uuid, detail);
    onChange([...found.values()]);
  };
  target.addEventListener("eip6963:announceProvider", onAnnounce);
  target.dispatchEvent(new Event("eip6963:requestProvider"));
  return () => target.removeEventListener("eip6963:announceProvider", onAnnounce);
}

/** Collects the wallets that announce within `ms` milliseconds. */
export function discoverWallets(target: DiscoveryTarget, ms = 200): Promise<WalletDetail[]> {
  return new Promise((resolve) => {
    let latest: WalletDetail[] = [];
    const stop = watchWallets(target, (w) => (latest = w));
    setTimeout(() => {
      stop();
      resolve(latest);
    }, ms);
  });
}

/** The legacy injected provider as a WalletDetail, if there is one. */
export function legacyWallet(target: { ethereum?: unknown }): WalletDetail | undefined {
  const eth = target.ethereum;
  if (!isProvider(eth)) return undefined;
  const isMetaMask = (eth as { isMetaMask?: boolean }).isMetaMask === true;
  return {
    info: { uuid: LEGACY_RDNS, name: isMetaMask ? "MetaMask" : "Browser wallet", icon: "", rdns: LEGACY_RDNS },
    provider: eth,
  };
}

export function isMetaMask(w: WalletDetail): boolean {
  return /^io\.metamask(\.|$)/.test(w.info.rdns);
}

/**
 * Orders the wallets the user can choose from: announced MetaMask first, other announced
 * wallets in announcement order, then `window.ethereum` unless it is one of the announced
 * providers already. The first entry is the default choice.
 */
export function rankWallets(announced: readonly WalletDetail[], legacy?: WalletDetail): WalletDetail[] {
  const ranked = [...announced.filter(isMetaMask), ...announced.filter((w) => !isMetaMask(w))];
  if (legacy && !announced.some((w) => w.provider === legacy.provider)) ranked.push(legacy);
  return ranked;
}
