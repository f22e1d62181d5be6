/**
 * An account signs in to the custodian with Ethereum (EIP-4361), for its server-sent events and
 * session-authenticated reads: the custodian's nonce, a message naming the app's domain and
 * origin, this chain and a 15-minute expiry, signed by the account (a personal_sign, no
 * transaction), exchanged for a session the client validates. Browser-safe; the message is
 * written here (the EIP-4361 text, no optional Resources) rather than with the `siwe` package,
 * which the custodian uses to parse it, to keep it out of the dapp's bundle.
 *
 * @example
 * ```ts
 * const session = await signInToCustodian(ctx, {
 *   custodian, origin: location.origin, statement: "Sign in to get live updates about your requests.",
 * });
 * const events = new EventSource(custodian.eventsUrl(session.token));
 * ```
 */
import { getAddress } from "ethers";
import type { CustodianClient, CustodianSession } from "../custodian-client.js";
import { providerOf, requireSigner, type SealshareContext } from "./context.js";

export interface SignInToCustodianParams {
  custodian: CustodianClient;
  /** The app's origin (`https://app.example`): its host is the message's domain, the origin its URI. */
  origin: string;
  /** What the person reads in the wallet. */
  statement: string;
  /** How long the session may last; default 15 minutes (the custodian's cap). */
  validForMs?: number;
}

/** The EIP-4361 message text (no optional Resources). */
export function siweMessage(p: { domain: string; address: string; statement: string; uri: string; chainId: number | bigint; nonce: string; issuedAt: Date; expiresAt: Date }): string {
  return [
    `${p.domain} wants you to sign in with your Ethereum account:`,
    getAddress(p.address),
    "",
    p.statement,
    "",
    `URI: ${p.uri}`,
    "Version: 1",
    `Chain ID: ${p.chainId}`,
    `Nonce: ${p.nonce}`,
    `Issued At: ${p.issuedAt.toISOString()}`,
    `Expiration Time: ${p.expiresAt.toISOString()}`,
  ].join("\n");
}

/** Errors: `NO_ACCOUNT`, CustodianError (`siwe-rejected`, …), `CUSTODIAN_BAD_ANSWER`. */
export async function signInToCustodian(ctx: SealshareContext, p: SignInToCustodianParams): Promise<CustodianSession> {
  const signer = requireSigner(ctx);
  const [address, { chainId }] = await Promise.all([signer.getAddress(), providerOf(ctx).getNetwork()]);
  return p.custodian.signIn(signer, (nonce) => {
    const issuedAt = new Date();
    return siweMessage({
      domain: new URL(p.origin).host,
      address,
      statement: p.statement,
      uri: p.origin,
      chainId,
      nonce,
      issuedAt,
      expiresAt: new Date(issuedAt.getTime() + (p.validForMs ?? 15 * 60_000)),
    });
  });
}
