#!/usr/bin/env bash
# The Python module as a user installs it: `pip install --no-build-isolation --no-index .` (Debian's
# pip and setuptools, no network) into a temporary folder, reusing this build's _rightsize
# (RIGHTSIZE_BUILD_DIR: nothing is compiled twice), then imported from another folder with
# nothing pointing at the source tree. Fails unless the package and its data come from the
# installed folder and predict() gives the CLI's numbers.
#   pip_install_test.sh BUILD_DIR SOURCE_DIR PYTHON
set -euo pipefail
build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
python=$3
work=$(mktemp -d /tmp/rightsize-pip-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$source_dir" && RIGHTSIZE_BUILD_DIR=$build_dir PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$python" -m pip install --no-build-isolation --no-deps --no-index --quiet \
  --target "$work/site" .) > "$work/pip.log" 2>&1 || { cat "$work/pip.log"; fail "pip install"; }

for extension in "$work"/site/rightsize/_rightsize*.so; do
  if grep -q -F "$source_dir" "$extension"; then fail "$extension contains the source path"; fi
done
"$build_dir/rightsize" predict --model llama-3-8b --hardware h100-sxm5-80gb --format json \
  > "$work/cli_predict.json"
mkdir "$work/user" && cd "$work/user"
env -u RIGHTSIZE_SOURCE_DIR -u RIGHTSIZE_MODELS_DIR PYTHONPATH="$work/site" PYTHONDONTWRITEBYTECODE=1 \
  "$python" - "$work/site" "$work/cli_predict.json" <<'PY'
import glob, json, os, sys
site, cli_json = sys.argv[1], sys.argv[2]
import rightsize
package = os.path.join(site, "rightsize")
assert os.path.dirname(os.path.abspath(rightsize.__file__)) == package, rightsize.__file__
assert rightsize.SOURCE_DIR == os.path.join(package, "share"), rightsize.SOURCE_DIR
ids = {m["id"] for m in rightsize.list_models()}
files = {os.path.basename(p)[:-5] for p in glob.glob(os.path.join(package, "share", "models", "architectures", "*.yaml"))}
assert files and ids == files, (sorted(ids ^ files))
with open(cli_json) as f:
    cli = json.load(f)
py = rightsize.predict("llama-3-8b", "h100-sxm5-80gb")
for key in ("ttft_s", "tpot_s", "e2e_latency_s"):
    assert py["latency"][key] == cli["latency"][key], (key, py["latency"][key], cli["latency"][key])
print(f"pip-installed rightsize imported from {os.getcwd()}: {len(ids)} models, "
      f"predict ttft {py['latency']['ttft_s']:.4g} s as the CLI")
PY
