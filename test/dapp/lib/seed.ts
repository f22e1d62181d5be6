/**
 * Sets up, through the SDK (outside the browser), what a browser test is not about: members,
 * device keys, a dataset with its key at the custodian, consents and requests. The story test
 * (story.test.ts) does each of these steps in the browser; the other tests start from a ledger
 * seeded here and spend their browser time on what they check.
 *
 * Device keys are derived exactly as the dapp derives them (sdk/crypto/wallet-key.ts), so the
 * requester's page can re-derive the key a seeded request names and decrypt.
 */
import { id } from "ethers";
import { approveRequest } from "../../../sdk/actions/approve-request.js";
import type { SealshareContext } from "../../../sdk/actions/context.js";
import { depositKey } from "../../../sdk/actions/deposit-key.js";
import { publishEncryptionKey } from "../../../sdk/actions/publish-encryption-key.js";
import { registerDataset, type Policy } from "../../../sdk/actions/register-dataset.js";
import { registerMember } from "../../../sdk/actions/register-member.js";
import { requestAccess } from "../../../sdk/actions/request-access.js";
import { signConsent, type SignConsentResult } from "../../../sdk/actions/sign-consent.js";
import { connectLedger } from "../../../sdk/contracts.js";
import { deriveEncryptionKey } from "../../../sdk/crypto/wallet-key.js";
import { CustodianClient } from "../../../sdk/custodian-client.js";
import { DISPLAY, type RoleName, type World } from "./world.js";

/** The SDK's action context for `name`, acting with its own account. */
export function actAs(world: World, name: RoleName): SealshareContext {
  const signer = world.wallet(name);
  return { ledger: connectLedger(world.deployment.ledger, signer), signer, fromBlock: world.deployment.deployBlock };
}

/** The supervisor registers each institution, its display name ("Bank") in its record: the pages show it as verified. */
export async function registerMembers(world: World, names: RoleName[]): Promise<void> {
  for (const name of names) await registerMember(actAs(world, "supervisor"), { member: world.addresses[name], kycRef: `KYC-${name}`, name: DISPLAY[name] });
}

/** `name` derives its device key from its wallet, as the dapp does, and registers it (with its proof of possession). */
export async function registerDeviceKey(world: World, name: RoleName, device: string): Promise<void> {
  const keys = await deriveEncryptionKey(world.wallet(name), { chainId: BigInt(world.deployment.chainId), deviceId: id(device) });
  await publishEncryptionKey(actAs(world, name), { device, keyPair: keys });
}

export const POLICY: Policy = { requireProvider: true, supervisorQuorum: 1, maxTemporary: 3600, maxFormal: 30 * 86_400 };

/** `provider` encrypts the file, stores it where the dapp fetches blobs, registers it and deposits the key. */
export async function publishDataset(world: World, p: { provider: RoleName; subject: RoleName; file: string; policy?: Policy; category?: string }): Promise<bigint> {
  const ctx = actAs(world, p.provider);
  const ds = await registerDataset(ctx, {
    subject: world.addresses[p.subject],
    category: p.category ?? "deposit",
    policy: p.policy ?? POLICY,
    source: { plaintext: p.file },
    blobStore: world.server.blobs,
  });
  try {
    const custodian = new CustodianClient(world.custodian.url, { chainId: world.deployment.chainId, ledger: world.deployment.ledger });
    await depositKey(ctx, { custodian, datasetId: ds.datasetId, version: ds.version, dek: ds.dek });
  } finally {
    ds.dek.fill(0);
  }
  return ds.datasetId;
}

/** `subject` signs a consent for `requester` (underwriting, 30 days, up to formal) to one dataset. */
export function consentFor(world: World, p: { subject: RoleName; requester: RoleName; datasetId: bigint }): Promise<SignConsentResult> {
  return signConsent(actAs(world, p.subject), {
    requester: world.addresses[p.requester],
    datasetId: p.datasetId,
    purpose: "underwriting",
    maxKind: "formal",
    validFor: "30d",
    deadlineIn: 86_400,
  });
}

/**
 * `requester` asks for the dataset under a fresh signed consent of `subject`, relayed with the
 * request; then each of `approvals` approves. Returns the request id.
 */
export async function request(
  world: World,
  p: { requester: RoleName; subject: RoleName; datasetId: bigint; device: string; kind?: "temporary" | "formal"; approvals?: ("provider" | "supervisor")[]; provider?: RoleName },
): Promise<bigint> {
  const consent = await consentFor(world, p);
  const r = await requestAccess(actAs(world, p.requester), {
    datasetId: p.datasetId,
    purpose: "underwriting",
    kind: p.kind ?? "formal",
    duration: "7d",
    device: p.device,
    consent: consent.terms,
    signature: consent.signature,
  });
  for (const as of p.approvals ?? []) {
    await approveRequest(actAs(world, as === "provider" ? (p.provider ?? "bank") : "supervisor"), { requestId: r.requestId, as });
  }
  return r.requestId;
}
