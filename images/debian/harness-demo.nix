# A small Nix store for the confinement scenarios (scenarios/confinement/nix-store.yaml),
# built by customize.sh inside the image with Debian's nix-bin. builtins.derivation only:
# no nixpkgs, no binary cache, no network. The builders are Debian's /bin/sh and coreutils
# (sandbox off), so every store path's hash depends only on what is written here, and is
# the same with every Nix version that builds it (input-addressed derivations).
#
#   app        bin/app, a #!/bin/sh script: it reads greeting's file and then runs sleep's
#              program, so Nix records both as references (app's closure: app, greeting, sleep)
#   greeting   share/greeting, data only
#   sleep      bin/sleep, a copy of Debian's /usr/bin/sleep (its libc is Debian's, outside the store)
#   tool       bin/tool, a #!/bin/sh script nothing else references
#   tool-link  a store path that is itself a symlink to tool's store path
#   unrelated  a store path that nothing references: it must stay out of every chroot
let
  mk = name: script: derivation {
    inherit name;
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" script ];
    PATH = "/usr/bin:/bin";
  };
in rec {
  greeting = mk "harness-greeting" ''
    set -e
    mkdir -p $out/share
    echo 'hello from the store' > $out/share/greeting
  '';
  sleep = mk "harness-sleep" ''
    set -e
    mkdir -p $out/bin
    cp /usr/bin/sleep $out/bin/sleep
  '';
  app = mk "harness-app" ''
    set -e
    mkdir -p $out/bin
    cat > $out/bin/app <<'SCRIPT'
    #!/bin/sh
    read -r line < ${greeting}/share/greeting
    echo "app read: $line"
    exec ${sleep}/bin/sleep infinity
    SCRIPT
    chmod 0755 $out/bin/app
  '';
  tool = mk "harness-tool" ''
    set -e
    mkdir -p $out/bin
    printf '#!/bin/sh\necho tool ran\n' > $out/bin/tool
    chmod 0755 $out/bin/tool
  '';
  tool-link = mk "harness-tool-link" "/bin/ln -s ${tool} $out";
  unrelated = mk "harness-unrelated" ''
    set -e
    mkdir -p $out/share
    echo 'nothing references this' > $out/share/unrelated
  '';
}
