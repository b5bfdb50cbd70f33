#!/usr/bin/env bash
# Static analysis of the library's sources: cppcheck, then clang-tidy with
# the bug-finding checks, against the compile database of a configured
# build (default build/dev). Both must stay silent.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
test -f "$build/compile_commands.json" || { echo "configure $build first"; exit 1; }
for tool in cppcheck clang-tidy; do
  command -v $tool >/dev/null || { echo "lint: $tool is missing (.ci/deps.sh installs it)"; exit 1; }
done
mapfile -t sources < <(git ls-files 'src/*.c' 'tools/*.c')

cppcheck --quiet --error-exitcode=1 --std=c99 --inline-suppr \
  --enable=warning,style,performance,portability \
  -D_GNU_SOURCE -Iinclude -I"$build/include" "${sources[@]}"

checks='-*,bugprone-*,cert-*,clang-analyzer-*,-bugprone-easily-swappable-parameters'
checks+=',-bugprone-reserved-identifier,-cert-dcl37-c,-cert-dcl51-cpp,-cert-err33-c'
# --warnings-as-errors makes every finding fail the run; its notes about
# warnings suppressed in system headers go to stderr.
if ! clang-tidy --quiet -p "$build" --checks="$checks" --warnings-as-errors='*' \
     "${sources[@]}" 2>/tmp/clang-tidy.$$.err; then
  cat /tmp/clang-tidy.$$.err; rm -f /tmp/clang-tidy.$$.err
  echo "lint: clang-tidy failed"; exit 1
fi
rm -f /tmp/clang-tidy.$$.err
echo "lint: cppcheck and clang-tidy clean on ${#sources[@]} files"
