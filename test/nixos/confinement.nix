# One service through the confinement module of a nixpkgs the user has (NIXPKGS), evaluated
# with that nixpkgs' lib and nothing else of it: no store, no daemon, no network, nothing
# built. scripts/nixos-confinement-table.js and test/nixos/ run it once per row of
# test/fixtures/confinement-table.yaml:
#
#   nix-instantiate --eval --strict --json --store dummy:// test/nixos/confinement.nix \
#     --argstr nixpkgs NIXPKGS --argstr rowFile ROW.json [--argstr module OTHER.nix] \
#     [-A failedAssertions]
#
# NIXPKGS: a folder holding lib/ and nixos/modules/security/systemd-confinement.nix (a
# nixpkgs checkout, or a folder with only those two). None of nixpkgs is in this repository.
# ROW.json: { "name": "probe", "binsh": "/bin/sh",
#             "service": { "serviceConfig": {…}, "confinement": {…} } }: the service as a
# NixOS configuration writes it (`confinement.enable` is set here).
#
# The rest of NixOS that the module touches is replaced below by stand-ins of our own, each
# naming the NixOS option or file it stands in for and doing only what the module needs of
# it. What the module builds (the drop-in, with runCommand) is not built: its build script
# comes back as text, with what it reads, and the caller runs it with bash.
{
  nixpkgs,
  module ? "${nixpkgs}/nixos/modules/security/systemd-confinement.nix",
  rowFile,
}:
let
  lib = import "${nixpkgs}/lib";
  inherit (lib) mkOption types;
  row = builtins.fromJSON (builtins.readFile rowFile);

  # Stands in for the type NixOS gives every serviceConfig setting (unitOption, in
  # nixos/lib/systemd-unit-options.nix). The module relies on two things of it: when any
  # definition of a setting is a list, the setting is every definition's items together (the
  # module adds its own ReadOnlyPaths, RuntimeDirectory and InaccessiblePaths to the
  # service's), and a setting defined twice otherwise is refused unless both agree (a
  # service's own RootDirectory; the refusal is lib's). Priorities (mkDefault) are settled by
  # the module system before a type merges.
  serviceSetting = lib.mkOptionType {
    name = "serviceConfig setting (stand-in)";
    merge =
      loc: defs:
      let
        items = value: if builtins.isList value then value else [ value ];
      in
      if builtins.any (def: builtins.isList def.value) defs then
        builtins.concatMap (def: items def.value) defs
      else
        lib.mergeEqualOption loc defs;
  };

  # Stands in for the unit file NixOS makes of a service (systemd.units, filled in
  # nixos/modules/system/boot/systemd.nix): here only its [Service] section, a line KEY=VALUE
  # per value, a list giving one line per item, a boolean written true or false. The module
  # takes the whole unit as a root of the closure when confinement.fullUnit is set.
  written = value: if builtins.isBool value then lib.boolToString value else toString value;
  serviceSection =
    settings:
    "[Service]\n"
    + lib.concatMapStrings (
      key: lib.concatMapStrings (value: "${key}=${written value}\n") (lib.toList settings.${key})
    ) (builtins.attrNames settings);

  # Stands in for utils.systemdUtils.lib.mkPathSafeName (nixos/lib/systemd-lib.nix): a
  # service's name as a folder name under /run/confinement. Its documented behaviour, character
  # by character: @, : and \ become -, [ and ] are left out (as harness/confinement/unit.ts
  # does for the harness).
  pathSafeName =
    name:
    lib.concatMapStrings (
      c:
      if builtins.elem c [ "@" ":" "\\" ] then
        "-"
      else if builtins.elem c [ "[" "]" ] then
        ""
      else
        c
    ) (lib.stringToCharacters name);

  # Stand-ins for the three builders the module calls (pkgs.writeText, pkgs.closureInfo,
  # pkgs.runCommand): with no store, each is a record that says what it was given, with a
  # made-up store path for an output.
  fakeOut = what: "/nix/store/00000000000000000000000000000000-${what}";
  pkgs = {
    writeText = name: text: {
      type = "derivation";
      inherit name text;
      outPath = fakeOut name;
    };
    closureInfo = args: {
      type = "derivation";
      name = "closure-info";
      inherit (args) rootPaths;
      outPath = fakeOut "closure-info";
    };
    runCommand = name: env: buildCommand: {
      type = "derivation";
      inherit name env buildCommand;
      outPath = fakeOut name;
    };
  };

  standIns =
    { config, ... }:
    {
      options = {
        # Stands in for `assertions` (nixos/modules/misc/assertions.nix): the module adds its
        # own; a NixOS system with a false one is refused before anything is built. Items
        # stay unevaluated until failedAssertions below reads them.
        assertions = mkOption {
          default = [ ];
          type = types.listOf types.unspecified;
        };
        # Stands in for environment.binsh (nixos/modules/config/shells-environment.nix),
        # confinement.binSh's default; on NixOS bash's sh, here the guest's /bin/sh (the row's).
        environment.binsh = mkOption { type = types.path; };
        # Stands in for systemd.packages and systemd.units (nixos/modules/system/boot/systemd.nix):
        # the module puts its drop-in in the first and reads the service's unit from the second.
        systemd.packages = mkOption {
          default = [ ];
          type = types.listOf types.package;
        };
        systemd.units = mkOption {
          default = { };
          type = types.attrsOf types.unspecified;
        };
        # Stands in for systemd.services (nixos/lib/systemd-unit-options.nix): of a service,
        # the module reads and writes serviceConfig alone (it declares `confinement` itself).
        systemd.services = mkOption {
          default = { };
          type = types.attrsOf (
            types.submodule {
              options.serviceConfig = mkOption {
                default = { };
                type = types.attrsOf serviceSetting;
              };
            }
          );
        };
      };
      config = {
        environment.binsh = row.binsh;
        systemd.units = lib.mapAttrs' (name: service: {
          name = "${name}.service";
          value.text = serviceSection service.serviceConfig;
        }) config.systemd.services;
        _module.args = {
          inherit pkgs;
          utils.systemdUtils.lib.mkPathSafeName = pathSafeName;
        };
      };
    };

  evaluate =
    enable:
    (lib.evalModules {
      modules = [
        (/. + module)
        standIns
        {
          _file = "the table row";
          systemd.services.${row.name} = row.service // {
            confinement = row.service.confinement // {
              inherit enable;
            };
          };
        }
      ];
    }).config;
  confined = evaluate true;
  service = confined.systemd.services.${row.name};
in
{
  # The messages of the false assertions: what a NixOS system refuses first.
  failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) confined.assertions);
  inherit (service) serviceConfig;
  # The same service without confinement: serviceConfig as the service itself has it.
  ownServiceConfig = (evaluate false).systemd.services.${row.name}.serviceConfig;
  inherit (service.confinement) binSh packages;
  # The drop-in's build script and what it reads: $serviceName, $excludedPath and
  # $closureInfo/store-paths (the closure: here only the roots' file, which is what
  # closureInfo lists for a file that refers to nothing).
  dropIns = map (drv: {
    inherit (drv) name buildCommand;
    inherit (drv.env) serviceName;
    excludedPath = drv.env.excludedPath.outPath;
    storePaths = [ drv.env.closureInfo.rootPaths.outPath ];
    roots = drv.env.closureInfo.rootPaths.text;
  }) confined.systemd.packages;
}
