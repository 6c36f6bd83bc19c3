#!/usr/bin/env bash
# Fails when a C++ file in the repository is not as the configured clang-format
# (.clang-format) would write it, and names each such file and line. Fix with:
#   git ls-files '*.cpp' '*.h' | xargs clang-format -i
set -euo pipefail
cd "${1:?usage: format.sh SOURCE_DIR}"
if ! command -v clang-format >/dev/null; then
    echo "format.sh: clang-format is not installed (scripts/install-deps installs it)" >&2
    exit 1
fi
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [ ${#files[@]} -eq 0 ]; then
    echo "format.sh: no C++ files found under $PWD (not a git checkout?)" >&2
    exit 1
fi
clang-format --dry-run --Werror "${files[@]}"
echo "format.sh: ${#files[@]} files as clang-format writes them"
