#!/usr/bin/env bash
# Bootstrap: make sure Node >= 22.13 runs the install, then install the project's packages.
#
# Why: Hardhat 3 needs Node >= 22.13, but a fresh machine of this kind ships Node 20, and an
# `npm install` run under Node 20 silently skips @nomicfoundation/edr-linux-x64-gnu (its engines
# field says >= 22), after which Hardhat fails with HHE27. So we fetch Node 22 from the npm
# registry into an ignored tools folder (.tools/) and run the install under it. `node@22` is also
# a devDependency, so every `npm run …` finds Node 22 first in node_modules/.bin.
#
# Idempotent and quiet when there is nothing to do: the install is skipped while the lockfile
# hash matches the stamp written after the last successful install.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
say() { printf '[bootstrap] %s\n' "$*" >&2; }

node_ok() { # $1 = node binary; true if its version is >= 22.13
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=13)?0:1)' 2>/dev/null
}

node_bin=""
for cand in "$root/node_modules/.bin/node" "$root/.tools/node_modules/.bin/node" "$(command -v node || true)"; do
  if [ -n "$cand" ] && [ -x "$cand" ] && node_ok "$cand"; then node_bin="$cand"; break; fi
done
if [ -z "$node_bin" ]; then
  say "Node >= 22.13 not found (system: $(node --version 2>/dev/null || echo none)); installing node@22 from the npm registry into .tools/"
  mkdir -p .tools
  (cd .tools && [ -f package.json ] || echo '{"private":true}' > package.json)
  npm install --prefix .tools --no-audit --no-fund --loglevel=error node@22 >&2
  node_bin="$root/.tools/node_modules/.bin/node"
  node_ok "$node_bin" || { say "could not get a working Node 22 in .tools/"; exit 1; }
fi
node_dir=$(dirname "$(readlink -f "$node_bin")")
export PATH="$node_dir:$PATH"

# Anvil (Foundry's node; `--node anvil` in the demo, `sealshare dev`, the tests and `npm run faults`)
# comes as a binary inside a platform package, an optional dependency of @foundry-rs/anvil that
# the lockfile pins; its main package's postinstall script is not needed (devkit/nodes/anvil.ts
# runs the binary from the platform package).
anvil_pkg=""
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) anvil_pkg=node_modules/@foundry-rs/anvil-linux-amd64 ;;
  Linux-aarch64) anvil_pkg=node_modules/@foundry-rs/anvil-linux-arm64 ;;
  Darwin-arm64) anvil_pkg=node_modules/@foundry-rs/anvil-darwin-arm64 ;;
  Darwin-x86_64) anvil_pkg=node_modules/@foundry-rs/anvil-darwin-amd64 ;;
esac
anvil_ok() { [ -z "$anvil_pkg" ] || [ -x "$anvil_pkg/bin/anvil" ]; }

stamp=node_modules/.sealshare-install-stamp
manifest_hash() { cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1; }
want=$(manifest_hash || true)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -e node_modules/@nomicfoundation/edr-linux-x64-gnu ] && anvil_ok; then
  exit 0
fi
say "installing packages under Node $(node --version) (npm install with the committed lockfile)"
# `npm ci` refuses this lockfile: the registry lacks EDR builds for other platforms, so we use
# `npm install`, which honours the lockfile's versions.
npm install --no-audit --no-fund --loglevel=error >&2
[ -e node_modules/@nomicfoundation/edr-linux-x64-gnu ] || { say "EDR native package missing after install"; exit 1; }
anvil_ok || { say "Anvil's binary missing after install ($anvil_pkg/bin/anvil)"; exit 1; }
manifest_hash > "$stamp"
say "packages installed"
