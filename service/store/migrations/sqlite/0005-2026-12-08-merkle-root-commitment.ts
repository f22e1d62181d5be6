/**
 * SQLite migration 5 (merkle-root-commitment), released 2026-12-08: the literal SQL it ran.
 * FROZEN: never edit this file (test/service/migrations.test.ts pins its hash); add a new migration.
 *
 * Stream format v2: a version's Merkle root is its content commitment; the ledger no longer
 * registers a whole-ciphertext SHA-256, so neither table keeps one.
 */
export const version = 5;
export const name = "merkle-root-commitment";
export const sql = `
    ALTER TABLE dataset_keys DROP COLUMN ciphertext_sha256;
    ALTER TABLE dataset_versions DROP COLUMN ciphertext_sha256;
`;
