#!/bin/sh
# Prints, as one JSON object, the Debian version of each package whose behaviour the
# scenarios depend on, as installed in the root file system $1; null for a package that
# is not installed (so a scenario's `when:` can tell "not installed" from "not recorded").
# Further arguments name more packages to record (an image's extra packages).
set -eu
root=$1
shift
# systemd and the binary packages built from it; PAM; util-linux, login and base-files
# (lastlog, wtmp, btmp: base-files' postinst made them until 14); OS Login's NSS/PAM
# modules; the rest of the account stack; the kernel; the extra packages images.list gives
# some images (recorded on all, null where not installed, so one `when:` reads everywhere).
names="systemd udev libpam-systemd libnss-systemd libpam-modules libpam-runtime util-linux login base-files
lastlog2 libpam-lastlog2 google-compute-engine-oslogin libnss-extrausers openssh-server openssh-client sudo nix-bin
linux-image-cloud-amd64 acl"
for extra in "$@"; do
  case " $(echo $names) " in *" $extra "*) ;; *) names="$names $extra" ;; esac
done
sep='{'
for name in $names; do
  version=$(chroot "$root" dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$name" 2>/dev/null || true)
  case $version in
    ii*) printf '%s\n    "%s": "%s"' "$sep" "$name" "${version##* }" ;;
    *) printf '%s\n    "%s": null' "$sep" "$name" ;;
  esac
  sep=,
done
printf '\n  }\n'
