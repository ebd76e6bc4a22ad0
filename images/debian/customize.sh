#!/bin/sh
# Configures the unpacked root file system ($1) for the harness, using the keys in $2.
set -eu
root=$1 keys=$2

echo guest > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 guest\n::1 localhost\n' > "$root/etc/hosts"
# No fsck at boot: every run boots a fresh overlay of a file system that was never mounted dirty.
echo 'LABEL=root / ext4 defaults 0 0' > "$root/etc/fstab"
chroot "$root" systemd-machine-id-setup

mkdir -p "$root/etc/systemd/network"
cat > "$root/etc/systemd/network/80-dhcp.network" <<NET
[Match]
Name=eth0

[Network]
DHCP=ipv4
NET
chroot "$root" systemctl enable systemd-networkd.service ssh.service

# Key-only root login; one host key, made for this build, whose fingerprint goes into image.json.
rm -f "$root"/etc/ssh/ssh_host_*
install -m 0600 "$keys/ssh_host_ed25519_key" "$root/etc/ssh/ssh_host_ed25519_key"
install -m 0644 "$keys/ssh_host_ed25519_key.pub" "$root/etc/ssh/ssh_host_ed25519_key.pub"
cat > "$root/etc/ssh/sshd_config.d/harness.conf" <<SSHD
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxSessions 64
MaxStartups 64
# The harness's own logins need no PAM session: with one, every connection starts
# a user manager (user@0.service), which costs seconds under TCG and shows up in
# the journal that scenarios assert on.
UsePAM no
SSHD
install -d -m 0700 "$root/root/.ssh"
install -m 0600 "$keys/id_ed25519.pub" "$root/root/.ssh/authorized_keys"

# Units that only slow a boot or change the guest behind a test's back.
for unit in systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
    e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer dpkg-db-backup.timer \
    getty@tty1.service systemd-timesyncd.service logrotate.timer google-oslogin-cache.timer; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done

# A real Nix store (scenarios/confinement/nix-store.yaml): Debian's nix-bin builds the
# builtins-only derivations of harness-demo.nix (no nixpkgs, no binary cache, no network).
# root uses the store directly, without a daemon, build users or sandbox. Each output has a
# GC root /nix/var/nix/gcroots/harness/ATTR, and, as NixOS writes units with store paths,
# harness-nix-app.service (not enabled) runs app's program by its store path.
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$root/etc/nix" "$root/nix/var/nix/gcroots/harness" "$root/usr/share/harness"
printf 'build-users-group =\nsandbox = false\nsubstituters =\n' >> "$root/etc/nix/nix.conf"
install -m 0644 "$here/harness-demo.nix" "$root/usr/share/harness/harness-demo.nix"
# The versions image.json records, read again in the guest after an `upgrade:` step.
install -m 0755 "$here/package-versions.sh" "$root/usr/share/harness/package-versions.sh"
for attr in greeting sleep app tool tool-link unrelated; do
  chroot "$root" nix-build --option sandbox false --option build-users-group '' --option substituters '' \
    /usr/share/harness/harness-demo.nix -A "$attr" -o "/nix/var/nix/gcroots/harness/$attr"
done
app=$(readlink "$root/nix/var/nix/gcroots/harness/app")
cat > "$root/etc/systemd/system/harness-nix-app.service" <<UNIT
[Unit]
Description=harness: a program in the Nix store, named by its store path

[Service]
ExecStart=$app/bin/app
UNIT
