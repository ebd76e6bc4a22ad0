#!/usr/bin/env bash
# Builds a Debian guest image for the harness into OUT (default images/out/debian-bookworm):
#   kernel, initrd, disk.qcow2, id_ed25519{,.pub}, image.json
# RELEASE is the Debian release; SYSTEMD_SUITE (optional, e.g. bookworm-backports) a suite
# added to the sources that systemd and its own binary packages are pinned to;
# APT_OPTIONS (optional) comma-separated KEY=VALUE apt settings, e.g.
# Acquire::Check-Valid-Until=false for a release whose Release file has expired;
# EXTRA_PACKAGES (optional) comma-separated packages of the release installed besides the
# list below (images.list's last column), recorded in image.json like them;
# DEBS (optional) a folder of .debs installed over all that (candidate.sh), BASE the
# images.list image whose row gave RELEASE, SYSTEMD_SUITE, … (both recorded in image.json,
# with the folder's packages and where each package came from).
# ADDED_PACKAGES (optional) the part of EXTRA_PACKAGES a scenario's `packages:` asked for
# (recorded in image.json as such).
# CARRY_SUITE (optional, e.g. bookworm-backports) a suite whose systemd the image carries
# as a local apt source, not installed, for `upgrade:` steps (carry.sh).
# Needs root (mmdebstrap creates device nodes and file ownership), mmdebstrap,
# e2fsprogs (mkfs.ext4 -d fills the file system without loop devices) and qemu-img.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
release=${RELEASE:-bookworm}
name=${NAME:-debian-$release}
out=${OUT:-$here/../out/$name}
mirror=${MIRROR:-http://deb.debian.org/debian}
disk_size=${DISK_SIZE:-3G}

[ "$(id -u)" = 0 ] || { echo "build.sh: must run as root (mmdebstrap needs it)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/harness-image.XXXXXX")
chmod 0700 "$work"
trap 'rm -rf "$work"' EXIT
root=$work/root

packages=(
  systemd systemd-sysv udev dbus libpam-systemd libnss-systemd
  # the server the harness logs in through, and the client scenarios run in a guest (forky's
  # openssh-server 1:10.6 no longer pulls it in)
  openssh-server openssh-client
  linux-image-cloud-amd64 initramfs-tools
  iproute2 procps util-linux kmod less
  pamtester libnss-extrausers
  # OS Login's NSS and PAM modules (left out of nsswitch.conf and PAM unless a
  # scenario puts them in), sudo for its admin policy, and python3 for the mock
  # metadata server such scenarios run inside the guest
  google-compute-engine-oslogin sudo python3
  # Nix (bookworm 2.8, trixie 2.26, forky 2.34) for a real /nix/store: customize.sh builds
  # harness-demo.nix into it
  nix-bin
)
IFS=, read -r -a extra_packages <<<"${EXTRA_PACKAGES:-}"
packages+=("${extra_packages[@]}")

# The SSH key pair root logs in with, and the guest's host key, both made per build:
# the harness checks the host key against the fingerprint recorded in image.json.
ssh-keygen -q -t ed25519 -N '' -C "harness@$name" -f "$work/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C "host@$name" -f "$work/ssh_host_ed25519_key"

sources=("deb $mirror $release main")
hooks=()
if [ -n "${SYSTEMD_SUITE:-}" ]; then
  sources+=("deb $mirror $SYSTEMD_SUITE main")
  # Every binary package built from systemd's source (libsystemd0, udev, libpam-systemd, …)
  # comes from that suite, so they match; everything else stays on the release.
  printf 'Package: src:systemd\nPin: release n=%s\nPin-Priority: 990\n' "$SYSTEMD_SUITE" > "$work/preferences"
  hooks+=(--setup-hook="mkdir -p \"\$1/etc/apt/preferences.d\" && cp '$work/preferences' \"\$1/etc/apt/preferences.d/harness-systemd\"")
fi
# A candidate: the folder's .debs over what the release gave, before customize.sh (which
# may run what they bring).
[ -z "${DEBS:-}" ] || hooks+=(--customize-hook="'$here/candidate.sh' \"\$1\" '$DEBS' '${BASE:-$release}'")
aptopts=()
IFS=, read -r -a settings <<<"${APT_OPTIONS:-}"
for setting in "${settings[@]}"; do
  [ -n "$setting" ] && aptopts+=(--aptopt="${setting%%=*} \"${setting#*=}\"")
done

# A carried candidate: another suite's systemd as a local apt source, not installed.
if [ -n "${CARRY_SUITE:-}" ]; then
  hooks+=(--customize-hook="'$here/carry.sh' \"\$1\" '$CARRY_SUITE' '$mirror' > '$work/carried.json'")
fi

mmdebstrap --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" \
  "${aptopts[@]}" "${hooks[@]}" \
  --essential-hook="'$here/initramfs.sh' \"\$1\" '$here'" \
  --customize-hook="'$here/customize.sh' \"\$1\" '$work'" \
  "$release" "$root" "${sources[@]}"

mkdir -p "$out.tmp"
cp "$root"/boot/vmlinuz-* "$out.tmp/kernel"
cp "$root"/boot/initrd.img-* "$out.tmp/initrd"
systemd_version=$(chroot "$root" dpkg-query -W -f='${Version}' systemd)
kernel_version=$(basename "$root"/boot/vmlinuz-* | sed 's/^vmlinuz-//')
# A candidate's own packages are recorded too, whether or not the recipe names them.
folder_packages=()
for deb in ${DEBS:+"$DEBS"/*.deb}; do folder_packages+=("$(dpkg-deb -f "$deb" Package)"); done
recorded=("${extra_packages[@]}" "${folder_packages[@]}")
packages_json=$("$here/package-versions.sh" "$root" "${recorded[@]}")
mapfile -t recorded_names < <(printf '%s\n' "$packages_json" | sed -n 's/^ *"\([^"]*\)": .*/\1/p')
origins_json=$("$here/package-origins.sh" "$root" "${DEBS:-}" "${recorded_names[@]}")
systemd_suite=${SYSTEMD_SUITE:-$release}
case $origins_json in *'"systemd": "folder"'*) systemd_suite="folder $DEBS" ;; esac
host_fp=$(ssh-keygen -l -E sha256 -f "$work/ssh_host_ed25519_key.pub" | awk '{print $2}')
rm -rf "$root/boot"/vmlinuz-* "$root/boot"/initrd.img-*

mkfs.ext4 -q -L root -d "$root" "$work/disk.raw" "$disk_size"
qemu-img convert -c -O qcow2 "$work/disk.raw" "$out.tmp/disk.qcow2"
cp "$work/id_ed25519" "$work/id_ed25519.pub" "$out.tmp/"
chmod 0600 "$out.tmp/id_ed25519"

cat > "$out.tmp/image.json" <<JSON
{
  "name": "$name",
  "distro": "debian",
  "release": "$release",
  "systemdVersion": "${systemd_version%%.*}",
  "systemdPackageVersion": "$systemd_version",
  "systemdSuite": "$systemd_suite",
  "packages": $packages_json,
  "carried": $(if [ -n "${CARRY_SUITE:-}" ]; then printf '{ "suite": "%s", "packages": %s }' "$CARRY_SUITE" "$(cat "$work/carried.json")"; else echo null; fi),
  "packageOrigins": $origins_json,
  "base": "${BASE:-}",
  "debs": "${DEBS:-}",
  "addedPackages": "${ADDED_PACKAGES:-}",
  "kernelVersion": "$kernel_version",
  "kernelCmdline": "root=/dev/vda rw console=ttyS0,115200 net.ifnames=0 panic=-1 quiet",
  "hostKeyFingerprint": "$host_fp",
  "user": "root",
  "vm": { "memory": 1024, "cpus": 2, "threads": 1, "cpuModel": "max" },
  "recipeHash": "${RECIPE_HASH:-}",
  "builtAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
JSON
rm -rf "$out"
mv "$out.tmp" "$out"
echo "built $out (systemd $systemd_version, kernel $kernel_version)"
