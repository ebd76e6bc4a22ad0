{
  # A NixOS guest for confinement-harness, in the layout images/out/NAME/ holds:
  # kernel, initrd, disk.qcow2 (and, added by build.sh, the SSH keys and image.json).
  # Build with ./build.sh on a machine with Nix and a binary cache (see README.md).
  description = "confinement-harness NixOS guest image";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";

  outputs = { self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
      lib = nixpkgs.lib;
    in {
      nixosConfigurations.harness = lib.nixosSystem {
        inherit system;
        modules = [ ./configuration.nix ];
      };

      packages.${system}.default =
        let
          nixos = self.nixosConfigurations.harness;
          inherit (nixos) config;
          disk = import "${nixpkgs}/nixos/lib/make-disk-image.nix" {
            inherit pkgs lib config;
            format = "qcow2-compressed";
            partitionTableType = "none"; # the harness boots the kernel directly with root=/dev/vda
            label = "root";
            diskSize = "auto";
            additionalSpace = "1024M";
          };
        in
        pkgs.runCommand "harness-nixos-image" { } ''
          mkdir -p $out
          cp ${config.system.build.kernel}/${config.system.boot.loader.kernelFile} $out/kernel
          cp ${config.system.build.initialRamdisk}/${config.system.boot.loader.initrdFile} $out/initrd
          cp ${disk}/nixos.qcow2 $out/disk.qcow2
          # image.json without the per-build parts (name, host key fingerprint, build time),
          # which build.sh adds; image.template.json is the shape, filled here.
          substitute ${./image.template.json} $out/image.partial.json \
            --subst-var-by release ${lib.escapeShellArg config.system.nixos.release} \
            --subst-var-by systemdMajor ${lib.versions.major pkgs.systemd.version} \
            --subst-var-by systemd ${pkgs.systemd.version} \
            --subst-var-by pam ${pkgs.pam.version} \
            --subst-var-by utilLinux ${pkgs.util-linux.version} \
            --subst-var-by oslogin ${pkgs.google-guest-oslogin.version} \
            --subst-var-by nix ${config.nix.package.version} \
            --subst-var-by kernel ${config.boot.kernelPackages.kernel.modDirVersion} \
            --subst-var-by toplevel ${config.system.build.toplevel}
        '';
    };
}
