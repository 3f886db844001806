#!/usr/bin/env bash
# The Debian package (`cpack -G DEB`, CMakeLists.txt) built into a temporary folder, unpacked with
# dpkg-deb, and its /usr/bin/rightsize run from outside the source tree: it must hold the binary
# and share/rightsize, declare its library dependencies, and list the packaged catalogue.
#   deb_test.sh BUILD_DIR
set -euo pipefail
build_dir=$(cd "$1" && pwd)
work=$(mktemp -d /tmp/rightsize-deb-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$work/out" > "$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack -G DEB"; }
debs=("$work"/out/rightsize_*.deb)
[[ -f ${debs[0]} ]] || fail "no rightsize_*.deb written"
depends=$(dpkg-deb -f "${debs[0]}" Depends)
grep -q "libyaml-cpp" <<< "$depends" || fail "Depends lacks the yaml-cpp library: $depends"
dpkg-deb -x "${debs[0]}" "$work/root"
mkdir "$work/user" && cd "$work/user"
models=$(env -u RIGHTSIZE_MODELS_DIR "$work/root/usr/bin/rightsize" list models --format json)
count=$(ls "$work"/root/usr/share/rightsize/models/architectures/*.yaml | wc -l)
listed=$(grep -c '"id": ' <<< "$models")
(( count > 0 && listed == count )) || fail "the packaged binary lists $listed models of $count"
echo "$(basename "${debs[0]}"): $listed models listed by the unpacked /usr/bin/rightsize"
