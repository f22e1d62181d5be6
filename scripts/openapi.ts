/**
 * Writes the custodian's OpenAPI 3.1 document (generated from the route registry, see
 * service/http/openapi.ts) to docs/openapi.json. `--check` writes nothing and exits 1 if the
 * committed file is not the generated one.
 *
 *   npm run openapi            # regenerate
 *   npm run openapi -- --check # CI-style check
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openApiDocument } from "../service/http/app.js";

export const OPENAPI_PATH = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "openapi.json");

/** The document exactly as committed: 2-space JSON and a final newline. */
export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = openApiText();
  if (process.argv.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(OPENAPI_PATH, "utf8");
    } catch {
      /* missing */
    }
    if (committed !== text) {
      console.error("docs/openapi.json is out of date: run `npm run openapi`");
      process.exit(1);
    }
    console.log("docs/openapi.json is current");
  } else {
    writeFileSync(OPENAPI_PATH, text);
    console.log(`wrote ${OPENAPI_PATH} (${Object.keys((openApiDocument().paths as object) ?? {}).length} paths)`);
  }
}
