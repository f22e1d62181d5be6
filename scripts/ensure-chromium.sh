#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed at /usr/bin/chromium for the dapp's browser tests
# (test/dapp/*.test.ts drive it with playwright-core). Idempotent: does nothing when it is there.
# Never downloads a browser build of its own (`npx playwright install` cannot work here): only
# Debian's package, through apt.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) already installed at $CHROMIUM"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available; install Chromium by hand" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-chromium: need root (or sudo) to install chromium with apt-get" >&2
    exit 1
  fi
fi

echo "ensure-chromium: $CHROMIUM is missing; installing Debian's chromium package (apt-get update + install)…"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
