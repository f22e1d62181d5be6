/**
 * ADAPTER — Sign-In with Ethereum (EIP-4361) to the custodian, for its server-sent events
 * (service/http/siwe.ts: POST /v1/auth/nonce, POST /v1/auth/siwe → a Bearer session token).
 * The SDK's CustodianClient has no sign-in yet; when it gets one, call it from here.
 *
 * The token lives in memory only (never in storage): a reload means signing in again.
 */
import { getAddress, type Signer } from "ethers";
import { NonceSchema, SessionSchema, type Session as CustodianSession } from "../../../sdk/api/schemas.js";

export type { CustodianSession };

async function postJson(url: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => undefined)) as { detail?: string } | undefined;
  if (!res.ok) throw new Error(`the custodian refused the sign-in: ${json?.detail ?? `HTTP ${res.status}`}`);
  return json;
}

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

export async function signInToCustodian(baseUrl: string, signer: Signer, chainId: number, origin = location.origin): Promise<CustodianSession> {
  const nonce = NonceSchema.parse(await postJson(`${baseUrl}/v1/auth/nonce`));
  const issuedAt = new Date();
  const message = siweMessage({
    domain: new URL(origin).host,
    address: await signer.getAddress(),
    statement: "Sign in to the Sealshare key custodian to get live updates about your access requests. This is not a transaction and costs nothing.",
    uri: origin,
    chainId,
    nonce: nonce.nonce,
    issuedAt,
    expiresAt: new Date(issuedAt.getTime() + 15 * 60_000),
  });
  const signature = await signer.signMessage(message);
  return SessionSchema.parse(await postJson(`${baseUrl}/v1/auth/siwe`, { message, signature }));
}
