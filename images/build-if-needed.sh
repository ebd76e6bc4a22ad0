#!/usr/bin/env bash
# Builds images/out/NAME when it is missing or its recipe changed since it was built
# (image.json records a hash of the recipe files).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=${1:-debian-bookworm}
recipe=$here/debian
hash=$(cat "$recipe"/* | sha256sum | cut -c1-16)
json=$here/out/$name/image.json
if [ -f "$json" ] && grep -q "\"recipeHash\": \"$hash\"" "$json"; then
  exit 0
fi
# The image's row in images.list: its release, the suite systemd comes from, apt options,
# the suite of the candidate systemd it carries.
row=$(awk -v n="$name" '$1 == n { print $2, $3, $4, ($5 == "" ? "-" : $5) }' "$recipe/images.list")
if [ -z "$row" ]; then
  echo "build-if-needed.sh: no image \"$name\" in $recipe/images.list; known: $(awk '!/^#/ && NF { printf "%s ", $1 }' "$recipe/images.list")" >&2
  exit 2
fi
read -r release systemd_suite apt_options carry_suite <<<"$row"
[ "$systemd_suite" = - ] && systemd_suite=
[ "$apt_options" = - ] && apt_options=
[ "$carry_suite" = - ] && carry_suite=
echo "building image $name (recipe $hash); this takes a few minutes"
RECIPE_HASH=$hash NAME=$name RELEASE=$release SYSTEMD_SUITE=$systemd_suite APT_OPTIONS=$apt_options CARRY_SUITE=$carry_suite "$recipe/build.sh"
