/**
 * What the threshold-custody actions take first: the action context plus the custody contract
 * (SealshareCustody, deployed beside the ledger; a deployment's optional `custody` address). And
 * their shared plumbing: sending a custody transaction with its revert named, reading its events.
 * Not an action itself (sdk/actions/context.ts is the ledger's counterpart).
 *
 * Why a context field and not a parameter: every custody action needs the same contract, as every
 * action needs the ledger; a client connects it once (`connectCustody(deployment.custody, provider)`).
 *
 * @example
 * ```ts
 * const ctx: CustodyContext = { ledger, custody: connectCustody(deployment.custody!, provider), signer, fromBlock };
 * const set = await getCustodianSet(ctx, { setId: 1 });
 * ```
 */
import { isError, type ContractTransactionReceipt, type ContractTransactionResponse } from "ethers";
import { ICustody__factory, type SealshareCustody } from "../contracts.js";
import { SealshareError } from "../errors.js";
import { requireSigner, sendTx, type SealshareContext } from "./context.js";

export interface CustodyContext extends SealshareContext {
  /** The custody contract, when the deployment has one. Actions that need it say so (NO_CUSTODY). */
  custody?: SealshareCustody;
}

/** Hints for the custody contract's errors, phrased to the person who must act. */
const CUSTODY_HINTS: Record<string, string> = {
  CustodyUnauthorizedAccount: "this needs the ledger's admin (sets, quorum) or a supervisor (minimum thresholds, shred votes)",
  CustodyLedgerPaused: "the ledger is paused by its admin; try again once it is unpaused",
  CustodyInvalidSetSize: "a set has 1 to 16 custodians",
  CustodyInvalidThreshold: "the threshold must be between 1 and the number of custodians",
  CustodyDuplicateCustodian: "name each custodian once",
  CustodyNotCustodian: "ask the ledger's admin to grant CUSTODIAN_ROLE to that account first",
  CustodyNoCustodianKey: "the custodian must publish its share key first (a custodian publishes it when it starts)",
  CustodyCustodianKeyChanged: "a custodian rotated its key since the set was registered: the admin must register a new set",
  CustodyUnknownSet: "check the set id (`sealshare custody set show <id>`)",
  CustodySetRetired: "the set was retired: deposit to an active set",
  CustodyNotProvider: "only the dataset's current provider deposits or orders a shred",
  CustodyUnknownVersion: "check the dataset id and version (`sealshare dataset show`)",
  CustodyThresholdBelowMinimum: "the dataset's category needs a higher threshold: use a set with a higher threshold",
  CustodySetAlreadyUsed: "that set already held this version's shares: deposit to another set (`sealshare custody move`)",
  CustodyVersionShredded: "the version's shares were shredded: publish a new version and deposit its key",
  CustodyNotDeposited: "no shares were deposited for this version (`sealshare custody deposit`)",
  CustodyAlreadyVoted: "each supervisor votes once; another supervisor must vote",
  CustodyNotInSet: "only a custodian of that set confirms its shred",
  CustodyShredNotOrdered: "no shred was ordered for that set and version",
  CustodyAlreadyConfirmed: "that custodian already confirmed",
};

/** The custody contract, or NO_CUSTODY naming what is missing. */
export function requireCustody(ctx: CustodyContext): SealshareCustody {
  if (!ctx.custody) {
    throw new SealshareError("NO_CUSTODY", "this deployment names no threshold-custody contract", {
      hint: "use a deployment file with a `custody` address (deployments made before threshold custody have none)",
    });
  }
  return ctx.custody;
}

/** The custody contract connected to the context's signer. */
export function custodyWriter(ctx: CustodyContext): SealshareCustody {
  return requireCustody(ctx).connect(requireSigner(ctx)) as SealshareCustody;
}

/**
 * A custody contract's revert as a SealshareError named after its custom error; anything else is
 * returned as it came (sendTx has already named the ledger's errors). A view call's error carries
 * the decoded revert (ethers decodes it with the contract's ABI); a transaction's estimate carries
 * only the revert data, decoded here with the custody contract's ABI.
 */
export function asCustodyError(err: unknown): unknown {
  const found = findRevert(err);
  if (!found || !found.name.startsWith("Custody")) return err;
  const args = found.args.map((a) => (typeof a === "bigint" ? a.toString() : String(a)));
  return new SealshareError(found.name, `the custody contract refused: ${found.name}(${args.join(", ")})`, {
    details: { args },
    hint: CUSTODY_HINTS[found.name],
    cause: err,
  });
}

const custodyInterface = ICustody__factory.createInterface();

function findRevert(err: unknown): { name: string; args: unknown[] } | undefined {
  if (!isError(err, "CALL_EXCEPTION")) return undefined;
  if (err.revert) return { name: err.revert.name, args: [...err.revert.args] };
  if (typeof err.data !== "string" || err.data.length < 10) return undefined;
  try {
    const parsed = custodyInterface.parseError(err.data);
    return parsed ? { name: parsed.name, args: [...parsed.args] } : undefined;
  } catch {
    return undefined;
  }
}

/** Sends a custody transaction and waits for it; reverts come back named (custody, then ledger errors). */
export async function sendCustodyTx(send: () => Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  try {
    return await sendTx(send);
  } catch (err) {
    throw asCustodyError(err);
  }
}

/** A custody view call; a revert becomes a named SealshareError. */
export async function readCustody<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw asCustodyError(err);
  }
}

/** The arguments of every `name` event the custody contract emitted in `receipt`, in log order. */
export function custodyEventsIn(ctx: CustodyContext, receipt: ContractTransactionReceipt, name: string): Record<string, unknown>[] {
  const custody = requireCustody(ctx);
  const out: Record<string, unknown>[] = [];
  for (const log of receipt.logs) {
    let parsed;
    try {
      parsed = custody.interface.parseLog(log);
    } catch {
      continue;
    }
    if (parsed?.name === name) out.push(parsed.args.toObject());
  }
  return out;
}
