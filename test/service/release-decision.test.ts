/**
 * The pure release decision (service/release/decision.ts), driven directly: one row per case of
 * its header, each asserting the exact outcome and the reason text stored on the row.
 */
import { expect } from "chai";
import {
  decideKey,
  decideRelease,
  holdForStoredVoid,
  reasonText,
  type KeyDecision,
  type KeyState,
  type ReleaseDecision,
} from "../../service/release/decision.js";
import type { GrantCheck, GrantCheckResult } from "../../service/release/grant-reader.js";
import type { ReleaseJob } from "../../service/store/store.js";
import { GrantInvalidReason } from "../../sdk/vocabulary.js";

const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const FINALIZED = 100;

const job = (o: Partial<ReleaseJob> = {}): ReleaseJob => ({
  requestId: "7",
  kind: 2,
  attempts: 0,
  datasetId: "3",
  version: 1,
  requester: A,
  grantBlock: 90,
  grantHash: "0x" + "ab".repeat(32),
  grantLogIndex: 4,
  voidReason: null,
  voidBlock: null,
  ...o,
});
const view = (o: Partial<GrantCheck> = {}): GrantCheck => ({
  valid: true,
  reason: 0,
  kind: 2,
  expiresAt: 9_999_999_999,
  datasetId: 3n,
  version: 1,
  requester: A,
  keyId: 1,
  publicKey: "0x02" + "11".repeat(32),
  keyCommitment: "0x" + "cc".repeat(32),
  ...o,
});
const ok = (o: Partial<GrantCheck> = {}): GrantCheckResult => ({ ok: true, view: view(o) });
const invalid = (name: (typeof GrantInvalidReason)[number]): GrantCheckResult => ok({ valid: false, reason: GrantInvalidReason.indexOf(name) });
const rpcDown = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" });

/** What a decision looks like in a table: action, the stored reason text, the retry. */
function summary(d: ReleaseDecision | KeyDecision): string {
  switch (d.action) {
    case "defer":
      return `defer ${reasonText(d.reason)} ${d.retry}`;
    case "refuse":
      return `refuse ${reasonText(d.reason)}`;
    case "supersede":
      return `supersede ${d.byKind}`;
    default:
      return d.action;
  }
}

describe("decideRelease(job, atFinal, atHead)", function () {
  const cases: [string, ReleaseJob, GrantCheckResult, GrantCheckResult, string][] = [
    ["1. a stored void after the finalized block holds it (no chain answer needed)", job({ voidReason: "Revoked", voidBlock: FINALIZED + 1 }), ok(), ok(), "defer voided:Revoked soon"],
    ["1. a final stored void goes on to the chain, which refuses", job({ voidReason: "Revoked", voidBlock: FINALIZED }), invalid("Revoked"), invalid("Revoked"), "refuse Revoked"],
    ["2. the final read failed (retryable)", job(), { ok: false, error: rpcDown }, ok(), "defer rpc-unavailable backoff"],
    ["2. the head read failed (not retryable)", job(), ok(), { ok: false, error: new TypeError("bad answer") }, "defer error backoff"],
    ["3. not granted yet: transient", job(), invalid("NotGranted"), invalid("NotGranted"), "defer NotGranted backoff"],
    ["3. paused: transient", job(), invalid("Paused"), invalid("Paused"), "defer Paused backoff"],
    ["3. expired", job(), invalid("Expired"), invalid("Expired"), "refuse Expired"],
    ["3. revoked", job(), invalid("Revoked"), invalid("Revoked"), "refuse Revoked"],
    ["3. consent revoked", job(), invalid("ConsentRevoked"), invalid("ConsentRevoked"), "refuse ConsentRevoked"],
    ["3. consent expired", job(), invalid("ConsentExpired"), invalid("ConsentExpired"), "refuse ConsentExpired"],
    ["3. requester suspended", job(), invalid("RequesterSuspended"), invalid("RequesterSuspended"), "refuse RequesterSuspended"],
    ["3. device key changed", job(), invalid("DeviceKeyChanged"), invalid("DeviceKeyChanged"), "refuse DeviceKeyChanged"],
    ["3. dataset retired", job(), invalid("DatasetRetired"), invalid("DatasetRetired"), "refuse DatasetRetired"],
    ["3. a reason index this build does not know is never served", job(), ok({ valid: false, reason: 99 }), ok(), "defer error backoff"],
    ["4. head says void (revoked) while final says valid: defer, never refuse", job(), ok(), invalid("Revoked"), "defer voided-at-head:Revoked soon"],
    ["4. head says the device key changed while final says valid", job(), ok(), invalid("DeviceKeyChanged"), "defer voided-at-head:DeviceKeyChanged soon"],
    ["5. the chain's grant is another requester's (row bound to another grant log): never served", job(), ok({ requester: B }), ok({ requester: B }), "defer grant-rebound backoff"],
    ["6. upgraded to a higher kind", job({ kind: 1 }), ok({ kind: 2 }), ok({ kind: 2 }), "supersede 2"],
    ["7. the chain's kind is behind the row's", job({ kind: 2 }), ok({ kind: 1 }), ok({ kind: 1 }), "defer kind-behind backoff"],
    ["8. valid at the final block and the head: serve", job(), ok(), ok(), "serve"],
  ];
  for (const [name, j, atFinal, atHead, expected] of cases) {
    it(name, function () {
      expect(summary(decideRelease(j, atFinal, atHead, FINALIZED))).to.equal(expected);
    });
  }

  it("serves with the final block's view of the grant, not the head's", function () {
    const d = decideRelease(job(), ok({ expiresAt: 111 }), ok({ expiresAt: 222 }), FINALIZED);
    expect(d.action).to.equal("serve");
    expect(d.action === "serve" && d.grant.expiresAt).to.equal(111);
  });

  it("compares the requester case-insensitively (checksummed vs lower-case)", function () {
    expect(decideRelease(job({ requester: A.toLowerCase() }), ok(), ok(), FINALIZED).action).to.equal("serve");
  });

  it("holdForStoredVoid is case 1 alone: null when no void or the void is final", function () {
    expect(holdForStoredVoid(job(), FINALIZED)).to.equal(null);
    expect(holdForStoredVoid(job({ voidReason: "DatasetRetired", voidBlock: FINALIZED }), FINALIZED)).to.equal(null);
    expect(summary(holdForStoredVoid(job({ voidReason: "DatasetRetired", voidBlock: FINALIZED + 5 }), FINALIZED)!)).to.equal("defer voided:DatasetRetired soon");
  });
});

describe("decideKey(key, deviceKeyValid)", function () {
  const cases: [string, KeyState, boolean, string][] = [
    ["no key deposited: waits for a deposit", "missing", true, "wait-key"],
    ["key commitment mismatch: held for a deposit of the right key", "mismatch", true, "defer key-commitment-mismatch backoff"],
    ["a missing key is waited for before the device key is judged", "missing", false, "wait-key"],
    ["the device key is not a curve point: refused", "ok", false, "refuse invalid-device-key"],
    ["key matches and the device key is valid: release", "ok", true, "release"],
  ];
  for (const [name, key, device, expected] of cases) {
    it(name, function () {
      expect(summary(decideKey(key, device))).to.equal(expected);
    });
  }
});
