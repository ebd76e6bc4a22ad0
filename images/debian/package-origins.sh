#!/bin/sh
# Prints, as one JSON object, where each named package installed in the root file system
# $1 came from: "folder" when the candidate folder $2 (may be empty: none) holds a .deb of
# it at the installed version, else "archive"; null for a package that is not installed.
set -eu
root=$1 debs=$2
shift 2
sep='{'
for name in "$@"; do
  version=$(chroot "$root" dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$name" 2>/dev/null || true)
  case $version in
    ii*) origin='"archive"'
      for deb in ${debs:+"$debs"/*.deb}; do
        if [ "$(dpkg-deb -f "$deb" Package)" = "$name" ] && [ "$(dpkg-deb -f "$deb" Version)" = "${version##* }" ]; then
          origin='"folder"'
        fi
      done ;;
    *) origin=null ;;
  esac
  printf '%s\n    "%s": %s' "$sep" "$name" "$origin"
  sep=,
done
printf '\n  }\n'
