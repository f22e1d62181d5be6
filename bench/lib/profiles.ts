/**
 * Benchmark profiles: how much work each figure gets.
 *  - `smoke`: the smallest run that still produces every entry; for test/bench/quick.test.ts,
 *    so the harness cannot rot. Its numbers mean little.
 *  - `quick` (default of `npm run bench`): under 3 minutes on a 2-core machine.
 *  - `full` (`npm run bench -- --full`): release checks; the sizes the design names
 *    (1 GiB streams, a 20,000-grant backlog).
 */
export type ProfileName = "smoke" | "quick" | "full";

export interface Profile {
  name: ProfileName;
  gas: {
    /** Repetitions of each operation (median taken; gas is nearly deterministic). */
    reps: number;
  };
  crypto: {
    reps: number; // interleaved repetitions of value and baseline
    msPerRep: number;
    /** Distinct recipient keys the wrap rotates over (more than any recipient cache would hold). */
    recipients: number;
    /** Keys checked both ways against eciesjs before anything is timed. */
    checks: number;
  };
  streams: {
    sizeMiB: number; // the file the throughput figures use
    reps: number;
    /** Peak RSS is compared between these two sizes. */
    rssSmallMiB: number;
    rssLargeMiB: number;
  };
  custodian: {
    /** Grants mined in one block for the sustained release rate. */
    releaseGrants: number;
    /** Grants created one by one for the latency percentiles. */
    latencySamples: number;
    /** Grants on chain before the custodian starts, for the ingestion rate. */
    backlogGrants: number;
    /** Naive getLogs + parseLog baseline repetitions. */
    naiveReps: number;
    /** Sequential isGrantValid eth_call repetitions (release-rate baseline), ms each. */
    rpcReps: number;
    rpcMs: number;
  };
  threshold: {
    /** Grants of each path (2-of-3 and the 1-of-1 baseline) for the latency percentiles. */
    latencySamples: number;
    /** Grants mined in one block for the release rate (each path). */
    burstGrants: number;
  };
  api: {
    /** autocannon connection counts; the first is the headline (smoke uses fewer). */
    connections: number[];
    /** Upper bound of each autocannon run, seconds. */
    seconds: number;
    /**
     * Pre-signed single-use fetches per autocannon run: more than `seconds` at twice the bare
     * route's rate needs, so runs end on time (they stop early only if these are spent).
     */
    requestsPerRun: number;
  };
}

export const PROFILES: Record<ProfileName, Profile> = {
  smoke: {
    name: "smoke",
    gas: { reps: 1 },
    crypto: { reps: 1, msPerRep: 150, recipients: 300, checks: 3 },
    streams: { sizeMiB: 16, reps: 1, rssSmallMiB: 4, rssLargeMiB: 16 },
    custodian: { releaseGrants: 50, latencySamples: 3, backlogGrants: 200, naiveReps: 1, rpcReps: 1, rpcMs: 200 },
    threshold: { latencySamples: 3, burstGrants: 20 },
    api: { connections: [20, 50], seconds: 1, requestsPerRun: 150 },
  },
  quick: {
    name: "quick",
    gas: { reps: 3 },
    crypto: { reps: 5, msPerRep: 300, recipients: 600, checks: 10 },
    streams: { sizeMiB: 256, reps: 3, rssSmallMiB: 100, rssLargeMiB: 256 },
    custodian: { releaseGrants: 1000, latencySamples: 20, backlogGrants: 1500, naiveReps: 3, rpcReps: 3, rpcMs: 500 },
    threshold: { latencySamples: 12, burstGrants: 100 },
    api: { connections: [50, 500], seconds: 4, requestsPerRun: 30_000 },
  },
  full: {
    name: "full",
    gas: { reps: 5 },
    crypto: { reps: 9, msPerRep: 1000, recipients: 1000, checks: 50 },
    streams: { sizeMiB: 1024, reps: 5, rssSmallMiB: 100, rssLargeMiB: 1024 },
    custodian: { releaseGrants: 5000, latencySamples: 100, backlogGrants: 20_000, naiveReps: 5, rpcReps: 5, rpcMs: 1000 },
    threshold: { latencySamples: 100, burstGrants: 1000 },
    api: { connections: [50, 500], seconds: 10, requestsPerRun: 80_000 },
  },
};
