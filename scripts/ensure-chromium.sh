#!/usr/bin/env bash
# Installs Debian's chromium for the API explorer's browser test (test/integration/explorer-browser)
# when it is missing: run by `make test` / `make integration`. Never fails the build: where it
# cannot be installed (not root, no apt-get), the test skips and says why.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/lib/chromium/chromium ] || [ -n "${CHROMIUM_PATH:-}" ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: chromium is missing and cannot be installed here (needs root and apt-get); the browser test will skip" >&2
  exit 0
fi
echo "Installing chromium for the browser test (apt-get, once)…" >&2
log=$(mktemp)
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >"$log" 2>&1; then
  echo "note: apt-get install chromium failed (see $log); the browser test will skip" >&2
  exit 0
fi
rm -f "$log"
