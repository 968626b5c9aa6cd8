#!/bin/sh
# Makes Debian's firefox-esr available for the real-browser Web Push test (test/firefox).
# Prints the binary's path on success; exits non-zero when it cannot be installed (no root, no
# apt, no network), so the caller can skip with a clear message.
set -eu
if command -v firefox-esr >/dev/null 2>&1; then
  command -v firefox-esr
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "firefox-esr is missing and cannot be installed here (needs root and apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends firefox-esr >/dev/null 2>&1; then
  apt-get update >/dev/null 2>&1 || true
  apt-get install -y --no-install-recommends firefox-esr >/dev/null 2>&1 || {
    echo "apt-get install firefox-esr failed" >&2
    exit 1
  }
fi
command -v firefox-esr
