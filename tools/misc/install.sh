#!/usr/bin/env bash
# Creates .venv with the whole OpenMMLab stack of requirements.txt.
# mmcv 2.1.0 ships no wheel for torch 2.14, so it is built once from the PyPI sdist
# (C++20 instead of its hard-coded C++14/17, no build isolation so it sees our torch)
# and the wheel is cached under ~/.cache/mmsplitmask, keyed by mmcv/torch/python/device.
#
# Offline (nodes without internet): WHEELHOUSE=DIR installs from DIR only, a folder made
# by tools/misc/make_wheelhouse.py on a machine with internet (docs/gpu_node.md). A $PYTHON
# that has torch keeps its own torch (requirements.txt's torch pin is not applied) and its
# other packages, but those DIR says to hide; mmcv's ops come from a wheel in DIR or the
# cache built for this torch, else are built from DIR's mmcv sdist (unless DIR holds ops
# wheels for another torch: a kit for another node); MMCV_OPS=0 installs DIR's mmcv
# without ops instead.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-python3.11}
VENV=$(realpath -m "${VENV:-.venv}")
MMCV_VERSION=2.1.0
CACHE=${MMSPLITMASK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmsplitmask}
WHEELHOUSE=${WHEELHOUSE:+$(realpath -m "$WHEELHOUSE")}
MMCV_OPS=${MMCV_OPS:-1}
[ "$MMCV_OPS" = 1 ] || [ -n "${WHEELHOUSE:-}" ] || { echo "ERROR: MMCV_OPS=0 applies to offline installs only (WHEELHOUSE=DIR); online, mmcv is built with ops" >&2; exit 1; }
# exits 0 if all named modules can be imported, without importing them (torch takes seconds)
HAS='import importlib.util as u, sys; sys.exit(None in [u.find_spec(m) for m in sys.argv[1:]])'
pin() { grep -E "^$1[=<>]" requirements.txt | head -n1; }

step() { echo; echo "==> $*"; }
die() { echo >&2; echo "ERROR: $*" >&2; exit 1; }

if [ -n "$WHEELHOUSE" ]; then
  FILL="python tools/misc/make_wheelhouse.py $WHEELHOUSE --python-version X.Y  (on a machine with internet)"
  [ -f "$WHEELHOUSE/wheelhouse.json" ] || die "no wheelhouse in $WHEELHOUSE (WHEELHOUSE=...). Make one: $FILL"
  # pip sees DIR and nothing else: no index, and no links or indexes from pip.conf.
  export PIP_NO_INDEX=1 PIP_FIND_LINKS="$WHEELHOUSE" PIP_CONFIG_FILE=/dev/null
  unset PIP_INDEX_URL PIP_EXTRA_INDEX_URL
  PY=$([ -x "$VENV/bin/python" ] && echo "$VENV/bin/python" || echo "$PYTHON")
  command -v "$PY" >/dev/null || die "$PY not found: run with PYTHON=/path/to/the/node's/python3"
  HAVE=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  WANT=$("$PY" -c 'import json, sys; print(*json.load(open(sys.argv[1]))["python_versions"])' "$WHEELHOUSE/wheelhouse.json")
  [[ " $WANT " == *" $HAVE "* ]] || die "$WHEELHOUSE holds wheels for Python $WANT, $PY is $HAVE. Add $HAVE: ${FILL/X.Y/$HAVE}"
  FILL=${FILL/X.Y/$HAVE}
fi

# pip install; offline, a failure that is a wheel missing from the wheelhouse says which.
pip_install() {
  [ -n "$WHEELHOUSE" ] || { "${PIP[@]}" "$@"; return; }
  local log; log=$(mktemp)
  if "${PIP[@]}" "$@" 2>"$log"; then cat "$log" >&2; rm -f "$log"; return; fi
  cat "$log" >&2
  local missing; missing=$(sed -nE 's/.*No matching distribution found for ([^ ]+).*/\1/p' "$log" | head -n1)
  rm -f "$log"
  if [[ "$missing" =~ ^torch ]]; then
    die "nothing in $WHEELHOUSE satisfies $missing, and the node's torch does not either (${TORCH_FROM:-none found in $PYTHON}). Run with the node's Python that has a suitable torch (PYTHON=...), or put torch and torchvision wheels for this node into $WHEELHOUSE"
  elif [ -n "$missing" ]; then
    die "$WHEELHOUSE has no wheel for $missing (Python $HAVE). Fill it: $FILL"
  fi
  exit 1
}

# Links the node's packages into the venv, but the wheelhouse's hidden ones and those the
# venv has its own version of; again after installing, as the latter have changed.
purelib() { "$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))'; }
node_site() {
  local hide; hide=$("$PYTHON" -c 'import json, sys; print(*json.load(open(sys.argv[1])).get("hidden_from_the_venv", []))' "$WHEELHOUSE/wheelhouse.json")
  # shellcheck disable=SC2086
  "$PYTHON" tools/misc/node_site.py "$(purelib)" $hide
}

if [ ! -x "$VENV/bin/python" ]; then
  step "creating $VENV with $PYTHON"
  command -v "$PYTHON" >/dev/null || { echo "ERROR: $PYTHON not found; install Python 3.11 or run 'make install PYTHON=/path/to/python3.11'" >&2; exit 1; }
  if [ -n "$WHEELHOUSE" ] && "$PYTHON" -c "$HAS" torch; then
    # Offline, the node's torch: the venv sees $PYTHON's packages after its own, but those
    # the wheelhouse says to hide (tools/misc/node_site.py). Its pip too, if it has one: a
    # node's Python may lack ensurepip (Debian's without python3-venv).
    "$PYTHON" -m venv $("$PYTHON" -c "$HAS" pip && echo --without-pip) "$VENV"
    node_site
  else
    "$PYTHON" -m venv "$VENV"
  fi
fi
PIP=("$VENV/bin/python" -m pip install --quiet)

if [ -z "$WHEELHOUSE" ]; then
  step "installing torch and build tools"
  pip_install "$(pin torch)" "$(pin torchvision)" "$(pin setuptools)" wheel ninja
  TORCH_FROM="requirements.txt's pin"
elif "$VENV/bin/python" -c "$HAS" torch; then
  "$VENV/bin/python" -c "$HAS" torchvision || die "$PYTHON has torch but no torchvision: install the node's torchvision into it, or put its wheel into $WHEELHOUSE and rerun"
  TORCH_FROM="the node's own"
  step "offline from $WHEELHOUSE: using $PYTHON's torch; installing build tools"
  pip_install "$(pin setuptools)" wheel ninja
else
  step "offline from $WHEELHOUSE: installing torch, torchvision (this Python has none) and build tools"
  pip_install torch torchvision "$(pin setuptools)" wheel ninja
  TORCH_FROM="the wheelhouse"
fi

if command -v nvcc >/dev/null && command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  DEVICE=cuda; export FORCE_CUDA=1
else
  DEVICE=cpu
fi
TORCH_INFO=$("$VENV/bin/python" -c 'import os, torch; print(torch.__version__, os.path.dirname(torch.__file__))')
TORCH=${TORCH_INFO%% *} TORCH_DIR=${TORCH_INFO#* }
PYTAG=$("$VENV/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_VERSION-torch$TORCH-$PYTAG-$DEVICE"

if [ -n "$WHEELHOUSE" ] && [ "$MMCV_OPS" = 0 ]; then
  WHEEL_DIR=""
elif [ -n "$WHEELHOUSE" ] && ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
  if ls "$WHEELHOUSE/mmcv/${WHEEL_DIR##*/}"/mmcv-*.whl >/dev/null 2>&1; then
    WHEEL_DIR="$WHEELHOUSE/mmcv/${WHEEL_DIR##*/}"
  elif OTHERS=$(cd "$WHEELHOUSE/mmcv" 2>/dev/null && ls -d "mmcv-$MMCV_VERSION-torch"*"-$PYTAG-"* 2>/dev/null); then
    # a kit made for a node, but its torch or device is not this one's: say so rather
    # than spend up to an hour building the ops here
    die "$WHEELHOUSE has mmcv with ops for $(echo $OTHERS), not for this torch $TORCH, $PYTAG, $DEVICE (mmcv/${WHEEL_DIR##*/}): its torch line in the --node-packages file must be torch.__version__ here. To build the ops here from the sdist instead (up to an hour), remove $WHEELHOUSE/mmcv/mmcv-*-$PYTAG-*/ and rerun"
  elif ! command -v "${CXX:-c++}" >/dev/null; then
    die "$WHEELHOUSE has no mmcv wheel with ops for torch $TORCH, $PYTAG ($WHEELHOUSE/mmcv/${WHEEL_DIR##*/}/), and there is no C++ compiler to build one from its sdist. Either install g++ (and nvcc for the CUDA ops) and rerun; or run 'make install' on a machine with internet and this torch and Python, then remake the wheelhouse there; or rerun with MMCV_OPS=0 for mmcv without ops (then 'import mmsplitmask' and mmdet/mmseg models fail: they import mmcv.ops)"
  fi
fi

if [ -z "$WHEEL_DIR" ]; then
  step "installing mmcv $MMCV_VERSION WITHOUT ops from $WHEELHOUSE (MMCV_OPS=0)"
  pip_install --no-deps "mmcv==$MMCV_VERSION+noops"
elif ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
  step "building mmcv $MMCV_VERSION with $DEVICE ops for torch $TORCH (11 to 15 minutes on 2 cores, once per machine)"
  SRC=$(mktemp -d)
  trap 'rm -rf "$SRC"' EXIT
  if [ -n "$WHEELHOUSE" ]; then
    cp "$WHEELHOUSE/mmcv/mmcv-$MMCV_VERSION.tar.gz" "$SRC/" || die "no mmcv sdist in $WHEELHOUSE/mmcv/. Fill it: $FILL"
  else
    "$VENV/bin/python" -m pip download --quiet --no-deps --no-binary :all: --no-build-isolation \
      "mmcv==$MMCV_VERSION" -d "$SRC"
  fi
  tar xzf "$SRC/mmcv-$MMCV_VERSION.tar.gz" -C "$SRC"
  # ATen headers of torch 2.14 need C++20.
  sed -i -E 's/([-/]std[=:])c\+\+1[47]/\1c++20/g' "$SRC/mmcv-$MMCV_VERSION/setup.py"
  mkdir -p "$SRC/out"
  (cd "$SRC/mmcv-$MMCV_VERSION" && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
    "$VENV/bin/python" -m pip wheel --no-build-isolation --no-deps . -w "$SRC/out")
  mkdir -p "$WHEEL_DIR"
  # Copy then rename so an interrupted copy never looks like a cached wheel.
  for w in "$SRC"/out/mmcv-*.whl; do cp "$w" "$WHEEL_DIR/.tmp" && mv "$WHEEL_DIR/.tmp" "$WHEEL_DIR/$(basename "$w")"; done
else
  step "using the mmcv wheel with ops from $WHEEL_DIR"
fi
[ -z "$WHEEL_DIR" ] || pip_install --no-deps "$WHEEL_DIR"/mmcv-*.whl

step "installing the rest of requirements.txt and mmsplitmask (editable)"
# Offline: without the torch/torchvision pins, so that the node's torch stays.
REQS=$(mktemp)
if [ -n "$WHEELHOUSE" ]; then grep -vE '^(torch|torchvision)([=<>!~ ]|$)' requirements.txt >"$REQS"; else cp requirements.txt "$REQS"; fi
pip_install -r "$REQS"
rm -f "$REQS"
pip_install --no-deps --no-build-isolation -e .

[ ! -f "$(purelib)/_node_site_packages.pth" ] || node_site

step "checking the stack"
TORCH_AT="torch $TORCH ($TORCH_FROM, $TORCH_DIR)"
if [ -z "$WHEEL_DIR" ]; then
  "$VENV/bin/python" -W ignore -c "import mmengine, mmcv, mmdet, mmseg, mmpretrain.models" || die "the OpenMMLab toolboxes do not import in $VENV"
  echo "OK: mmcv $MMCV_VERSION WITHOUT ops, $TORCH_AT in $VENV"
  echo "WARNING: 'import mmsplitmask', mmdet.models and mmseg.models import mmcv.ops and fail with this mmcv; for them: rm -f $VENV/.installed && make install WHEELHOUSE=$WHEELHOUSE PYTHON=$PYTHON (without MMCV_OPS=0: builds the ops here, needs g++, and nvcc for the CUDA ops)" >&2
  exit 0
fi
if ! "$VENV/bin/python" -W ignore -c "import mmcv.ops; from mmcv.ops import RoIAlign, nms; import mmdet.models, mmseg.models, mmpretrain.models, mmsplitmask"; then
  # offline, the wheel may be the wheelhouse's only copy: keep it, rebuild from the sdist
  [ -n "$WHEELHOUSE" ] && die "the environment in $VENV does not import mmcv.ops / the OpenMMLab toolboxes. Fix: rm -rf $VENV && make install WHEELHOUSE=$WHEELHOUSE PYTHON=$PYTHON (remove $CACHE/wheels/${WHEEL_DIR##*/} first if it is that wheel that fails)"
  cat >&2 <<MSG

ERROR: the environment in $VENV does not import mmcv.ops / the OpenMMLab toolboxes.
Fix: delete the cached wheel and rebuild:  rm -rf "$WHEEL_DIR" "$VENV" && make install
(the build needs gcc/g++ and the Python headers: apt-get install build-essential python3-dev)
MSG
  exit 1
fi
echo "OK: mmcv $MMCV_VERSION ($DEVICE ops), $TORCH_AT in $VENV"
