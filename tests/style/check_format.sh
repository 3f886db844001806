#!/usr/bin/env bash
# Fails, listing the files, when any C++ source of the repository differs from what clang-format
# (the repository's .clang-format) would write. `make format` rewrites them.
# Usage: check_format.sh SOURCE_DIR [CLANG_FORMAT]
set -euo pipefail
root=${1:?usage: check_format.sh SOURCE_DIR [CLANG_FORMAT]}
tool=${2:-clang-format-14}
command -v "$tool" > /dev/null || { echo "check_format: $tool not found (cmake/install-deps.sh installs it)" >&2; exit 1; }
cd "$root"
unformatted=()
while IFS= read -r -d '' file; do
  "$tool" --dry-run --Werror "$file" > /dev/null 2>&1 || unformatted+=("$file")
done < <(find sim tests bench -type f \( -name '*.cc' -o -name '*.h' \) -print0 | sort -z)
if (( ${#unformatted[@]} > 0 )); then
  echo "check_format: ${#unformatted[@]} file(s) not clang-format clean (run \`make format\`):" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "check_format: every C++ source is clang-format clean"
