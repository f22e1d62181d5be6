/**
 * Sign-In with Ethereum to the custodian, for its server-sent events: the SDK's
 * signInToCustodian (sdk/actions/sign-in-to-custodian.ts); the dapp only says what the person
 * reads in the wallet. The token lives in memory only (never in storage): a reload means signing
 * in again.
 */
import type { Session as CustodianSession } from "../../../sdk/api/schemas.js";
import type { SealshareContext } from "../../../sdk/actions/context.js";
import { signInToCustodian as signIn } from "../../../sdk/actions/sign-in-to-custodian.js";
import type { DappConfig } from "./config.js";
import { custodianFor } from "./custodian.js";

export type { CustodianSession };

const STATEMENT = "Sign in to the Sealshare key custodian to get live updates about your access requests. This is not a transaction and costs nothing.";

export function signInToCustodian(config: DappConfig, ctx: SealshareContext, origin = location.origin): Promise<CustodianSession> {
  return signIn(ctx, { custodian: custodianFor(config), origin, statement: STATEMENT });
}
