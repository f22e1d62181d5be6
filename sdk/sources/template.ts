/**
 * Placeholders in adapter settings (a file name, a URL) filled from the pull request:
 *
 *   {subject}          the subject's address, lower case ("0xab…")
 *   {subjectChecksum}  the same, EIP-55 checksummed ("0xAb…")
 *   {category}         the category name, lower case ("deposit", "stock", …)
 *   {categoryCode}     the category number (0–6)
 *   {sourceRef}        the source reference text the dataset was registered with
 *
 * Unknown placeholders are configuration errors, found when the settings are read.
 */
import { categoryName } from "../vocabulary.js";
import type { PullRequest } from "./types.js";

export const PLACEHOLDERS = ["subject", "subjectChecksum", "category", "categoryCode", "sourceRef"] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** The placeholders `template` uses that are not known, for validation. */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
}

export function usesPlaceholder(template: string, name: Placeholder): boolean {
  return template.includes(`{${name}}`);
}

/** `template` with each placeholder replaced by `encode(value)`. */
export function fillTemplate(template: string, request: PullRequest, encode: (value: string) => string = (v) => v): string {
  const values: Record<Placeholder, string> = {
    subject: request.subject.toLowerCase(),
    subjectChecksum: request.subject,
    category: categoryName(request.category).toLowerCase(),
    categoryCode: String(request.category),
    sourceRef: request.sourceRef,
  };
  return template.replace(PLACEHOLDER, (whole, name: string) => ((PLACEHOLDERS as readonly string[]).includes(name) ? encode(values[name as Placeholder]) : whole));
}
