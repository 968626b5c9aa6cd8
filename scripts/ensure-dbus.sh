#!/bin/sh
# The distributor's tests need a D-Bus daemon and gdbus (an independent D-Bus client).
# Installs them with apt-get when missing (Debian/Ubuntu: packages dbus, libglib2.0-bin).
set -e
missing=""
command -v dbus-daemon >/dev/null 2>&1 || missing="$missing dbus"
command -v gdbus >/dev/null 2>&1 || missing="$missing libglib2.0-bin"
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-dbus: please install:$missing" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
