/**
 * A deployment on a local chain, as `sealshare dev` and the CLI tests make it: the ledger
 * deployed with its roles wired by the constructor (sdk/contracts.ts deployLedger), the
 * threshold-custody contract beside it (deployCustody), the deployment file written where the
 * CLI and the custodian read it, and the key custodian as its
 * own process (devkit/custodian-process.ts) with fresh secrets, its database and log in the
 * world's folder. One step each, so every local world is deployed and served the same way.
 */
import { join } from "node:path";
import { hexlify, randomBytes, type Signer } from "ethers";
import { deployCustody, deployLedger, type Deployment, type Sealshare, type SealshareCustody } from "../sdk/contracts.js";
import { writeDeployment } from "../sdk/deployment-file.js";
import { startCustodianProcess, type CustodianProcess, type CustodianProcessOptions } from "./custodian-process.js";

export interface LocalDeployment {
  ledger: Sealshare;
  /** SealshareCustody, deployed beside the ledger (its address is the deployment's `custody`). */
  custody: SealshareCustody;
  deployment: Deployment & { custody: string };
  /** Where the deployment file was written (`<dir>/deployment.json`). */
  deploymentPath: string;
}

/**
 * `admin` deploys the ledger with `supervisors` and `custodian` (addresses) wired, then the
 * custody contract beside it, and the deployment file (with `custody`) is written to
 * `<dir>/deployment.json`.
 */
export async function deployToFolder(admin: Signer, roles: { supervisors: readonly string[]; custodian: string }, dir: string): Promise<LocalDeployment> {
  const { ledger, deployment: ledgerDeployment } = await deployLedger(admin, { supervisors: [...roles.supervisors], custodian: roles.custodian });
  const { custody, address } = await deployCustody(admin, ledgerDeployment.ledger);
  const deployment = { ...ledgerDeployment, custody: address };
  const deploymentPath = join(dir, "deployment.json");
  await writeDeployment(deploymentPath, deployment);
  return { ledger, custody, deployment, deploymentPath };
}

/**
 * Starts the custodian process for a deployment written by {@link deployToFolder}: signing as
 * `custodianKey`, with a fresh ECIES key and master key (a local world never reuses secrets), its
 * SQLite database at `<dir>/custodian.db` and its log at `<dir>/custodian.log`.
 *
 * A harness that restarts the custodian over the same database (the fault harness) passes the
 * secrets of its first start each time, and may name another database (`dbPath`, a PostgreSQL URL).
 */
export function startLocalCustodian(
  o: { rpcUrl: string; deploymentPath: string; dir: string; custodianKey: string } & Pick<CustodianProcessOptions, "pollMs" | "confirmations" | "receipts" | "env" | "timeoutMs"> &
    Partial<Pick<CustodianProcessOptions, "eciesKey" | "masterKey" | "dbPath">>,
): Promise<CustodianProcess> {
  const { dir, ...rest } = o;
  return startCustodianProcess({
    ...rest,
    dbPath: o.dbPath ?? join(dir, "custodian.db"),
    logPath: join(dir, "custodian.log"),
    eciesKey: o.eciesKey ?? hexlify(randomBytes(32)),
    masterKey: o.masterKey ?? hexlify(randomBytes(32)),
  });
}
