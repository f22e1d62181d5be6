/**
 * `api.fetch.rps`: authenticated envelope fetches per second under autocannon, against the real
 * custodian process, next to a bare Express route (bench/bare-server.ts) in the same run, at
 * each connection count of the profile (50 and 500).
 *
 * Authentication: every request is a distinct, valid EIP-712 `EnvelopeRequest` of one of the
 * released grants (signed fetches are single use per (requestId, issuedAt)), pre-signed before
 * the run (bench/lib/fetcher.ts) and handed out one per request by autocannon's `setupRequest`.
 * The run stops when the pre-signed requests are spent (autocannon `maxOverallRequests`) or after
 * `profile.api.seconds`, whichever comes first; rps = 2xx answers / elapsed seconds. Enough are
 * signed for runs to end on time. Before the runs, one warm-up run of each server is not counted.
 * Then `api.fetch.rps.session`: the same requester signed in once with Sign-In with Ethereum,
 * every fetch carrying its Bearer token (one signature check per session: the dapp's path).
 *
 * The custodian runs with its rate limits lifted (SEALSHARE_RATE_LIMIT_*: capacity, not the
 * limiter, is measured). Entries: rps and p99 latency vs the bare route, errors (non-2xx,
 * socket errors, timeouts) as a share of requests, and the custodian's RSS before and after.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import autocannon from "autocannon";
import { entry, type Entry } from "./lib/harness.js";
import { EnvelopeSigner, type SignedFetch } from "./lib/fetcher.js";
import { ROOT, treeCpuSeconds, treeRssMiB, TSX } from "./lib/proc.js";
import type { Profile } from "./lib/profiles.js";

export interface ApiTarget {
  url: string;
  pid: number;
  signer: EnvelopeSigner;
  /** A Sign-In with Ethereum session token of the same requester (Authorization: Bearer). */
  session: string;
  /** Released grants the requester may fetch. */
  requestIds: bigint[];
  /** One real envelope, so the bare route answers the same bytes. */
  sampleEnvelope: unknown;
}

interface LoadResult {
  rps: number;
  p99: number;
  errors: number;
  total: number;
  /** CPU time the server's process tree spent per 2xx answer, ms (load-independent). */
  cpuMs: number;
  /** e.g. "200×812, 401×3, socket errors×2" */
  breakdown: string;
}

/** Pre-signed fetches, each handed out once; what one run leaves is used by the next. */
class Pool {
  readonly #items: SignedFetch[] = [];
  #next = 0;
  constructor(readonly make: (i: number) => SignedFetch) {}
  get left(): number {
    return this.#items.length - this.#next;
  }
  fill(n: number): void {
    while (this.left < n) this.#items.push(this.make(this.#items.length));
  }
  take(): SignedFetch {
    this.fill(1); // maxOverallRequests keeps this from signing during a run; never hand one out twice
    return this.#items[this.#next++]!;
  }
}

/** Where each request of a run comes from: single-use pre-signed fetches, or made per request. */
type Source = Pool | (() => SignedFetch);

async function load(url: string, pid: number, connections: number, seconds: number, source: Source, cap?: number): Promise<LoadResult> {
  const pool = source instanceof Pool ? source : undefined;
  const next = pool ? () => pool.take() : (source as () => SignedFetch);
  const cpu0 = await treeCpuSeconds(pid);
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    // Stop early when the pre-signed requests are spent (`amount` would ignore `duration`).
    maxOverallRequests: cap ?? pool?.left,
    timeout: 10,
    requests: [
      {
        method: "GET",
        setupRequest: (req) => {
          const f = next();
          return { ...req, path: f.path, headers: { ...req.headers, accept: "application/json", ...f.headers } };
        },
      },
    ],
  });
  const cpu = (await treeCpuSeconds(pid)) - cpu0;
  const ok = result["2xx"];
  const errors = result.non2xx + result.errors + result.timeouts;
  const parts = Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => `${code}×${s.count ?? 0}`);
  if (result.errors) parts.push(`socket errors×${result.errors}`);
  if (result.timeouts) parts.push(`timeouts×${result.timeouts}`);
  return { rps: ok / result.duration, p99: result.latency.p99, errors, total: ok + errors, cpuMs: ok > 0 ? (cpu * 1000) / ok : 0, breakdown: parts.join(", ") || "none" };
}

async function startBare(envelope: unknown): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(TSX, [join(ROOT, "bench", "bare-server.ts"), JSON.stringify(envelope)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"], detached: true });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`bare server exited with ${code}`)));
  });
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      process.kill(-child.pid!, "SIGTERM");
      await exited;
    },
  };
}

export async function runApi(profile: Profile, target: ApiTarget, say: (line: string) => void): Promise<Entry[]> {
  const { connections, seconds, requestsPerRun } = profile.api;
  if (target.requestIds.length === 0) throw new Error("no released grants to fetch");
  const bare = await startBare(target.sampleEnvelope);
  try {
    const ids = target.requestIds;
    const rssBefore = await treeRssMiB(target.pid);
    const fixed = target.signer.sign(ids[0]!); // the bare route ignores authentication
    const bareSource = () => fixed;
    const runs: { c: number; ours: LoadResult; base: LoadResult }[] = [];
    const pool = new Pool((i) => target.signer.sign(ids[i % ids.length]!));
    /** Ours and the bare route back to back, in alternating order (k), so drift hits both. */
    const pair = async (k: number, c: number, ours: Source): Promise<{ ours: LoadResult; base: LoadResult }> => {
      if (k % 2 === 0) {
        const o = await load(target.url, target.pid, c, seconds, ours);
        return { ours: o, base: await load(bare.url, bare.pid, c, seconds, bareSource) };
      }
      const b = await load(bare.url, bare.pid, c, seconds, bareSource);
      return { ours: await load(target.url, target.pid, c, seconds, ours), base: b };
    };
    const line = (what: string, ours: LoadResult, base: LoadResult) =>
      say(
        `api: ${what}: custodian ${ours.rps.toFixed(1)} req/s (${ours.breakdown}; ${ours.cpuMs.toFixed(2)} CPU ms each), ` +
          `bare ${base.rps.toFixed(1)} req/s (${base.breakdown}; ${base.cpuMs.toFixed(2)} CPU ms each)`,
      );
    // Warm-up, not counted: both servers' JIT and connection pools settle before anything is
    // timed (a cold first run would be charged to whichever server went first).
    const warm = Math.min(requestsPerRun, 2_000);
    say(`api: pre-signing ${warm + requestsPerRun} envelope fetches; warm-up of ${warm} requests each`);
    pool.fill(warm);
    await load(target.url, target.pid, connections[0]!, seconds, pool, warm);
    await load(bare.url, bare.pid, connections[0]!, seconds, bareSource, warm);
    for (const [k, c] of connections.entries()) {
      // Enough for the whole run at well above the bare route's rate, so the run ends on its
      // duration, not on spent signatures (a short run is mostly connection set-up).
      const size = Math.max(requestsPerRun, 2 * c);
      if (pool.left < size) say(`api: pre-signing ${size - pool.left} envelope fetches`);
      pool.fill(size);
      say(`api: autocannon, ${c} connections, custodian and bare Express`);
      const { ours, base } = await pair(k, c, pool);
      runs.push({ c, ours, base });
      line(`${c} connections`, ours, base);
    }
    // The session path: the same requester signed in once (Sign-In with Ethereum), every fetch
    // carrying its Bearer token, over the same released grants in turn.
    const c0 = connections[0]!;
    let turn = 0;
    const bySession = (): SignedFetch => {
      const requestId = ids[turn++ % ids.length]!;
      return { requestId, path: `/v1/envelopes/${requestId}`, headers: { authorization: `Bearer ${target.session}` } };
    };
    say(`api: autocannon, ${c0} connections, session fetches and bare Express`);
    const session = await pair(connections.length, c0, bySession);
    line(`${c0} connections, session`, session.ours, session.base);
    const rssAfter = await treeRssMiB(target.pid);

    const out: Entry[] = [];
    for (const [k, { c, ours, base }] of runs.entries()) {
      const suffix = k === 0 ? "" : `.c${c}`;
      out.push(
        entry({
          name: `api.fetch.rps${suffix}`,
          unit: "req/s",
          samples: ours.rps,
          baseline: { name: `bare Express route, ${c} connections`, samples: base.rps },
          target: k === 0 ? { on: "ratio", min: 0.4, text: "≥ 0.4× bare Express" } : undefined,
          note: `${c} connections; each request a distinct pre-signed EIP-712 EnvelopeRequest; 2xx answers per second`,
        }),
        entry({
          name: `api.fetch.p99_ms${suffix}`,
          unit: "ms",
          samples: ours.p99,
          baseline: { name: `bare Express p99, ${c} connections`, samples: base.p99 },
          note: `autocannon p99 latency, ${c} connections`,
        }),
        entry({
          name: `api.fetch.errors${suffix}`,
          unit: "requests",
          samples: ours.errors,
          baseline: { name: "requests sent", samples: ours.total },
          target: { on: "value", max: 0, text: "0 errors" },
          note: `non-2xx answers + socket errors + timeouts; ratio = error rate; answers: ${ours.breakdown}; the bare route in the same run: ${base.breakdown}`,
        }),
      );
    }
    out.push(
      entry({
        name: "api.fetch.rps.session",
        unit: "req/s",
        samples: session.ours.rps,
        baseline: { name: `bare Express route, ${c0} connections`, samples: session.base.rps },
        target: { on: "ratio", min: 0.5, text: "≥ 0.5× bare Express" },
        note: `${c0} connections; every request with the Bearer token of one Sign-In with Ethereum session (one signature check per session); 2xx answers per second; answers: ${session.ours.breakdown}; CPU ms per answer: custodian ${session.ours.cpuMs.toFixed(2)}, bare ${session.base.cpuMs.toFixed(2)}`,
      }),
      entry({
        name: "api.fetch.errors.session",
        unit: "requests",
        samples: session.ours.errors,
        baseline: { name: "requests sent", samples: session.ours.total },
        target: { on: "value", max: 0, text: "0 errors" },
        note: `non-2xx answers + socket errors + timeouts of the session run; answers: ${session.ours.breakdown}; the bare route in the same run: ${session.base.breakdown}`,
      }),
    );
    const cpu = runs[0]!;
    out.push(
      entry({
        name: "api.fetch.cpu_ms",
        unit: "ms",
        samples: runs.map((r) => r.ours.cpuMs),
        baseline: { name: "bare Express CPU ms per answer", samples: runs.map((r) => r.base.cpuMs) },
        note: `CPU time of the server's process tree per 2xx answer (user + system, /proc), median over the ${runs.length} connection counts: what a fetch costs whatever else the machine runs; the 50-connection run: custodian ${cpu.ours.cpuMs.toFixed(2)} ms, bare ${cpu.base.cpuMs.toFixed(2)} ms`,
      }),
      entry({
        name: "api.custodian.rss_mib",
        unit: "MiB",
        samples: rssAfter,
        baseline: { name: "custodian RSS before the load", samples: rssBefore },
        note: "resident memory of the custodian process tree (tsx + node) after every autocannon run",
      }),
    );
    return out;
  } finally {
    await bare.stop();
  }
}
