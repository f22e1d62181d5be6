/**
 * What every threshold-custody test with real custodian processes sets up first: the custody
 * contract beside the world's ledger, a deployment file that names it, and three custodian
 * accounts (Hardhat accounts 8, 9, 10) granted CUSTODIAN_ROLE, each with its own ECIES key, master
 * key, database and log path — ready for devkit/custodian-process.ts to start.
 */
import { join } from "node:path";
import { hexlify, randomBytes, Wallet } from "ethers";
import { CUSTODIAN_ROLE, deployCustody, type SealshareCustody } from "../../sdk/contracts.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { writeDeployment } from "../../sdk/deployment-file.js";
import type { World } from "../../devkit/world.js";

export interface CustodyMember {
  wallet: Wallet;
  eciesKey: string;
  masterKey: string;
  /** A SQLite file in the test's folder, unless `dbPathOf` chose another (a PostgreSQL URL). */
  dbPath: string;
  logPath: string;
}

export interface CustodyMembers {
  custody: SealshareCustody;
  deploymentPath: string;
  members: CustodyMember[];
}

/** The custody contract, its deployment file in `dir`, and three custodian accounts with the role. */
export async function prepareCustodyMembers(world: World, dir: string, o: { dbPathOf?: (account: number) => string } = {}): Promise<CustodyMembers> {
  const { admin } = world.accounts;
  const { custody } = await deployCustody(admin, world.deployment.ledger);
  const deploymentPath = join(dir, "deployment.json");
  await writeDeployment(deploymentPath, { ...world.deployment, custody: await custody.getAddress() });
  const members: CustodyMember[] = [];
  for (const i of [8, 9, 10]) {
    const wallet = new Wallet(world.chain.accounts[i]!, world.provider);
    await (await world.ledger.connect(admin).grantRole(CUSTODIAN_ROLE, wallet.address)).wait();
    members.push({
      wallet,
      eciesKey: hexlify(generateEncryptionKeyPair().privateKey),
      masterKey: hexlify(randomBytes(32)),
      dbPath: o.dbPathOf?.(i) ?? join(dir, `custodian-${i}.db`),
      logPath: join(dir, `custodian-${i}.log`),
    });
  }
  return { custody, deploymentPath, members };
}
