/**
 * A threshold-custody set on a local chain, as `sealshare dev` and the demo run it: n custodians,
 * each its OWN process (devkit/custodian-process.ts) with its own account (CUSTODIAN_ROLE granted
 * by the admin), ECIES key, master key, SQLite file, log and port, registered on chain as a t-of-n
 * set (SealshareCustody.registerSet). 1-of-1 is a set like any other.
 *
 * Member 0 keeps the single custodian's file names (`custodian.db`, `custodian.log`), so a world
 * that had one custodian keeps its paths and its `custodianUrl`: that custodian is the set's first.
 * Members 1… use `custodian-2.db`/`custodian-2.log`, and so on.
 *
 * The processes start one after another: three tsx processes starting at once crowd a 2-core
 * machine, and each publishes its share key (a transaction) when it starts. A member's secrets are
 * kept so {@link CustodianSet.restart} brings it back over the same database.
 */
import { join } from "node:path";
import { hexlify, randomBytes, Wallet, type Signer } from "ethers";
import { CUSTODIAN_ROLE, type Sealshare, type SealshareCustody } from "../sdk/contracts.js";
import { CUSTODIAN_DEVICE_ID, mined, registerCustodianSet } from "./build.js";
import { startCustodianProcess, type CustodianProcess, type CustodianProcessOptions } from "./custodian-process.js";

export interface CustodianSetMember {
  /** Position in the set: the custodian holds share `index`. */
  readonly index: number;
  readonly address: string;
  /** The service's base URL (a restart may change the port: read it again). */
  url: string;
  readonly dbPath: string;
  readonly logPath: string;
  /** False between {@link CustodianSet.stop} and {@link CustodianSet.restart}. */
  running: boolean;
}

export interface CustodianSet {
  readonly setId: number;
  readonly threshold: number;
  readonly members: readonly CustodianSetMember[];
  /** Every member's URL, in set order (a stopped one's last URL: it refuses connections). */
  urls(): string[];
  /** Stops member `index` (SIGTERM, clean shutdown; its database stays). */
  stop(index: number): Promise<void>;
  /** Starts member `index` again with the same secrets and database. */
  restart(index: number): Promise<void>;
  /** Stops every member still running. */
  stopAll(): Promise<void>;
}

export interface StartCustodianSetOptions extends Pick<CustodianProcessOptions, "pollMs" | "confirmations" | "receipts" | "env" | "timeoutMs"> {
  rpcUrl: string;
  /** The deployment file; it must name the custody contract (deployToFolder writes it so). */
  deploymentPath: string;
  /** Where the databases and logs go. */
  dir: string;
  ledger: Sealshare;
  custody: SealshareCustody;
  /** The ledger's admin: grants CUSTODIAN_ROLE where missing and registers the set. */
  admin: Signer;
  /** The custodians' private keys (funded accounts), in set order. */
  custodianKeys: readonly string[];
  threshold: number;
}

/** File names of member `i`: the single custodian's for the first. */
const fileBase = (i: number) => (i === 0 ? "custodian" : `custodian-${i + 1}`);

/**
 * Grants CUSTODIAN_ROLE to each custodian lacking it, starts their processes one by one (each
 * publishes its share key on chain as it starts), and registers them as a `threshold`-of-n set.
 * On a failure, whatever was started is stopped before the error is thrown.
 */
export async function startCustodianSet(o: StartCustodianSetOptions): Promise<CustodianSet> {
  const admin = o.ledger.connect(o.admin) as Sealshare;
  const procs: (CustodianProcess | undefined)[] = [];
  const specs = o.custodianKeys.map((key, i) => ({
    custodianKey: key,
    address: new Wallet(key).address,
    eciesKey: hexlify(randomBytes(32)),
    masterKey: hexlify(randomBytes(32)),
    dbPath: join(o.dir, `${fileBase(i)}.db`),
    logPath: join(o.dir, `${fileBase(i)}.log`),
  }));
  const launch = (i: number) => {
    const s = specs[i]!;
    return startCustodianProcess({
      rpcUrl: o.rpcUrl,
      deploymentPath: o.deploymentPath,
      dbPath: s.dbPath,
      logPath: s.logPath,
      custodianKey: s.custodianKey,
      eciesKey: s.eciesKey,
      masterKey: s.masterKey,
      pollMs: o.pollMs,
      confirmations: o.confirmations,
      receipts: o.receipts,
      env: o.env,
      timeoutMs: o.timeoutMs,
    });
  };
  const stopAll = async () => {
    for (const p of procs) await p?.stop().catch(() => undefined);
  };
  try {
    for (const s of specs) {
      if (!(await o.ledger.hasRole(CUSTODIAN_ROLE, s.address))) await mined(admin.grantRole(CUSTODIAN_ROLE, s.address));
    }
    for (const i of specs.keys()) procs.push(await launch(i));
    // The custody contract records each custodian's live share key: each must be on chain first.
    for (const s of specs) {
      for (let tries = 0; (await o.ledger.currentKeyId(s.address, CUSTODIAN_DEVICE_ID)) === 0n; tries++) {
        if (tries > 100) throw new Error(`custodian ${s.address} did not publish its share key; see ${s.logPath}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const setId = Number(await registerCustodianSet(o.custody, o.admin, specs.map((s) => s.address), o.threshold));
    const members: CustodianSetMember[] = specs.map((s, i) => ({ index: i, address: s.address, url: procs[i]!.url, dbPath: s.dbPath, logPath: s.logPath, running: true }));
    return {
      setId,
      threshold: o.threshold,
      members,
      urls: () => members.map((m) => m.url),
      async stop(i) {
        await procs[i]?.stop();
        procs[i] = undefined;
        members[i]!.running = false;
      },
      async restart(i) {
        if (procs[i]) return;
        procs[i] = await launch(i);
        members[i]!.url = procs[i]!.url;
        members[i]!.running = true;
      },
      async stopAll() {
        await stopAll();
        for (const m of members) m.running = false;
        procs.length = 0;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
