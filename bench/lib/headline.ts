/**
 * The headline entries: every full run of `npm run bench` (any profile) must produce each of
 * them with finite numbers. test/bench/quick.test.ts checks it, so the benchmarks cannot rot.
 */
export const HEADLINE = [
  "gas.share.total",
  "gas.receipt.batch100.per_release",
  "stream.encrypt.mbps",
  "stream.decrypt.mbps",
  "ecies.wrap.ops",
  "custodian.release.ops",
  "custodian.release.p50_ms",
  "custodian.release.p99_ms",
  "custodian.ingest.events_per_s",
  "custodian.threshold.release.p50_ms",
  "custodian.threshold.release.p99_ms",
  "custodian.threshold.release.ops",
  "api.fetch.rps",
] as const;

/** Per-operation gas entries (each with the EAS baseline). */
export const GAS_OPS = [
  "gas.register_member",
  "gas.publish_key",
  "gas.register_dataset",
  "gas.publish_version",
  "gas.consent_tx",
  "gas.consent_sig",
  "gas.request",
  "gas.request_with_consent",
  "gas.provider_approval",
  "gas.granting_approval",
  "gas.revoke_consent",
  "gas.revoke_grant",
  "gas.record_usage",
  "gas.receipt_single",
  "gas.receipt_batch100",
] as const;
