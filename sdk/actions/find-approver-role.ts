/**
 * As whom an account can approve a request: `provider` when it is the current provider of the
 * request's dataset (checked first: a provider that is also a supervisor approves as provider),
 * else `supervisor` when it holds SUPERVISOR_ROLE now. What `approveRequest` needs as `as` when
 * the person did not say.
 *
 * @example
 * ```ts
 * const { role } = await findApproverRole(bankCtx, { requestId });
 * await approveRequest(bankCtx, { requestId, as: role });
 * ```
 */
import { getAddress } from "ethers";
import { SUPERVISOR_ROLE } from "../contracts.js";
import { SealshareError } from "../errors.js";
import { readCall, requireSigner, toAddress, type SealshareContext } from "./context.js";

export interface FindApproverRoleParams {
  requestId: bigint;
  /** The account that would approve; default the context's signer. */
  account?: string;
}

export interface FindApproverRoleResult {
  requestId: bigint;
  datasetId: bigint;
  account: string;
  role: "provider" | "supervisor";
}

/** Errors: `NOT_APPROVER` (neither the provider nor a supervisor), `INVALID_ADDRESS`, `AccessUnknownRequest`, `DatasetsUnknown`. */
export async function findApproverRole(ctx: SealshareContext, p: FindApproverRoleParams): Promise<FindApproverRoleResult> {
  const account = toAddress(p.account ?? (await requireSigner(ctx).getAddress()), "account");
  const r = await readCall(() => ctx.ledger.requestOf(p.requestId));
  const d = await readCall(() => ctx.ledger.dataset(r.datasetId));
  const found = { requestId: p.requestId, datasetId: r.datasetId, account };
  if (getAddress(d.provider) === account) return { ...found, role: "provider" };
  if (await readCall(() => ctx.ledger.hasRole(SUPERVISOR_ROLE, account))) return { ...found, role: "supervisor" };
  throw new SealshareError("NOT_APPROVER", `${account} is neither dataset #${r.datasetId}'s provider nor a supervisor`, {
    hint: "approve with the provider's or a supervisor's account (--as / --keystore)",
    details: { requestId: p.requestId.toString(), datasetId: r.datasetId.toString(), account },
  });
}
