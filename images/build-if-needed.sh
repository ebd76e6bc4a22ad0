#!/usr/bin/env bash
# Builds OUT/NAME when it is missing or its recipe changed since it was built (image.json
# records a hash of the recipe files and the image's row of images.list). OUT is
# $HARNESS_IMAGES (the folder the harness reads images from), else images/out.
# DRY_RUN=1 prints what would be built (the settings build.sh gets) and builds nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=${1:-debian-bookworm}
recipe=$here/debian
out_dir=${HARNESS_IMAGES:-$here/out}
die() { echo "build-if-needed.sh: $*" >&2; exit 2; }
listed() { awk '!/^#/ && NF { printf "%s ", $1 }' "$recipe/images.list"; }
row_of() { awk -v n="$1" '!/^#/ && $1 == n' "$recipe/images.list"; }

row=$(row_of "$name")
[ -n "$row" ] || die "no image \"$name\" in $recipe/images.list; known: $(listed)"

read -r _ release systemd_suite apt_options extra_packages <<<"$row"
[ "$systemd_suite" = - ] && systemd_suite=
[ "$apt_options" = - ] && apt_options=
[ "${extra_packages:--}" = - ] && extra_packages=

# The recipe's files but images.list, whose other rows do not change this image.
hash=$( {
  for file in "$recipe"/*; do [ "$file" = "$recipe/images.list" ] || cat "$file"; done
  echo "$release $systemd_suite $apt_options $extra_packages"
} | sha256sum | cut -c1-16)

settings=(RECIPE_HASH="$hash" NAME="$name" OUT="$out_dir/$name" RELEASE="$release" SYSTEMD_SUITE="$systemd_suite"
  APT_OPTIONS="$apt_options" EXTRA_PACKAGES="$extra_packages")
if [ -n "${DRY_RUN:-}" ]; then
  printf '%s\n' "${settings[@]}"
  exit 0
fi
json=$out_dir/$name/image.json
if [ -f "$json" ] && grep -q "\"recipeHash\": \"$hash\"" "$json"; then
  exit 0
fi
echo "building image $name in $out_dir (recipe $hash); this takes a few minutes"
env "${settings[@]}" "$recipe/build.sh"
