#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the explorer page's browser test
# (crates/node/tests/explorer.rs). Idempotent: does nothing when /usr/bin/chromium exists.
# Needs root (apt-get); prints each step it takes.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    echo "setup-chromium: $(command -v chromium) already installed: $(chromium --version 2>/dev/null || echo 'version unknown')"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "setup-chromium: chromium is missing and installing it needs root (apt-get install -y chromium)" >&2
    exit 1
fi
echo "setup-chromium: apt-get update"
apt-get update -q
echo "setup-chromium: apt-get install -y chromium fonts-dejavu-core"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
echo "setup-chromium: installed $(command -v chromium): $(chromium --version 2>/dev/null || echo 'version unknown')"
