#!/bin/sh
# Installs Debian's `chromium` package when it is missing: the console's browser tests and
# `make screenshots` drive it headless through Playwright (Playwright's own browser download
# needs an outside origin, which this project never depends on).
set -eu

if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "chromium missing: run 'apt-get update && apt-get install -y --no-install-recommends chromium' as root" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
echo "installed $(chromium --version 2>/dev/null | head -n1)"
