#!/usr/bin/env bash
# Makes sure a system Chromium is there for the browser suite (npm run test:browser): Debian's
# `chromium` package, driven by playwright-core. No Playwright browser download, ever.
# CI runs this before the suite. Installs only as root with apt-get; elsewhere it says what to do.
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ]; then
  # An explicit choice is the only candidate, as in test/browser/support/browser.ts.
  if [ -x "$CHROMIUM_PATH" ]; then
    echo "chromium: $CHROMIUM_PATH"
    exit 0
  fi
  echo "chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
  exit 1
fi

for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -x "$candidate" ]; then
    echo "chromium: $candidate ($("$candidate" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
  fi
done

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium: not found, installing Debian's chromium package"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo 'installed')"
  exit 0
fi

echo "chromium: not found, and installing needs root and apt-get." >&2
echo "          Install Debian's 'chromium' package (or set CHROMIUM_PATH); until then" >&2
echo "          npm run test:browser skips its specs." >&2
exit 1
