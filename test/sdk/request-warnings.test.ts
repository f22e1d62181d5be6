/**
 * requestWarnings (sdk/actions/request-warnings.ts): what a requester is told before sending a
 * request the ledger would not grant as asked — capped by the dataset's rules, capped by the
 * consent's end, refused for an expired consent, never granted as temporary — driven case by
 * case through the pure decision, with the figures it names.
 */
import { expect } from "chai";
import { requestWarnings, type RequestFacts } from "../../sdk/actions/request-warnings.js";

const NOW = 1_800_000_000;
const DAY = 86_400;
const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  kind: 2,
  duration: 7 * DAY,
  rules: { maxTemporary: 3600, maxFormal: 30 * DAY },
  consentExpiresAt: NOW + 90 * DAY,
  now: NOW,
  ...over,
});

describe("requestWarnings: before sending an access request", () => {
  it("says nothing when the duration is within the rules and the consent", () => {
    expect(requestWarnings(facts())).to.deep.equal([]);
    expect(requestWarnings(facts({ duration: 30 * DAY }))).to.deep.equal([]);
    expect(requestWarnings(facts({ kind: 1, duration: 3600 }))).to.deep.equal([]);
  });

  it("warns that a formal duration above the policy's maximum will be capped to it, in words", () => {
    expect(requestWarnings(facts({ duration: 60 * DAY }))).to.deep.equal([
      {
        code: "DURATION_ABOVE_POLICY",
        message: "you ask for 60 days, but this dataset allows a formal grant of at most 30 days: the grant will be capped to 30 days",
        cappedTo: 30 * DAY,
      },
    ]);
  });

  it("judges a temporary request against the temporary maximum, not the formal one", () => {
    const [w] = requestWarnings(facts({ kind: 1, duration: 2 * 3600 }));
    expect(w).to.deep.equal({
      code: "DURATION_ABOVE_POLICY",
      message: "you ask for 2 hours, but this dataset allows a temporary grant of at most 1 hour: the grant will be capped to 1 hour",
      cappedTo: 3600,
    });
  });

  it("warns that a grant outlasting the consent ends with it, naming when", () => {
    const w = requestWarnings(facts({ consentExpiresAt: NOW + 2 * DAY }));
    expect(w).to.have.length(1);
    expect(w[0]!.code).to.equal("DURATION_ABOVE_CONSENT");
    expect(w[0]!.cappedTo).to.equal(2 * DAY);
    expect(w[0]!.message).to.equal(
      "the consent ends at 2027-01-17 08:00 UTC (in 2 days), before the 7 days you would get: the grant will end with the consent, at the latest; ask the subject for a longer consent if you need more",
    );
  });

  it("gives both warnings when the duration is above the policy and the capped grant still outlasts the consent", () => {
    const w = requestWarnings(facts({ duration: 60 * DAY, consentExpiresAt: NOW + 10 * DAY }));
    expect(w.map((x) => [x.code, x.cappedTo])).to.deep.equal([
      ["DURATION_ABOVE_POLICY", 30 * DAY],
      ["DURATION_ABOVE_CONSENT", 10 * DAY],
    ]);
  });

  it("does not blame the consent when the policy's cap already ends before it", () => {
    const w = requestWarnings(facts({ duration: 60 * DAY, consentExpiresAt: NOW + 40 * DAY }));
    expect(w.map((x) => x.code)).to.deep.equal(["DURATION_ABOVE_POLICY"]);
  });

  it("says an expired consent will be refused, and nothing else", () => {
    expect(requestWarnings(facts({ duration: 60 * DAY, consentExpiresAt: NOW }))).to.deep.equal([
      {
        code: "CONSENT_EXPIRED",
        message: "the consent expired at 2027-01-15 08:00 UTC: the ledger will refuse this request (ConsentsExpired); ask the subject for a new consent",
      },
    ]);
  });

  it("says a temporary request under rules that allow none will never be granted", () => {
    const w = requestWarnings(facts({ kind: 1, duration: 600, rules: { maxTemporary: 0, maxFormal: 30 * DAY } }));
    expect(w.map((x) => x.code)).to.deep.equal(["TEMPORARY_NEVER_GRANTED"]);
    expect(w[0]!.message).to.include("never granted").and.include("--kind formal");
    // A formal request under the same rules is judged by the formal maximum only.
    expect(requestWarnings(facts({ rules: { maxTemporary: 0, maxFormal: 30 * DAY } }))).to.deep.equal([]);
  });
});
