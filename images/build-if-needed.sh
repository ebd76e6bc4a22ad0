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
echo "building image $name (recipe $hash); this takes a few minutes"
RECIPE_HASH=$hash NAME=$name RELEASE=${name#debian-} "$recipe/build.sh"
