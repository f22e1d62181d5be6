/**
 * Sign-In with Ethereum (EIP-4361) to the custodian, for its server-sent events: the SDK client's
 * `signIn` (nonce, signature, validated session answer); the dapp only words the message (its
 * host, origin and statement).
 *
 * The token lives in memory only (never in storage): a reload means signing in again.
 */
import { getAddress, type Signer } from "ethers";
import type { Session as CustodianSession } from "../../../sdk/api/schemas.js";
import type { DappConfig } from "./config.js";
import { custodianFor } from "./custodian.js";

export type { CustodianSession };

/** The EIP-4361 message text (no optional Resources). */
export function siweMessage(p: { domain: string; address: string; statement: string; uri: string; chainId: number; nonce: string; issuedAt: Date; expiresAt: Date }): string {
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

export async function signInToCustodian(config: DappConfig, signer: Signer, origin = location.origin): Promise<CustodianSession> {
  const address = await signer.getAddress();
  return custodianFor(config).signIn(signer, (nonce) => {
    const issuedAt = new Date();
    return siweMessage({
      domain: new URL(origin).host,
      address,
      statement: "Sign in to the Sealshare key custodian to get live updates about your access requests. This is not a transaction and costs nothing.",
      uri: origin,
      chainId: config.chainId,
      nonce,
      issuedAt,
      expiresAt: new Date(issuedAt.getTime() + 15 * 60_000),
    });
  });
}
