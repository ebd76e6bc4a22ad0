#!/usr/bin/env bash
# Builds images/out/NAME (default nixos) from this flake: nix build, then the per-build
# parts the Debian recipe also makes: the root login key pair and the guest's host key
# (written into a copy of the disk with e2fsprogs, so no key ever enters the Nix store),
# and image.json with the host key's fingerprint. Needs Nix with flakes, a binary cache
# (or a great deal of time), e2fsprogs' debugfs, qemu-img and ssh-keygen.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=${1:-nixos}
out=$here/../out/$name
work=$(mktemp -d "${TMPDIR:-/tmp}/harness-nixos.XXXXXX")
chmod 0700 "$work"
trap 'rm -rf "$work"' EXIT

result=$(nix build --no-link --print-out-paths "$here#default")
ssh-keygen -q -t ed25519 -N '' -C "harness@$name" -f "$work/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C "host@$name" -f "$work/ssh_host_ed25519_key"

mkdir -p "$out.tmp"
cp "$result/kernel" "$result/initrd" "$out.tmp/"
qemu-img convert -O raw "$result/disk.qcow2" "$work/disk.raw"
debugfs -w "$work/disk.raw" <<DEBUGFS
mkdir /etc
mkdir /etc/ssh
write $work/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key
set_inode_field /etc/ssh/ssh_host_ed25519_key mode 0100600
mkdir /root
mkdir /root/.ssh
set_inode_field /root/.ssh mode 040700
write $work/id_ed25519.pub /root/.ssh/authorized_keys
DEBUGFS
qemu-img convert -c -O qcow2 "$work/disk.raw" "$out.tmp/disk.qcow2"
install -m 0600 "$work/id_ed25519" "$out.tmp/id_ed25519"
cp "$work/id_ed25519.pub" "$out.tmp/"

fingerprint=$(ssh-keygen -l -E sha256 -f "$work/ssh_host_ed25519_key.pub" | awk '{print $2}')
node -e '
  const [partial, name, fingerprint] = process.argv.slice(1);
  const meta = JSON.parse(require("fs").readFileSync(partial, "utf8"));
  const full = { name, ...meta, hostKeyFingerprint: fingerprint, builtAt: new Date().toISOString() };
  process.stdout.write(JSON.stringify(full, null, 2) + "\n");
' "$result/image.partial.json" "$name" "$fingerprint" > "$out.tmp/image.json"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "built $out"
