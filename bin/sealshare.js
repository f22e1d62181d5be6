#!/usr/bin/env node
// The `sealshare` command: runs the TypeScript CLI (cli/main.ts) through tsx's loader, in this
// process (no build step, signals go straight to the CLI). Needs Node >= 22.13.
import { register } from "tsx/esm/api";

register();
await import(new URL("../cli/main.ts", import.meta.url).href);
