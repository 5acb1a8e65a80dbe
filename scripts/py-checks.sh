#!/usr/bin/env bash
# Prints the path of a Python that has the runtimes and clients no one here wrote, which the
# deployment tests check exported models and the served protocol against: onnxruntime (ONNX)
# and NVIDIA's tritonclient (KServe V2 / Open Inference Protocol). The first call installs them
# from PyPI into a virtual environment at ${PY_CHECKS_HOME:-~/.cache/mlpilot/py-checks}.
#
#   scripts/py-checks.sh        # prints the interpreter's path
set -euo pipefail
home=${PY_CHECKS_HOME:-$HOME/.cache/mlpilot/py-checks}
py="$home/venv/bin/python"
if ! "$py" -c 'import onnxruntime, tritonclient.http, numpy' 2>/dev/null; then
  mkdir -p "$home"
  python3 -m venv "$home/venv" >&2
  "$home/venv/bin/pip" install -q --disable-pip-version-check \
    onnxruntime==1.32.0 "tritonclient[http]==2.73.0" numpy==2.4.6 >&2
fi
echo "$py"
