#!/bin/sh
# Downloads .debs of one Debian suite into a folder, for a candidate image
# (make image NAME=… BASE=… DEBS=FOLDER), without touching the host's apt sources:
# apt runs with lists and cache of its own under FOLDER/.apt, removed afterwards.
#
#   scripts/fetch-debs.sh SUITE FOLDER [PACKAGE…]
#
# Without packages: systemd and the binary packages of its source a Debian image has
# installed. apt-get download fetches exactly the named packages, no dependencies: the
# image build then says which one is missing (e.g. systemd-dev for bookworm-backports'
# 254), and you add it here.
set -eu
[ $# -ge 2 ] || { echo "usage: scripts/fetch-debs.sh SUITE FOLDER [PACKAGE…]" >&2; exit 2; }
suite=$1 folder=$2
shift 2
[ $# -gt 0 ] || set -- systemd systemd-sysv libsystemd0 libsystemd-shared libpam-systemd libnss-systemd udev libudev1
mirror=${MIRROR:-http://deb.debian.org/debian}
mkdir -p "$folder"
folder=$(cd "$folder" && pwd)
state=$folder/.apt
trap 'rm -rf "$state"' EXIT
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$state/sources.list"
apt() {
  apt-get -q -o Dir::Etc::SourceList="$state/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$state/lists" -o Dir::Cache="$state/cache" -o Dir::State::status=/dev/null \
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null \
    -o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root "$@"
}
apt update >/dev/null
cd "$folder"
apt download "$@"
ls "$folder"/*.deb
