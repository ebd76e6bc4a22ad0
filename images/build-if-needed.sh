#!/usr/bin/env bash
# Builds OUT/NAME when it is missing or its recipe changed since it was built (image.json
# records a hash of the recipe files, the image's row of images.list and, for a candidate,
# its .debs). OUT is $HARNESS_IMAGES (the folder the harness reads images from), else
# images/out.
#
#   images/build-if-needed.sh NAME                  an image images.list names
#   BASE=debian-bookworm DEBS=path/ images/build-if-needed.sh NAME
#                                                   a candidate: BASE's release with the
#                                                   folder's .debs installed over it
#   BASE=debian-bookworm DEBS=path/ MUTANT=tty-world-writable images/build-if-needed.sh NAME
#                                                   a package mutant (`harness mutants`): the
#                                                   folder holds a package of BASE at the very
#                                                   version BASE has, repacked with a seeded
#                                                   regression; unlike a candidate it keeps
#                                                   everything of BASE's row, its carried
#                                                   systemd too
#   BASE=debian-bookworm PACKAGES=apparmor,nginx-light images/build-if-needed.sh NAME
#                                                   a scenario's own packages (`packages:`):
#                                                   BASE's row with them added to its extra
#                                                   packages, from its own release
# DRY_RUN=1 prints what would be built (the settings build.sh gets) and builds nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=${1:-debian-bookworm}
recipe=$here/debian
out_dir=${HARNESS_IMAGES:-$here/out}
base=${BASE:-}
debs=${DEBS:-}
added=${PACKAGES:-}
mutant=${MUTANT:-}
die() { echo "build-if-needed.sh: $*" >&2; exit 2; }
listed() { awk '!/^#/ && NF { printf "%s%s", sep, $1; sep = " " }' "$recipe/images.list"; }
row_of() { awk -v n="$1" '!/^#/ && $1 == n' "$recipe/images.list"; }

# A folder of .debs: its absolute path, or a usage error naming what is wrong with it.
deb_folder() {
  local var=$1 dir=$2
  [ -d "$dir" ] || die "$var=$dir is not a folder"
  compgen -G "$dir/*.deb" >/dev/null || die "$var=$dir holds no .deb file"
  (cd "$dir" && pwd)
}

if [ -n "$base" ]; then
  [ -n "$debs$added" ] || die "BASE=$base needs DEBS=folder, the .debs to install over it (or PACKAGES=a,b, packages to add)"
  [ -z "$(row_of "$name")" ] || die "NAME=$name is an image of images.list; give the candidate a name of its own, e.g. ${base#debian-}-candidate"
  row=$(row_of "$base")
  [ -n "$row" ] || die "BASE=$base: no such image in $recipe/images.list; known: $(listed)"
else
  [ -z "$debs$added" ] || die "DEBS and PACKAGES need BASE=IMAGE, the image of images.list to build on"
  row=$(row_of "$name")
  [ -n "$row" ] || die "no image \"$name\" in $recipe/images.list; known: $(listed) (or BASE=IMAGE DEBS=folder for a candidate)"
fi
[ -z "$debs" ] || debs=$(deb_folder DEBS "$debs")
[ -z "$mutant" ] || [ -n "$debs" ] || die "MUTANT=$mutant needs BASE=IMAGE and DEBS=folder, the base's own package repacked"

read -r _ release systemd_suite apt_options extra_packages carry_suite <<<"$row"
[ "$systemd_suite" = - ] && systemd_suite=
[ "$apt_options" = - ] && apt_options=
[ "${extra_packages:--}" = - ] && extra_packages=
[ -z "$added" ] || extra_packages=${extra_packages:+$extra_packages,}$added
# A candidate is the systemd under test itself: it carries no other one. A mutant is its base
# with one package changed, and carries what the base carries.
{ [ "${carry_suite:--}" = - ] || { [ -n "$debs" ] && [ -z "$mutant" ]; }; } && carry_suite=

# The recipe's files but images.list, whose other rows do not change this image.
hash=$( {
  for file in "$recipe"/*; do [ "$file" = "$recipe/images.list" ] || cat "$file"; done
  echo "$release $systemd_suite $apt_options $extra_packages $carry_suite"
  [ -z "$debs" ] || (cd "$debs" && sha256sum ./*.deb)
  [ -z "$mutant" ] || echo "mutant $mutant"
} | sha256sum | cut -c1-16)

settings=(RECIPE_HASH="$hash" NAME="$name" OUT="$out_dir/$name" RELEASE="$release" SYSTEMD_SUITE="$systemd_suite"
  APT_OPTIONS="$apt_options" EXTRA_PACKAGES="$extra_packages" CARRY_SUITE="$carry_suite" BASE="$base" DEBS="$debs"
  ADDED_PACKAGES="$added")
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
