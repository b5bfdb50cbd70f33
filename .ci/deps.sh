#!/usr/bin/env bash
# Installs what building and testing libsysv needs, on Debian or Ubuntu,
# when something is missing. The library itself needs only libc; the tools
# below are for the build, the tests and the install check.
set -euo pipefail
need=()
command -v cmake >/dev/null || need+=(cmake)
command -v make >/dev/null || need+=(make)
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v pkg-config >/dev/null || need+=(pkgconf)
command -v nm >/dev/null || need+=(binutils)
command -v readelf >/dev/null || need+=(binutils)
command -v clang-format >/dev/null || need+=(clang-format)
command -v clang-tidy >/dev/null || need+=(clang-tidy)
command -v cppcheck >/dev/null || need+=(cppcheck)
command -v ipcmk >/dev/null || need+=(util-linux)
command -v python3 >/dev/null || need+=(python3) # the CLI tests check its JSON
command -v groff >/dev/null || need+=(groff-base) # the manual's render check
# `deps.sh --bench`: also what the full benchmark run uses (bench/run).
if [ "${1:-}" = --bench ]; then
  command -v gnuplot >/dev/null || need+=(gnuplot-nox) # bench/plot
  command -v strace >/dev/null || need+=(strace)       # bench/count: system calls per op
  command -v valgrind >/dev/null || need+=(valgrind)   # bench/count: instructions per op
fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing: ${need[*]} (install them with your package manager)" >&2
  exit 1
fi
echo "installing: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
