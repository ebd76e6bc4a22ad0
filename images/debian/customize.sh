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
