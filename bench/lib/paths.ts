import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Where `npm run bench` writes its results (git-ignored). */
export const DEFAULT_OUT = join(ROOT, "bench", "results", "latest.json");
