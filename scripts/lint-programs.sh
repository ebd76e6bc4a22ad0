#!/usr/bin/env bash
# make check: the project's programs that are not TypeScript, linted as what they are:
# every shell script with shellcheck (warnings and errors; the info-level note about
# dpkg-query's ${…} formats in single quotes is what those lines mean), every Python file
# compiled (its bytecode kept out of the tree).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t shells < <(git ls-files -- '*.sh' .ci/run 2>/dev/null || find harness images scripts -name '*.sh')
mapfile -t pythons < <(git ls-files -- '*.py' 2>/dev/null || find harness -name '*.py')
shellcheck --severity=warning "${shells[@]}"
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
for file in "${pythons[@]}"; do PYTHONPYCACHEPREFIX=$cache python3 -m py_compile "$file"; done
echo "linted ${#shells[@]} shell and ${#pythons[@]} Python programs"
