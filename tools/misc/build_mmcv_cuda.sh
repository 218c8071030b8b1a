#!/usr/bin/env bash
# Cross-builds mmcv 2.1.0 with CUDA ops for a GPU node on a machine without a GPU: the
# wheel that tools/misc/make_wheelhouse.py --mmcv-wheel puts into the node's kit
# (docs/gpu_node.md). The defaults are the project's node: H200 (sm_90), CPython 3.12,
# torch 2.11.0 from PyPI (its cu13.0 build, the node's torch 2.11.0+cu130).
#
#   tools/misc/build_mmcv_cuda.sh OUTDIR
#
# Needs: nvcc of the node's CUDA major version (13.x) under $CUDA_HOME (/usr/local/cuda),
# a CPython of the node's version (PY=..., default pyenv's 3.12), g++, PyPI (torch with
# its CUDA wheels, about 3 GB, into a build venv under $WORK). About an hour on 2 cores.
# Writes OUTDIR/mmcv-2.1.0-cp312-cp312-linux_x86_64.whl (debug symbols stripped) and
# OUTDIR/BUILD.txt (what it was built against, its sha256), after checking on this CPU
# that mmcv.ops imports and that nms and RoIAlign agree with torchvision.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }

OUTDIR=$(realpath -m "$1")
WORK=$(realpath -m "${WORK:-/tmp/mmcv-cuda}")
PY=${PY:-$(ls -d "$HOME"/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null | tail -n1)}
TORCH=${TORCH:-2.11.0}
TORCHVISION=${TORCHVISION:-0.26.0}  # the node's; the check compares with its ops
export TORCH_CUDA_ARCH_LIST=${ARCH:-9.0}  # the node's GPU: H200 = sm_90
export CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}  # the nvcc on PATH may be a wrapper
export MAX_JOBS=${MAX_JOBS:-$(nproc)} FORCE_CUDA=1 MMCV_WITH_OPS=1
MMCV_VERSION=2.1.0
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "ERROR: $*" >&2; exit 1; }
[ -x "$PY" ] || die "no CPython of the node's version: set PY=/path/to/python3.12"
[ -x "$CUDA_HOME/bin/nvcc" ] || die "no nvcc under $CUDA_HOME: set CUDA_HOME to the CUDA toolkit"
command -v "${CXX:-g++}" >/dev/null || die "no C++ compiler: install g++"

echo "==> build venv $WORK/venv ($("$PY" -V)), torch $TORCH from PyPI"
mkdir -p "$WORK" "$OUTDIR"
[ -x "$WORK/venv/bin/python" ] || "$PY" -m venv "$WORK/venv"
V=$WORK/venv/bin/python
# setuptools<81: mmcv's setup.py imports pkg_resources
$V -m pip install --quiet "torch==$TORCH" "torchvision==$TORCHVISION" "setuptools<81" wheel ninja numpy

# torch's CUDA headers and libraries come in its nvidia-* wheels, not in the toolkit
SITE=$($V -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
shopt -s nullglob
for d in "$SITE"/nvidia/*/include; do CPATH_NV+="$d:"; done
for d in "$SITE"/nvidia/*/lib; do LIB_NV+="$d:"; done
shopt -u nullglob
export PATH=$CUDA_HOME/bin:$PATH
export CPATH=$CUDA_HOME/include/cccl:$CUDA_HOME/include:${CPATH_NV:-}${CPATH:-}
export LIBRARY_PATH=${LIB_NV:-}$CUDA_HOME/lib:${LIBRARY_PATH:-}

echo "==> mmcv $MMCV_VERSION sdist, patched for torch 2.x"
rm -rf "$WORK/src" "$WORK/out" "$WORK/unpack"
mkdir -p "$WORK/src" "$WORK/out"
$V -m pip download --quiet --no-deps --no-binary :all: --no-build-isolation \
  "mmcv==$MMCV_VERSION" -d "$WORK/src"
tar xzf "$WORK/src/mmcv-$MMCV_VERSION.tar.gz" -C "$WORK/src"
SRC=$WORK/src/mmcv-$MMCV_VERSION
# torch 2.x headers need C++17, where mmcv 2.1.0 asks for C++14 in places
sed -i -E 's/([-/]std[=:])c\+\+14/\1c++17/g' "$SRC/setup.py"
# Tensor::type() is gone from torch's C++ API; mmcv upstream uses scalar_type() since 2.2.0
grep -rl 'type().scalarType()' "$SRC/mmcv/ops/csrc" | xargs -r sed -i 's/\.type()\.scalarType()/.scalar_type()/g'

echo "==> building the ops for sm_${TORCH_CUDA_ARCH_LIST/./} with $MAX_JOBS jobs (about an hour on 2 cores)"
START=$(date +%s)
(cd "$SRC" && $V -m pip wheel --no-build-isolation --no-deps . -w "$WORK/out")
MINUTES=$(( ($(date +%s) - START) / 60 ))
WHEEL=$(ls "$WORK"/out/mmcv-$MMCV_VERSION-*.whl)
$V -m wheel unpack "$WHEEL" -d "$WORK/unpack"
find "$WORK/unpack" -name '_ext*.so' -exec strip --strip-debug {} \;
rm -f "$OUTDIR/$(basename "$WHEEL")"
$V -m wheel pack "$WORK/unpack/mmcv-$MMCV_VERSION" -d "$OUTDIR"
WHEEL=$OUTDIR/$(basename "$WHEEL")

echo "==> checking it here, on CPU"
$V -m pip install --quiet --force-reinstall --no-deps "$WHEEL"
$V -m pip install --quiet mmengine==0.10.7 "$WHEEL"  # mmcv's requirements
CHECK=$(cd / && $V -W ignore "$HERE/../benchmarks/mmcv_ops_check.py" | tail -n1)
echo "$CHECK"
cat >"$OUTDIR/BUILD.txt" <<TXT
$(basename "$WHEEL")
built $(date -u +%F) by tools/misc/build_mmcv_cuda.sh in $MINUTES min, MAX_JOBS=$MAX_JOBS
against: $("$V" -V), $(nvcc --version | tail -n1), $("${CXX:-g++}" --version | head -n1),
         TORCH_CUDA_ARCH_LIST=$TORCH_CUDA_ARCH_LIST, MMCV_WITH_OPS=1 FORCE_CUDA=1, setuptools<81
checked: $CHECK
sha256: $(sha256sum "$WHEEL" | cut -d' ' -f1)
TXT
echo "OK: $WHEEL ($(du -h "$WHEEL" | cut -f1)); record in $OUTDIR/BUILD.txt"
