#!/bin/sh
# Installs every .deb of the folder $2 over the root file system $1 as an admin's
# `apt-get install ./*.deb` would: what the folder lacks comes from the image's release
# (its sources and pins as build.sh set them). A package apt cannot install, or one that
# does not end up at the folder's version, stops the build with its name.
set -eu
root=$1 debs=$2 release=${3:-this release}
stage=/var/cache/harness-candidate
log=$(mktemp)
trap 'rm -f "$log"; rm -rf "$root$stage"' EXIT
mkdir -p "$root$stage"
cp "$debs"/*.deb "$root$stage/"
set --
for deb in "$root$stage"/*.deb; do set -- "$@" "$stage/${deb##*/}"; done

if ! chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    --allow-downgrades -o Dpkg::Options::=--force-confold "$@" >"$log" 2>&1; then
  # apt names the package and what stops it: " systemd : Depends: systemd-dev (>= 254…) but
  # it is not installable", "udev : Breaks: …", "E: …".
  echo "candidate.sh: apt cannot install the packages of $debs over $release:" >&2
  grep -E '^ *[a-z0-9][a-z0-9+.-]* : |^ +(Depends|PreDepends|Breaks|Conflicts): |^E: ' "$log" >&2 || tail -n 20 "$log" >&2
  exit 1
fi
cat "$log"

for deb in "$root$stage"/*.deb; do
  package=$(dpkg-deb -f "$deb" Package)
  wanted=$(dpkg-deb -f "$deb" Version)
  got=$(chroot "$root" dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$package" 2>/dev/null || true)
  case $got in
    "ii  $wanted") ;;
    *) echo "candidate.sh: $package is ${got:-not installed}, not the folder's $wanted" >&2; exit 1 ;;
  esac
done
