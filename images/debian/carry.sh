#!/bin/sh
# Carries a candidate systemd in the unpacked root file system ($1), not installed: the
# packages built from systemd's source that the image has, at the version suite $2 (e.g.
# bookworm-backports) offers, with what they newly need, in /var/lib/harness/candidate,
# a local apt source (harness-candidate.list). An `upgrade:` step installs from it as an
# admin would, offline. $3 is the mirror. Prints the carried versions as a JSON object.
set -eu
root=$1 suite=$2 mirror=$3
dir=/var/lib/harness/candidate
list=$root/etc/apt/sources.list.d/harness-carry-download.list

mkdir -p "$root$dir/partial"
echo "deb $mirror $suite main" > "$list"
chroot "$root" apt-get update -qq
# Every installed binary package of src:systemd (libsystemd0, udev, libpam-systemd, …).
packages=$(chroot "$root" dpkg-query -W -f='${db:Status-Abbrev} ${binary:Package} ${source:Package}\n' |
  awk '$1 == "ii" && $3 == "systemd" { print $2 }')
# shellcheck disable=SC2086 # one word a package
chroot "$root" apt-get install --download-only -y -qq -t "$suite" \
  -o Dir::Cache::archives="$dir/" $packages >&2
rm -f "$list"
rm -rf "$root$dir/partial" "$root$dir/lock"
chroot "$root" apt-get update -qq
ls "$root$dir"/*.deb >/dev/null || { echo "carry.sh: $suite offers nothing newer for: $packages" >&2; exit 1; }
(cd "$root$dir" && apt-ftparchive packages . > Packages)
echo "deb [trusted=yes] file:$dir ./" > "$root/etc/apt/sources.list.d/harness-candidate.list"

sep='{'
for deb in "$root$dir"/*.deb; do
  printf '%s\n    "%s": "%s"' "$sep" "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)"
  sep=,
done
printf '\n  }\n'
