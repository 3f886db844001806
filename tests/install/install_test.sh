#!/usr/bin/env bash
# The installed rightsize, as a user gets it: `cmake --install BUILD --prefix TMP`, then from a
# folder outside the source tree `rightsize --version`, `rightsize list models` and the default
# study. Fails unless the binary carries no source path, finds the catalogue under
# TMP/share/rightsize, and writes its report into the current folder.
#   install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$1
source_dir=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/rightsize-install-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build_dir" --prefix "$prefix" > "$work/install.log"
bin=$prefix/bin/rightsize
[[ -x $bin ]] || fail "no $bin after cmake --install"
for folder in models data examples web; do
  [[ -d $prefix/share/rightsize/$folder ]] || fail "no share/rightsize/$folder installed"
done
for file in web/index.html web/vendor/chart.umd.min.js web/vendor/chart.js.LICENSE.md; do
  [[ -s $prefix/share/rightsize/$file ]] || fail "no share/rightsize/$file installed (the what-if page)"
done
if grep -q -F "$source_dir" "$bin"; then fail "$bin contains the source path $source_dir"; fi

# Outside the source tree, with nothing pointing at it.
mkdir "$work/user" && cd "$work/user"
unset RIGHTSIZE_MODELS_DIR RIGHTSIZE_SOURCE_DIR

# --version: the version of CMakeLists.txt's project() and the source tree's commit.
version_out=$("$bin" --version)
project_version=$(sed -n 's/^project(rightsize VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
[[ -n $project_version ]] || fail "no project(rightsize VERSION ...) in CMakeLists.txt"
commit=unknown
if git -C "$source_dir" rev-parse HEAD > /dev/null 2>&1; then
  commit=$(git -C "$source_dir" rev-parse HEAD)
fi
[[ $version_out == "rightsize $project_version (catalogue commit $commit"* ]] ||
  fail "--version printed '$version_out', expected version $project_version, commit $commit"

# list models: every architecture file of the installed catalogue, by its id (exactly in the
# JSON listing, as text in the table).
models_table=$("$bin" list models)
models_json=$("$bin" list models --format json)
count=0
for file in "$prefix"/share/rightsize/models/architectures/*.yaml; do
  id=$(basename "$file" .yaml)
  grep -q -F -- "\"id\": \"$id\"" <<< "$models_json" || fail "list models --format json lacks $id"
  grep -q -F -- "$id" <<< "$models_table" || fail "list models does not list $id"
  count=$((count + 1))
done
(( count > 0 )) || fail "no architectures installed"

# The default study by its installed path: a verdict, and the report under ./reports/.
run_out=$("$bin" run "$prefix/share/rightsize/examples/default-study.yaml")
grep -q "Verdict: " <<< "$run_out" || fail "no verdict line in: $run_out"
grep -q -F "report: reports/default-study/report.md" <<< "$run_out" ||
  fail "report not announced under ./reports/default-study: $run_out"
for file in report.md report.html crossover.json .rightsize-output; do
  [[ -s reports/default-study/$file ]] || fail "no reports/default-study/$file in the current folder"
done
[[ ! -e $prefix/share/rightsize/reports ]] || fail "the run wrote into the installed data folder"
echo "installed rightsize: --version, list models ($count architectures) and the default study ran from $PWD"
