# The guest the scenarios expect, on NixOS: SSH key login as root on eth0 via DHCP,
# serial console, the hardening and PAM settings the shipped scenarios assert, and the
# real confinement module on a probe service.
{ config, lib, pkgs, modulesPath, ... }:
{
  imports = [ "${modulesPath}/profiles/qemu-guest.nix" ];

  boot.loader.grub.enable = false; # the harness boots kernel and initrd directly
  boot.kernelParams = [ "console=ttyS0,115200" "net.ifnames=0" "panic=-1" "nosmt" ];
  boot.initrd.availableKernelModules = [ "virtio_pci" "virtio_blk" "virtio_net" "ext4" ];
  fileSystems."/" = { device = "/dev/disk/by-label/root"; fsType = "ext4"; };

  networking.hostName = "guest";
  networking.useNetworkd = true;
  systemd.network.networks."80-dhcp" = { matchConfig.Name = "eth0"; networkConfig.DHCP = "ipv4"; };
  networking.firewall.enable = false;

  services.openssh = {
    enable = true;
    hostKeys = [ ]; # build.sh installs the per-build host key whose fingerprint image.json records
    settings = {
      PermitRootLogin = "prohibit-password";
      PasswordAuthentication = false;
      KbdInteractiveAuthentication = false;
      UsePAM = false; # no user manager per harness connection (see images/debian/customize.sh)
      UseDns = false;
      MaxSessions = 64;
      MaxStartups = "64";
    };
    extraConfig = "HostKey /etc/ssh/ssh_host_ed25519_key";
  };

  # Scenarios switch user namespaces off themselves (sysctl user.max_user_namespaces=0);
  # NixOS's own switch stays at its default so both states can be tested.
  security.allowUserNamespaces = true;
  security.protectKernelImage = true; # nohibernate + kexec_load_disabled, as kernel-image-protection.yaml asserts

  # PAM and NSS: what the pam scenarios drive with pamtester, OS Login's modules present
  # but (as on Debian) only in the stacks scenarios write.
  environment.systemPackages = with pkgs; [ pamtester google-guest-oslogin sudo python3 util-linux iproute2 procps ];
  security.pam.services.login = { };
  security.sudo.enable = true;

  # NixOS's own confinement module on a probe, for scenarios that name an existing unit.
  systemd.services.confinement-probe = {
    serviceConfig.ExecStart = "${pkgs.coreutils}/bin/sleep infinity";
    confinement.enable = true;
    confinement.mode = "full-apivfs";
  };

  users.mutableUsers = true;
  system.stateVersion = "25.05";
}
