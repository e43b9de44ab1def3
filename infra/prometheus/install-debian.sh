#!/bin/sh
# Installs Debian's `prometheus` package (prometheus + promtool) when either is missing.
#
# The package's maintainer scripts would start a system-wide Prometheus listening on
# 0.0.0.0:9090. The project only ever runs its own Prometheus on 127.0.0.1 (tests and
# `make up`), so the daemon is kept from starting: a policy-rc.d that refuses every start is
# put in place for the install (only if none exists), and the unit is stopped and disabled
# afterwards in case a service manager started it anyway.
set -eu

if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "promtool/prometheus missing: run 'apt-get install -y --no-install-recommends prometheus' as root" >&2
    exit 1
fi

POLICY=/usr/sbin/policy-rc.d
CREATED=""
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$POLICY"
    chmod 755 "$POLICY"
    CREATED=1
fi
cleanup() { if [ -n "$CREATED" ]; then rm -f "$POLICY"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show prometheus >/dev/null 2>&1; then
    apt-get update -qq
fi
# No recommends: they would add prometheus-node-exporter, another daemon on 0.0.0.0.
apt-get install -y -qq --no-install-recommends prometheus >/dev/null

if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
if [ -x /etc/init.d/prometheus ]; then
    /etc/init.d/prometheus stop >/dev/null 2>&1 || true
fi
command -v promtool >/dev/null && command -v prometheus >/dev/null
echo "installed $(prometheus --version 2>&1 | head -n1)"
