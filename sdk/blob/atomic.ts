/**
 * Crash-safe file creation: write under a temporary name in the destination's directory, flush it
 * to disk, then rename it into place. rename(2) within one directory tree on one filesystem is
 * atomic, so a reader sees either no file or the complete file — never a half-written one, even
 * after a power cut.
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** A fresh, unguessable temporary path in `dir`, hidden and marked as partial. */
export function tempPathIn(dir: string, hint: string): string {
  return join(dir, `.${hint}.${randomBytes(6).toString("hex")}.partial`);
}

/** Flushes `tempPath` to disk and renames it to `finalPath`, then flushes the directory entry. */
export async function commitFile(tempPath: string, finalPath: string): Promise<void> {
  const file = await open(tempPath, "r+");
  try {
    await file.sync(); // data on disk before the name points at it
  } finally {
    await file.close();
  }
  await rename(tempPath, finalPath);
  await syncDirectory(dirname(finalPath));
}

/**
 * Runs `write(tempPath)` and moves the result to `finalPath` only if it succeeds; on failure the
 * temporary file is removed and `finalPath` is left untouched.
 */
export async function writeFileAtomically<T>(finalPath: string, write: (tempPath: string) => Promise<T>): Promise<T> {
  const tempPath = tempPathIn(dirname(finalPath), basename(finalPath));
  try {
    const result = await write(tempPath);
    await commitFile(tempPath, finalPath);
    return result;
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
}

/** Makes a rename durable. Some platforms (Windows) cannot open directories; there it is a no-op. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EBADF") throw error;
  } finally {
    await handle?.close();
  }
}
