#!/usr/bin/env node
// The `sealshare` command. Needs Node >= 22.13. File paths on its command line resolve against
// the folder it is run in.
//  - Installed from the package (`npm pack`, then `npm install -g ./sealshare-*.tgz`): runs the
//    JavaScript that `prepack` compiled into dist/, with plain node (neither the TypeScript source
//    nor tsx is shipped).
//  - In a checkout of the repository (cli/main.ts is here): runs the TypeScript source through
//    tsx's loader, in this process (no build step, so never stale code; signals go straight to
//    the CLI). `npm run sealshare -- …` starts it in the repository root; INIT_CWD is the folder
//    the command was typed in, so it moves back there first.
import { existsSync } from "node:fs";

const source = new URL("../cli/main.ts", import.meta.url);
if (existsSync(source)) {
  if (process.env.npm_lifecycle_event === "sealshare" && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
  const { register } = await import("tsx/esm/api");
  register();
  await import(source.href);
} else {
  await import(new URL("../dist/cli/main.js", import.meta.url).href);
}
