#!/bin/bash
# The runtime closure of a confined unit, computed in the guest as root (confinement/closure.ts
# runs it; shellcheck and make check lint it). Prints one line per path, tab-separated:
#   bind PATH SOURCE     bind SOURCE (PATH resolved) at PATH in the chroot
#   binsh SOURCE         the shell bound at /bin/sh
#   missing PATH         named but not there: left out, and said so in the drop-in
#   cut DIR "N M"        a packages directory of M programs, only the first N followed
# Arguments: UNIT EXEC_LINES BINSH FULL_UNIT LIMIT [PACKAGE…]
#   EXEC_LINES  systemctl show's ExecStart=… lines of the unit (systemd's own parse)
#   BINSH       the binSh path, or '' for none (binSh: null)
#   FULL_UNIT   yes: what the unit's files reference joins the closure (fullUnit)
#   LIMIT       programs of one packages directory whose closures are followed
#
# Every process costs milliseconds under TCG, so the script forks little: bash builtins read
# magic numbers and shebangs and remember what was seen, one `ldd` lists the libraries of
# every program at once (its list is already transitive), and one `readlink -f` resolves
# every path at the end.
# Not -e: a test that fails is an answer here, and each error that matters is printed.
set -u +e +o pipefail
export LC_ALL=C
unit=$1 exec_lines=$2 binsh=$3 full_unit=$4 limit=$5
shift 5
declare -A seen=()
found=()   # paths to bind, in the order found
elves=()   # ELF files, whose libraries one ldd lists at the end

# add PATH: PATH and, once, everything it needs at run time. /bin/sh is binSh's alone, as on
# NixOS (whose Exec and #! lines name store paths): an Exec or #! line naming it binds nothing.
add() {
  local path=$1 magic=''
  [[ $path == /* && $path != /bin/sh && -z ${seen[$path]+x} ]] || return 0
  seen[$path]=1
  if [[ ! -e $path ]]; then printf 'missing\t%s\t\n' "$path"; return 0; fi
  found+=("$path")
  if [[ -d $path ]]; then add_tree "$(readlink -f -- "$path")"; return 0; fi
  [[ -f $path ]] || return 0
  IFS= read -r -N 4 magic < "$path" 2>/dev/null || true
  case $magic in
    $'\x7fELF') elves+=("$path") ;;
    '#!'*) add_interpreter "$path" ;;
  esac
}

# '#!/usr/bin/env python3' needs env and python3; '#!/bin/sh -e' needs /bin/sh
add_interpreter() {
  local line='' words=()
  IFS= read -r line < "$1" || true
  read -r -a words <<< "${line#??}"
  (( ${#words[@]} )) || return 0
  add "${words[0]}"
  if [[ ${words[0]} == */env && ${#words[@]} -gt 1 ]]; then add "$(command -v -- "${words[1]}" || true)"; fi
}

# a directory (a package) brings its programs' closures too, at any depth; past LIMIT
# programs the rest are bound (the directory is) but not followed, and said so
add_tree() {
  local program programs=()
  mapfile -t programs < <(find "$1" -type f -perm -u+x 2>/dev/null | sort)
  if (( ${#programs[@]} > limit )); then
    printf 'cut\t%s\t%s %s\n' "$1" "$limit" "${#programs[@]}"
    programs=("${programs[@]:0:limit}")
  fi
  for program in "${programs[@]}"; do add "$program"; done
}

# systemd's own parse of the Exec* lines: path=PROGRAM ; argv[]=WORDS ; … for each command
path_re='path=([^ ;]*)' argv_re='argv\[\]=([^;]*)' file_re='/[A-Za-z0-9_.@+/-]*'
store_re='/nix/store/[0-9a-z]{32}-[A-Za-z0-9+._?=-]+'
programs() {
  local rest=$exec_lines matched args word words
  while [[ $rest =~ $path_re ]]; do
    echo "${BASH_REMATCH[1]}"
    rest=${rest#*"${BASH_REMATCH[0]}"}
  done
  # argv words that name files (e.g. the script of /bin/sh -c or python3 x.py), as a Nix string's context would
  rest=$exec_lines
  while [[ $rest =~ $argv_re ]]; do
    matched=${BASH_REMATCH[0]} args=${BASH_REMATCH[1]}
    read -r -a words <<< "$args"
    for word in "${words[@]}"; do
      [[ $word == /* && -f $word ]] && echo "$word"
      store_paths "$word"
    done
    rest=${rest#*"$matched"}
  done
}

# the store paths in a word, a directory or inside an option (--data=/nix/store/…/share): they
# are in the Nix string context of NixOS's Exec line, and NixOS binds each whole
store_paths() {
  local rest=$1
  while [[ $rest =~ $store_re ]]; do
    echo "${BASH_REMATCH[0]}"
    rest=${rest#*"${BASH_REMATCH[0]}"}
  done
}

# everything the unit's files mention that is a file (EnvironmentFile=, Environment=X=/path …)
unit_references() {
  local line rest word
  while IFS= read -r line; do
    [[ $line == '#'* ]] && continue
    rest=$line
    while [[ $rest =~ $file_re ]]; do
      word=${BASH_REMATCH[0]}
      rest=${rest#*"$word"}
      case $word in /proc/*|/sys/*|/dev/*|/run/*) continue ;; esac
      [[ -f $word ]] && echo "$word"
    done
  done < <(systemctl cat -- "$unit" 2>/dev/null)
}

# one path a line (a path may hold blanks or glob characters: no word splitting)
while IFS= read -r program; do add "$program"; done < <(programs)
for package in "$@"; do add "$package"; done
# without fullUnit, what the unit merely references (an EnvironmentFile) stays out
if [[ $full_unit == yes ]]; then
  while IFS= read -r reference; do add "$reference"; done < <(unit_references)
fi
# binSh: null ('') — no /bin/sh in the chroot
if [[ -n $binsh ]]; then
  if [[ -e $binsh ]]; then
    real=$(readlink -f -- "$binsh")
    printf 'binsh\t%s\t\n' "$real"
    add "$real"
  else
    printf 'missing\t%s\t\n' "$binsh"
  fi
fi

# ldd names both the libraries (=> /path) and the loader (/lib64/ld-linux….so.2); with several
# files it heads each list with the file's name, which neither pattern matches
if (( ${#elves[@]} )); then
  while IFS= read -r line; do
    if [[ $line =~ "=> "(/[^ ]*)" (" || $line =~ ^[[:space:]]*(/[^ ]*)" (" ]]; then lib=${BASH_REMATCH[1]}; else continue; fi
    [[ -z ${seen[$lib]+x} && -e $lib ]] || continue
    seen[$lib]=1
    found+=("$lib")
  done < <(ldd -- "${elves[@]}" 2>/dev/null)
fi

(( ${#found[@]} )) || exit 0
mapfile -t sources < <(readlink -f -- "${found[@]}")
for i in "${!found[@]}"; do
  source=${sources[$i]-}
  # a path gone between the two looks: resolve it alone rather than misalign the rest
  (( ${#sources[@]} == ${#found[@]} )) || source=$(readlink -f -- "${found[$i]}")
  printf 'bind\t%s\t%s\n' "${found[$i]}" "$source"
done
