#!/usr/bin/env bash
# Runs every command of tests/golden/commands.txt with the rightsize binary BIN and diffs its
# output (stdout, the exit code, stderr, then each named output file) against
# tests/golden/expected/NAME.txt. With --update it rewrites the expectations instead.
# Usage: tests/golden/check.sh BIN [--update] [NAME...]
set -uo pipefail
bin=$(realpath "$1"); shift
update=0
if [[ ${1:-} == --update ]]; then update=1; shift; fi
only=("$@")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo" || exit 2
failed=0
ran=0
while IFS= read -r line; do
  [[ -z $line || $line == \#* ]] && continue
  IFS='|' read -r -a fields <<<"$line"
  name=$(echo "${fields[0]}" | xargs)
  if (( ${#only[@]} )) && [[ ! " ${only[*]} " == *" $name "* ]]; then continue; fi
  tmp=$(mktemp -d)
  args=${fields[1]//\{tmp\}/$tmp}
  actual="$tmp.actual"
  eval "\"$bin\" $args" >"$actual" 2>"$tmp.stderr"
  echo "exit code: $?" >>"$actual"
  if [[ -s $tmp.stderr ]]; then echo "--- stderr" >>"$actual"; cat "$tmp.stderr" >>"$actual"; fi
  for file in "${fields[@]:2}"; do
    for f in ${file//\{tmp\}/$tmp}; do
      echo "--- file ${f#"$tmp"/}" >>"$actual"
      cat "$f" >>"$actual" 2>&1 || echo "(missing)" >>"$actual"
    done
  done
  # Run-dependent text: the temporary folder's path and wall-clock timings.
  sed -i -E -e "s#$tmp#{tmp}#g" -e 's/("[a-z_]*seconds": )[0-9.e+-]+/\1{time}/' \
    -e 's/ in [0-9.]+ s$/ in {time} s/' "$actual"
  expected="$here/expected/$name.txt"
  ran=$((ran + 1))
  if (( update )); then
    mkdir -p "$here/expected"
    cp "$actual" "$expected"
  elif ! diff -u "$expected" "$actual" >"$tmp.diff"; then
    echo "golden: $name differs from tests/golden/expected/$name.txt:"
    head -40 "$tmp.diff"
    failed=$((failed + 1))
  fi
  rm -rf "$tmp" "$tmp.actual" "$tmp.stderr" "$tmp.diff"
done <"$here/commands.txt"
if (( ran == 0 )); then echo "golden: no command ran"; exit 1; fi
echo "golden: $ran commands, $failed differ"
(( failed == 0 ))
