#!/usr/bin/env bash
# Fails when a C file differs from what clang-format (.clang-format) makes
# of it. Fix with: clang-format -i $(git ls-files '*.c' '*.h')
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h')
clang-format --dry-run --Werror "${files[@]}"
echo "format check: ${#files[@]} files follow .clang-format"
