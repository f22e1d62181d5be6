/**
 * The contracts' enums (contracts/common/Types.sol) as TypeScript constants, plus the purpose
 * codes. Keep in the same order as the Solidity enums.
 */
export const Category = { Deposit: 0, Fund: 1, Stock: 2, Bond: 3, Insurance: 4, Trust: 5, Other: 6 } as const;
export type CategoryName = keyof typeof Category;

export const GrantKind = { None: 0, Temporary: 1, Formal: 2 } as const;

export const RequestStatus = { None: 0, Pending: 1, Temporary: 2, Formal: 3, Rejected: 4, Revoked: 5 } as const;

/** Why `isGrantValid` says no: GrantInvalidReason in Types.sol, by index. */
export const GrantInvalidReason = [
  "None",
  "NotGranted",
  "Expired",
  "Revoked",
  "ConsentRevoked",
  "ConsentExpired",
  "RequesterSuspended",
  "DeviceKeyChanged",
  "DatasetRetired",
  "Paused",
] as const;
export type GrantInvalidReasonName = (typeof GrantInvalidReason)[number];

/** Purpose codes carried by consents and requests (uint32 on chain). */
export const Purpose = {
  underwriting: 1,
  creditAssessment: 2,
  accountOpening: 3,
  wealthAdvice: 4,
  regulatoryReporting: 5,
  research: 6,
} as const;
export type PurposeName = keyof typeof Purpose;

export function purposeName(code: number): string {
  for (const [name, value] of Object.entries(Purpose)) if (value === code) return name;
  return `purpose#${code}`;
}

export function categoryName(code: number): string {
  for (const [name, value] of Object.entries(Category)) if (value === code) return name;
  return `category#${code}`;
}
