#!/usr/bin/env bash
# Static analysis of the library's sources: cppcheck, then clang-tidy with
# the bug-finding checks, against the compile database of a configured
# build (default build/dev). Both must stay silent.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
test -f "$build/compile_commands.json" || { echo "configure $build first"; exit 1; }
mapfile -t sources < <(git ls-files 'src/*.c')

cppcheck --quiet --error-exitcode=1 --std=c99 --inline-suppr \
  --enable=warning,style,performance,portability \
  -D_GNU_SOURCE -Iinclude -I"$build/include" "${sources[@]}"

checks='-*,bugprone-*,cert-*,clang-analyzer-*,-bugprone-easily-swappable-parameters'
checks+=',-bugprone-reserved-identifier,-cert-dcl37-c,-cert-dcl51-cpp,-cert-err33-c'
out=$(clang-tidy --quiet -p "$build" --checks="$checks" "${sources[@]}" 2>/dev/null || true)
if printf '%s\n' "$out" | grep -E 'warning:|error:'; then
  echo "clang-tidy found the above"; exit 1
fi
echo "lint: cppcheck and clang-tidy clean on ${#sources[@]} files"
