/**
 * The plug-in contract of on-demand extraction: a data source pulls one subject's records when
 * an access request for an on-demand dataset arrives (docs/ARCHITECTURE.md "On-demand datasets").
 * Adapters: a folder of record files (folder.ts), an HTTP JSON API (http.ts), a PostgreSQL query
 * (postgres.ts). Anything else fits as long as it implements {@link DataSource}.
 *
 * @example
 * ```ts
 * const source: DataSource = new FolderSource({ type: "folder", dir: "/exports/deposits" });
 * for await (const record of source.pull({ subject: ana, category: 0, sourceRef: "core-banking/deposits" })) {
 *   // record is a plain JSON object
 * }
 * ```
 */
import type { DataRecord } from "../convert/records.js";

/** What a pull is for. Adapters use `subject` to select the data; the rest is for templates and errors. */
export interface PullRequest {
  /** The subject's address, checksummed (the dataset's subject on chain). */
  readonly subject: string;
  /** The dataset's category (contracts' `Category`, e.g. 0 = Deposit). */
  readonly category: number;
  /** The source reference text the dataset was registered with (its keccak256 is on chain). */
  readonly sourceRef: string;
  /** Cancels the pull: adapters stop reading and throw SOURCE_ABORTED. */
  readonly signal?: AbortSignal;
}

export interface DataSource {
  /** The adapter kind, for logs and reports. */
  readonly kind: "folder" | "http" | "postgres" | (string & {});
  /** Where it pulls from, for messages: no credentials in it. */
  readonly name: string;
  /**
   * The subject's records, one plain object at a time. Errors are {@link SourceError}s: thrown
   * before the first record when the source fails at once, or while iterating (a row limit
   * reached, a malformed line further down). Consumers normalize what they get with
   * normalizeRecords (./normalize.ts).
   */
  pull(request: PullRequest): AsyncIterable<DataRecord>;
  /** Releases what the adapter holds (a connection pool). Optional. */
  close?(): Promise<void>;
}
