#!/usr/bin/env bash
# Makes sure a system Chromium is there for the browser suite (npm run test:browser). Playwright's
# own browser download is never used: playwright-core drives Debian's `chromium` package.
# CI runs this before the suite; on a machine where we are not root, it only reports.
set -euo pipefail

for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
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

echo "chromium: not found and cannot install it here (needs root and apt-get)." >&2
echo "          Install Debian's 'chromium' package or set CHROMIUM_PATH; the browser suite skips without it." >&2
exit 1
