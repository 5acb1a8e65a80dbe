"""mlpilot's local test LLM: llama.cpp's OpenAI-compatible server (from the xllamacpp wheel) plus
a small Ollama-compatible front, in one process.

  OpenAI API   http://127.0.0.1:$LLM_PORT/v1      (llama.cpp's own server)
  Ollama API   http://127.0.0.1:$OLLAMA_PORT      (/api/version, /api/tags, /api/chat)

The Ollama front translates /api/chat into /v1/chat/completions: `format` (a JSON Schema, or
"json") becomes `response_format`; options temperature, seed, num_predict, top_p, top_k, stop
carry over. Environment: MODEL (a .gguf file), ALIAS, LLM_PORT, OLLAMA_PORT, THREADS, NCTX.
"""
import json
import os
import signal
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import xllamacpp

MODEL = os.environ["MODEL"]
ALIAS = os.environ.get("ALIAS", "qwen2.5-coder-0.5b")
LLM_PORT = int(os.environ.get("LLM_PORT", "8091"))
OLLAMA_PORT = int(os.environ.get("OLLAMA_PORT", "11434"))
THREADS = int(os.environ.get("THREADS", "1"))
UPSTREAM = f"http://127.0.0.1:{LLM_PORT}"


def start_llama():
    params = xllamacpp.CommonParams()
    params.model.path = MODEL
    params.model_alias = {ALIAS}
    if isinstance(params.hostnames, list):
        params.hostnames = ["127.0.0.1"]
    else:
        params.hostnames = "127.0.0.1"
    params.port = LLM_PORT
    params.n_ctx = int(os.environ.get("NCTX", "4096"))
    params.n_parallel = 1
    params.cpuparams.n_threads = THREADS
    params.cpuparams_batch.n_threads = THREADS
    params.cpuparams.poll = 0
    params.cpuparams_batch.poll = 0
    params.warmup = True
    return xllamacpp.Server(params)


def stamp():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_openai(req):
    body = {"model": req.get("model") or ALIAS, "messages": req.get("messages", []), "stream": False}
    opts = req.get("options") or {}
    mapping = {"temperature": "temperature", "seed": "seed", "num_predict": "max_tokens",
               "top_p": "top_p", "top_k": "top_k", "stop": "stop"}
    for key, target in mapping.items():
        if key in opts:
            body[target] = opts[key]
    fmt = req.get("format")
    if isinstance(fmt, dict):
        body["response_format"] = {"type": "json_schema", "json_schema": {"name": "answer", "schema": fmt}}
    elif fmt == "json":
        body["response_format"] = {"type": "json_object"}
    return body


class Front(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path in ("/", "/api/version"):
            self.reply(200, {"version": "0.12.0"})
        elif self.path == "/api/tags":
            self.reply(200, {"models": [{"name": ALIAS, "model": ALIAS, "modified_at": stamp(), "size": 0,
                                         "digest": "", "details": {}}]})
        else:
            self.reply(404, {"error": f"no route {self.path}"})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        try:
            req = json.loads(self.rfile.read(length) or b"{}")
        except ValueError as e:
            self.reply(400, {"error": f"invalid JSON: {e}"})
            return
        if self.path != "/api/chat":
            self.reply(404, {"error": f"no route {self.path}"})
            return
        started = time.time()
        http = urllib.request.Request(UPSTREAM + "/v1/chat/completions", data=json.dumps(to_openai(req)).encode(),
                                      headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(http, timeout=600) as resp:
                out = json.loads(resp.read())
        except Exception as e:  # the upstream's error, reported as Ollama would
            self.reply(500, {"error": str(e)})
            return
        choice = (out.get("choices") or [{}])[0]
        usage = out.get("usage") or {}
        self.reply(200, {
            "model": req.get("model") or ALIAS,
            "created_at": stamp(),
            "message": {"role": "assistant", "content": (choice.get("message") or {}).get("content", "")},
            "done": True,
            "done_reason": choice.get("finish_reason", "stop"),
            "total_duration": int((time.time() - started) * 1e9),
            "prompt_eval_count": usage.get("prompt_tokens", 0),
            "eval_count": usage.get("completion_tokens", 0),
        })


def main():
    server = start_llama()
    front = ThreadingHTTPServer(("127.0.0.1", OLLAMA_PORT), Front)
    threading.Thread(target=front.serve_forever, daemon=True).start()
    print(f"openai http://127.0.0.1:{LLM_PORT}/v1 and ollama http://127.0.0.1:{OLLAMA_PORT}, model {ALIAS}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    finally:
        front.shutdown()
        del server


if __name__ == "__main__":
    main()
