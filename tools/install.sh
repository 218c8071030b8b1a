#!/usr/bin/env bash
# Creates .venv with the whole OpenMMLab stack of requirements.txt.
# mmcv 2.1.0 ships no wheel for torch 2.14, so it is built once from the PyPI sdist
# (C++20 instead of its hard-coded C++14/17, no build isolation so it sees our torch)
# and the wheel is cached under ~/.cache/mmsplitmask, keyed by mmcv/torch/python/device.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
VENV=$(realpath -m "${VENV:-.venv}")
MMCV_VERSION=2.1.0
CACHE=${MMSPLITMASK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmsplitmask}
pin() { grep -E "^$1[=<>]" requirements.txt | head -n1; }

step() { echo; echo "==> $*"; }

if [ ! -x "$VENV/bin/python" ]; then
  step "creating $VENV with $PYTHON"
  command -v "$PYTHON" >/dev/null || { echo "ERROR: $PYTHON not found; install Python 3.11 or run 'make install PYTHON=/path/to/python3.11'" >&2; exit 1; }
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --quiet)

step "installing torch and build tools"
"${PIP[@]}" "$(pin torch)" "$(pin torchvision)" "$(pin setuptools)" wheel ninja

if command -v nvcc >/dev/null && command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  DEVICE=cuda; export FORCE_CUDA=1
else
  DEVICE=cpu
fi
TORCH=$("$VENV/bin/python" -c 'import torch; print(torch.__version__)')
PYTAG=$("$VENV/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_VERSION-torch$TORCH-$PYTAG-$DEVICE"

if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
  step "building mmcv $MMCV_VERSION with $DEVICE ops for torch $TORCH (11 to 15 minutes on 2 cores, once per machine)"
  SRC=$(mktemp -d)
  trap 'rm -rf "$SRC"' EXIT
  "$VENV/bin/python" -m pip download --quiet --no-deps --no-binary :all: --no-build-isolation \
    "mmcv==$MMCV_VERSION" -d "$SRC"
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
  step "using cached mmcv wheel from $WHEEL_DIR"
fi
"${PIP[@]}" --no-deps "$WHEEL_DIR"/mmcv-*.whl

step "installing the rest of requirements.txt and mmsplitmask (editable)"
"${PIP[@]}" -r requirements.txt
"${PIP[@]}" --no-deps --no-build-isolation -e .

step "checking the stack"
if ! "$VENV/bin/python" -W ignore -c "import mmcv.ops; from mmcv.ops import RoIAlign, nms; import mmdet.models, mmseg.models, mmpretrain.models, mmsplitmask"; then
  cat >&2 <<MSG

ERROR: the environment in $VENV does not import mmcv.ops / the OpenMMLab toolboxes.
Fix: delete the cached wheel and rebuild:  rm -rf "$WHEEL_DIR" "$VENV" && make install
(the build needs gcc/g++ and the Python headers: apt-get install build-essential python3-dev)
MSG
  exit 1
fi
echo "OK: mmcv $MMCV_VERSION ($DEVICE ops), torch $TORCH in $VENV"
