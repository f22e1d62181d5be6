/**
 * Threshold custody, measured end to end as it ships: three real custodian services
 * (`tsx service/main.ts`, devkit/custodian-process.ts, each its own account, ECIES key and SQLite
 * file) against one real `hardhat node`, the ledger and SealshareCustody beside it, a 2-of-3 set
 * registered on chain, the version's key dealt with the SDK's `depositShares`
 * (sdk/actions/deposit-shares.ts) and fetched with the SDK's `fetchGrantKey`
 * (sdk/actions/fetch-threshold-key.ts: it takes the threshold path when the chain names a custody
 * record — `fetchThresholdKey`: every custodian asked at once, each envelope checked against the
 * chain, each share verified against the shares root, the first 2 combined and checked against
 * the key commitment — and the single-custodian `fetchKey` path otherwise). Confirmation depth 0,
 * poll {@link POLL_MS} ms, as bench/custodian.ts.
 *
 * Baseline, in the same run on the same chain: the 1-of-1 path — a second dataset whose key is
 * deposited with custodian A alone (`CustodianClient.depositKey`), fetched with the same
 * `fetchGrantKey`. Samples of the two alternate, so machine load weighs on both alike.
 *
 *  - `custodian.threshold.release.p50_ms` / `p99_ms`: one grant per block (automine), timed from
 *    its eth_sendRawTransaction returning (mined) to `fetchGrantKey` returning the key. The
 *    requester waits for the release by polling the custodians' release counters
 *    (`sealshare_releases_total` on /metrics, unsigned, every ~5 ms) until t of them (1 for the
 *    baseline) have released, then calls `fetchGrantKey` once — so the figure is the custodians'
 *    release plus ONE full SDK fetch (signed fetches of all n, checks, combine), not the SDK's
 *    own pending back-off (≥ 200 ms between polls). One warm-up grant of each path first, not
 *    counted.
 *  - `custodian.threshold.release.ops`: `burstGrants` grants mined in ONE block (automine off);
 *    from that block to t custodians' release counters at all of them (every grant then has t
 *    shares fetchable); a few of them are then fetched and combined with `fetchGrantKey`, which
 *    must return the dealt key. Baseline: the same burst on the 1-of-1 dataset, to custodian A's
 *    counter.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { id, JsonRpcProvider, Network, Wallet } from "ethers";
import { consentTerms, giveConsent, publishDeviceKey, registerCustodianSet, registerMembers, registerPlaceholderDataset } from "../devkit/build.js";
import type { CustodianProcess } from "../devkit/custodian-process.js";
import { startLocalChain } from "../devkit/local-chain.js";
import { connectCustody, CUSTODIAN_ROLE, deployCustody, deployLedger, type Sealshare, type SealshareCustody } from "../sdk/contracts.js";
import { writeDeployment } from "../sdk/deployment-file.js";
import { generateEncryptionKeyPair } from "../sdk/crypto/ecies.js";
import { CustodianClient } from "../sdk/custodian-client.js";
import { depositShares } from "../sdk/actions/deposit-shares.js";
import { fetchGrantKey } from "../sdk/actions/fetch-grant-key.js";
import type { CustodyContext } from "../sdk/actions/custody-context.js";
import { GrantKind, Purpose } from "../sdk/vocabulary.js";
import { POLL_MS, releasesTotal, startCustodian } from "./custodian.js";
import { entry, median, percentile, type Entry } from "./lib/harness.js";
import type { Profile } from "./lib/profiles.js";
import { RawSender } from "./lib/raw-sender.js";

const DAY = 86_400;
/** Grants at once: no provider approval, no supervisor, formal grants up to 30 days. */
const INSTANT = { requireProvider: false, supervisorQuorum: 0, maxTemporary: 0, maxFormal: 30 * DAY };
const DEVICE = id("bench/threshold-requester-device");
const THRESHOLD = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** Waits until at least `need` of `urls` have released `more` envelopes beyond `before`; resolves at that moment (performance.now()). */
async function untilReleased(urls: string[], before: number[], more: number, need: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await Promise.all(urls.map((u) => releasesTotal(u)));
    if (now.filter((n, i) => n - before[i]! >= more).length >= need) return performance.now();
    if (Date.now() > deadline) throw new Error(`only ${now.map((n, i) => n - before[i]!).join("/")} of ${more} releases after ${timeoutMs} ms`);
    await sleep(5);
  }
}

export async function runThreshold(profile: Profile, say: (line: string) => void): Promise<Entry[]> {
  const { latencySamples, burstGrants } = profile.threshold;
  const dir = await mkdtemp(join(tmpdir(), "sealshare-bench-threshold-"));
  say("threshold: starting a hardhat node");
  const chain = await startLocalChain({ accounts: 10 });
  const provider = new JsonRpcProvider(chain.url, Network.from(31337n), { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  const wallet = (i: number) => new Wallet(chain.accounts[i]!, provider);
  const [admin, supervisor, bank, insurer, subject] = [0, 1, 3, 4, 5].map(wallet) as [Wallet, Wallet, Wallet, Wallet, Wallet];
  const custodianAccounts = [2, 6, 7];
  const procs: CustodianProcess[] = [];
  let failed = true;
  try {
    const { ledger, deployment } = await deployLedger(admin, { supervisors: [supervisor.address], custodian: wallet(2).address });
    const { address: custodyAddress } = await deployCustody(admin, deployment.ledger);
    const deploymentPath = join(dir, "deployment.json");
    await writeDeployment(deploymentPath, { ...deployment, custody: custodyAddress });
    for (const i of custodianAccounts.slice(1)) await (await ledger.connect(admin).grantRole(CUSTODIAN_ROLE, wallet(i).address)).wait();
    // One after another: three tsx processes starting at once crowd a 2-core machine. Each publishes its share key.
    for (const i of custodianAccounts) {
      say(`threshold: starting custodian ${procs.length + 1} of 3`);
      procs.push(await startCustodian({ chain, dir }, { deploymentPath }, `threshold-${i}`, chain.accounts[i]!));
    }
    const urls = procs.map((p) => p.url);
    const clients = urls.map((u) => new CustodianClient(u, { chainId: 31337n, ledger: deployment.ledger }));
    const custody = connectCustody(custodyAddress, admin);
    const setId = Number(await registerCustodianSet(custody, admin, custodianAccounts.map((i) => wallet(i).address), THRESHOLD));

    // Two datasets about the subject, both granted at once: T under the 2-of-3 set, S with custodian A alone.
    await registerMembers(ledger, supervisor, [bank.address, insurer.address], "https://example.org/member.json");
    const device = generateEncryptionKeyPair();
    await publishDeviceKey(ledger, insurer, DEVICE, device);
    const dataset = async () => {
      const ds = await registerPlaceholderDataset(ledger, deployment, bank, subject.address, INSTANT, { size: 1_048_576n });
      const now = BigInt((await provider.getBlock("latest"))!.timestamp);
      const terms = consentTerms({ subject: subject.address, requester: insurer.address, datasetId: ds.datasetId, now });
      await giveConsent(ledger, subject, terms);
      const params = { datasetId: ds.datasetId, version: 0, purpose: Purpose.underwriting, kind: GrantKind.Formal, duration: 7 * DAY, deviceId: DEVICE };
      const data = ledger.interface.encodeFunctionData("requestAccess", [params, terms]);
      const gas = ((await (ledger.connect(insurer) as Sealshare).requestAccess.estimateGas(params, terms)) * 12n) / 10n;
      return { ...ds, data, gas };
    };
    const T = await dataset();
    const S = await dataset();
    const bankCtx: CustodyContext = { ledger: ledger.connect(bank) as Sealshare, signer: bank, custody: custody.connect(bank) as SealshareCustody, fromBlock: deployment.deployBlock };
    const dealt = await depositShares(bankCtx, { datasetId: T.datasetId, version: 1, setId, dek: T.dek, custodians: clients });
    if (dealt.delivered.length !== 3) throw new Error(`only ${dealt.delivered.length} of 3 custodians took their share: ${JSON.stringify(dealt.undelivered.map((u) => u.error))}`);
    const infoA = await clients[0]!.info();
    await clients[0]!.depositKey(bank, { datasetId: S.datasetId, version: 1, dek: S.dek, custodianKey: infoA.encryptionKey });

    const requester: CustodyContext = { ledger: ledger.connect(insurer) as Sealshare, signer: insurer, custody: custody.connect(insurer) as SealshareCustody, fromBlock: deployment.deployBlock };
    const sender = new RawSender(insurer, provider, 31337n);
    let lastId = 0n;
    const paths = {
      threshold: { ds: T, urls, need: THRESHOLD, fetch: (requestId: bigint) => fetchGrantKey(requester, { custodians: clients, requestId, devicePrivateKey: device.privateKey }) },
      single: { ds: S, urls: [urls[0]!], need: 1, fetch: (requestId: bigint) => fetchGrantKey(requester, { custodian: clients[0]!, requestId, devicePrivateKey: device.privateKey }) },
    };
    type Path = (typeof paths)[keyof typeof paths];

    /** Per path: grant mined → `need` custodians released (the custodians' part of each sample). */
    const released = { threshold: [] as number[], single: [] as number[] };
    /** One grant, mined; the key fetched with the SDK once `need` custodians have released. */
    const sample = async (p: Path): Promise<number> => {
      const before = await Promise.all(p.urls.map((u) => releasesTotal(u)));
      const raw = await sender.sign(deployment.ledger, p.ds.data, p.ds.gas);
      await sender.send(raw); // automine: mined when this returns
      const minedAt = performance.now();
      const requestId = ++lastId;
      const releasedAt = await untilReleased(p.urls, before, 1, p.need, 60_000);
      (p === paths.threshold ? released.threshold : released.single).push(releasedAt - minedAt);
      const key = await p.fetch(requestId);
      const done = performance.now();
      if (!same(key.dek, p.ds.dek)) throw new Error(`request ${requestId}: the fetched key is not the dealt one`);
      return done - minedAt;
    };

    say(`threshold: latency, ${latencySamples} grants of each path, alternating (2-of-3, then 1-of-1)`);
    const warm = { threshold: await sample(paths.threshold), single: await sample(paths.single) };
    released.threshold.length = 0;
    released.single.length = 0;
    const lat = { threshold: [] as number[], single: [] as number[] };
    for (let i = 0; i < latencySamples; i++) {
      lat.threshold.push(await sample(paths.threshold));
      await sleep(100 + Math.random() * 150); // let receipt transactions land; no phase lock with the poll
      lat.single.push(await sample(paths.single));
      await sleep(100 + Math.random() * 150);
    }
    say(`threshold: 2-of-3 ${lat.threshold.map((x) => x.toFixed(0)).join(", ")} ms; 1-of-1 ${lat.single.map((x) => x.toFixed(0)).join(", ")} ms`);

    /** `burstGrants` grants of `p` in one block; grants/s from that block to `need` custodians having released them all. */
    const burst = async (p: Path): Promise<{ ops: number; ids: bigint[] }> => {
      const raws: string[] = [];
      for (let i = 0; i < burstGrants; i++) raws.push(await sender.sign(deployment.ledger, p.ds.data, p.ds.gas));
      await sleep(1000); // the latency phase's receipts land first
      const before = await Promise.all(p.urls.map((u) => releasesTotal(u)));
      const ids: bigint[] = [];
      let minedAt = 0;
      await provider.send("evm_setAutomine", [false]);
      try {
        for (let i = 0; i < raws.length; i += 200) await Promise.all(raws.slice(i, i + 200).map((r) => sender.send(r)));
        for (let i = 0; i < burstGrants; i++) ids.push(++lastId);
        const limit = (await provider.getBlock("latest"))!.gasLimit;
        const need = p.ds.gas * BigInt(burstGrants) + 1_000_000n;
        await provider.send("evm_setBlockGasLimit", [`0x${(need > limit ? need : limit).toString(16)}`]);
        await provider.send("evm_mine", []);
        minedAt = performance.now();
        if ((await provider.getTransactionCount(insurer.address, "latest")) < (await provider.getTransactionCount(insurer.address, "pending"))) throw new Error("the burst did not fit in one block");
      } finally {
        await provider.send("evm_setAutomine", [true]);
      }
      const at = await untilReleased(p.urls, before, burstGrants, p.need, 600_000);
      return { ops: burstGrants / ((at - minedAt) / 1000), ids };
    };
    say(`threshold: ${burstGrants} grants in one block, 2-of-3 then 1-of-1`);
    const tb = await burst(paths.threshold);
    for (const requestId of tb.ids.slice(0, 3)) {
      const key = await paths.threshold.fetch(requestId);
      if (!same(key.dek, T.dek)) throw new Error(`burst request ${requestId}: the fetched key is not the dealt one`);
    }
    const sb = await burst(paths.single);
    say(`threshold: burst 2-of-3 ${tb.ops.toFixed(0)}/s, 1-of-1 ${sb.ops.toFixed(0)}/s`);

    const split = `of which grant mined → released: median ${median(released.threshold).toFixed(0)} ms (2-of-3) / ${median(released.single).toFixed(0)} ms (1-of-1), the rest the SDK fetch`;
    const how = `confirmation depth 0, poll ${POLL_MS} ms, three custodian processes and a hardhat node on this machine`;
    const out = [
      entry({
        name: "custodian.threshold.release.p50_ms",
        unit: "ms",
        samples: median(lat.threshold),
        baseline: { name: "1-of-1 path (single custodian, fetchGrantKey → fetchKey), p50", samples: median(lat.single) },
        target: { on: "value", max: 100, text: "≤ 100 ms" },
        note: `${latencySamples} grants one per block; grant mined → 2 custodians released (release counters polled ~5 ms) → fetchGrantKey (fetchThresholdKey: all 3 asked, checked, 2 shares verified and combined, key commitment checked) returned; ${how}; warm-up grants not counted: ${warm.threshold.toFixed(0)} / ${warm.single.toFixed(0)} ms`,
      }),
      entry({
        name: "custodian.threshold.release.p99_ms",
        unit: "ms",
        samples: percentile(lat.threshold, 99),
        baseline: { name: "1-of-1 path, p99", samples: percentile(lat.single, 99) },
        target: { on: "value", max: 300, text: "≤ 300 ms" },
        note: `nearest-rank p99 of ${latencySamples} samples each; ${split}`,
      }),
      entry({
        name: "custodian.threshold.release.ops",
        unit: "grants/s",
        samples: tb.ops,
        baseline: { name: "1-of-1: the same burst to custodian A alone", samples: sb.ops },
        note: `${burstGrants} grants mined in one block → 2 of the 3 custodians' release counters at all of them (3 of them then fetched and combined: the dealt key); ${how}`,
      }),
    ];
    failed = false;
    return out;
  } finally {
    for (const p of procs) await p.stop();
    provider.destroy();
    await chain.stop();
    if (failed || process.env.BENCH_KEEP) say(`threshold: logs and databases kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}
