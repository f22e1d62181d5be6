import { CUSTODY_EVENT_KINDS } from "./custody-events.js";

/**
 * The ledger's events named for people ("Access granted", not `AccessGranted`): what an auditor
 * picks from when narrowing a timeline to some kinds of event, and the heading each row of a
 * timeline carries. The sentence that says what one event did is ./timeline.ts's `describe`.
 */

/**
 * Every event the ledger emits, in the order a share happens, with its name in words; then the
 * custody contract's (threshold custody, ./custody-events.ts).
 */
export const EVENT_KINDS: readonly { event: string; label: string }[] = [
  { event: "RoleGranted", label: "Role granted" },
  { event: "RoleRevoked", label: "Role revoked" },
  { event: "SupervisorAffiliationSet", label: "Supervisor affiliation set" },
  { event: "MemberRegistered", label: "Member registered" },
  { event: "MemberSuspended", label: "Member suspended" },
  { event: "MemberReinstated", label: "Member reinstated" },
  { event: "EncryptionKeyPublished", label: "Device key published" },
  { event: "EncryptionKeyRevoked", label: "Device key revoked" },
  { event: "CategoryMinimumChanged", label: "Category minimum changed" },
  { event: "DatasetRegistered", label: "Dataset registered" },
  { event: "DatasetVersionPublished", label: "Dataset version published" },
  { event: "DatasetPolicyChanged", label: "Dataset policy changed" },
  { event: "DatasetTransferred", label: "Dataset transferred" },
  { event: "DatasetRetired", label: "Dataset retired" },
  { event: "ConsentGiven", label: "Consent given" },
  { event: "ConsentRevoked", label: "Consent revoked" },
  { event: "ConsentSignatureCancelled", label: "Signed consent cancelled" },
  { event: "AccessRequested", label: "Access requested" },
  { event: "AccessApproved", label: "Request approved" },
  { event: "AccessRejected", label: "Request rejected" },
  { event: "AccessGranted", label: "Access granted" },
  { event: "GrantRevoked", label: "Grant revoked" },
  { event: "KeyReleased", label: "Key released" },
  { event: "ReceiptBatchSealed", label: "Receipt batch sealed" },
  { event: "UsageRecorded", label: "Usage recorded" },
  { event: "Paused", label: "Ledger paused" },
  { event: "Unpaused", label: "Ledger unpaused" },
  ...CUSTODY_EVENT_KINDS,
];

const LABELS = new Map(EVENT_KINDS.map((k) => [k.event, k.label]));

/** "Access granted" for `AccessGranted`; an event this list does not know keeps its own name. */
export function eventLabel(event: string): string {
  return LABELS.get(event) ?? event;
}
