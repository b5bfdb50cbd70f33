#!/usr/bin/env bash
# check.sh BUILD_DIR WORK_DIR
# Installs BUILD_DIR into a scratch prefix, then builds and runs a program
# outside the project against it: once through find_package(sysv), once
# through pkg-config (shared and static). Run by ctest (label "install")
# from a build without sanitizers.
set -euo pipefail
build=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix

echo "== cmake --install into $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in include/sysv/sysv.h include/sysv/ipc.h include/sysv/version.h; do
  test -f "$prefix/$f" || { echo "missing $f"; exit 1; }
done
so=$(find "$prefix" -name 'libsysv.so.0' | head -n 1)
test -n "$so" || { echo "libsysv.so.0 not installed"; exit 1; }
lib=$(dirname "$so")
readelf -d "$lib/libsysv.so" | grep -q 'SONAME.*\[libsysv\.so\.0\]' || { echo "bad SONAME"; exit 1; }
test -f "$lib/libsysv.a" || { echo "libsysv.a not installed"; exit 1; }
if nm -D "$lib/libsysv.so" | grep -q __asan; then
  echo "the installed library is sanitized: install from a build without SYSV_SANITIZE"; exit 1
fi

echo "== bin/sysv runs from the prefix, on the installed library"
"$prefix/bin/sysv" --version
"$prefix/bin/sysv" ls --limits --json >/dev/null
test -f "$prefix/share/man/man1/sysv.1" || { echo "sysv.1 not installed"; exit 1; }
test -f "$prefix/share/bash-completion/completions/sysv" || { echo "completion not installed"; exit 1; }
test "$(readlink -f "$(ldd "$prefix/bin/sysv" | awk '/libsysv\.so\.0/ {print $3}')")" = "$(readlink -f "$lib/libsysv.so.0")"

echo "== find_package(sysv CONFIG)"
cmake -S "$here/consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >"$work/configure.log"
cmake --build "$work/cmake" >"$work/build.log"
"$work/cmake/consumer"
"$work/cmake/consumer_static"

echo "== pkg-config sysv"
export PKG_CONFIG_PATH=$lib/pkgconfig
test "$(pkg-config --modversion sysv)" = "$(sed -n 's/#define SYSV_VERSION_STRING "\(.*\)"/\1/p' "$prefix/include/sysv/version.h")"
# The .pc file finds its prefix from where it lies.
test "$(cd "$(pkg-config --variable=prefix sysv)" && pwd -P)" = "$(cd "$prefix" && pwd -P)"
# shellcheck disable=SC2046
cc -o "$work/consumer-pc" "$here/consumer/main.c" $(pkg-config --cflags --libs sysv) \
   -Wl,-rpath,"$(pkg-config --variable=libdir sysv)"
"$work/consumer-pc"
# shellcheck disable=SC2046
cc -o "$work/consumer-pc-static" "$here/consumer/main.c" $(pkg-config --cflags sysv) \
   "$(pkg-config --variable=libdir sysv)/libsysv.a"
"$work/consumer-pc-static"

rm -rf "$work"
echo "install check passed"
