#!/usr/bin/env bash
# Makes sure the host has what the harness needs: installs it with apt when root,
# otherwise names the packages to install and fails.
set -euo pipefail
declare -A need=(
  [qemu-system-x86_64]=qemu-system-x86
  [qemu-img]=qemu-utils
  [mmdebstrap]=mmdebstrap
  [mkfs.ext4]=e2fsprogs
  [ssh-keygen]=openssh-client
  [xmllint]=libxml2-utils
  [setpriv]=util-linux
  [vde_switch]=vde2           # the private network of a scenario with several guests
  [shellcheck]=shellcheck     # make check lints the shell programs (scripts/lint-programs.sh)
  [yamllint]=yamllint         # make check lints the scenario YAML (.yamllint.yaml)
  [apt-ftparchive]=apt-utils   # images that carry a candidate: its local apt source's index
  [chromium]=chromium   # make check: the compare page in a headless browser
)
# Only with NIXPKGS (make check or make confinement-table NIXPKGS=DIR): the NixOS comparison
# evaluates nixpkgs' confinement module with nix-instantiate. Without it nothing needs Nix.
if [ -n "${NIXPKGS:-}" ]; then
  need[nix-instantiate]=nix-bin
fi
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [[ " ${missing[*]} " == *" nix-bin "* ]]; then
  echo "nix-bin: NIXPKGS is set, and the NixOS comparison evaluates nixpkgs' confinement module with its nix-instantiate" >&2
fi
if [ "$(id -u)" != 0 ]; then
  echo "missing host packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "installing host packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
