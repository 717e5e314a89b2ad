#!/usr/bin/env bash
# Installs what is needed (scripts/setup.sh) and starts KazRu-STT Pro (api + worker) on PORT
# (default 4000). With no speech engine configured (no SpeechKit credentials YANDEX_API_KEY,
# YANDEX_IAM_TOKEN or YANDEX_SA_KEY_FILE, and no Whisper server OPENAI_STT_URL) it starts the
# bundled demo server on port 4010 and enables the engine called "demo": the whole pipeline runs
# offline on real audio, but transcripts are placeholders and the web client says so.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh

if [ -z "${YANDEX_API_KEY:-}${YANDEX_IAM_TOKEN:-}${YANDEX_SA_KEY_FILE:-}${OPENAI_STT_URL:-}${DEMO_STT_URL:-}" ]; then
  export OPENAI_DOUBLE_PORT="${OPENAI_DOUBLE_PORT:-4010}"
  echo "start: no speech engine configured; starting the demo engine (bundled server on :$OPENAI_DOUBLE_PORT)"
  echo "start: demo transcripts are placeholders: only the fixture recordings in tests/fixtures/audio"
  echo "start: get their words; other audio shows where speech is, as [demo] speech 0:00–0:04."
  echo "start: for real recognition set YANDEX_API_KEY (SpeechKit) or OPENAI_STT_URL (a Whisper server)."
  node dist/tests/openai-double/main.js &
  double_pid=$!
  trap 'kill $double_pid 2>/dev/null || true' EXIT
  export DEMO_STT_URL="http://127.0.0.1:$OPENAI_DOUBLE_PORT/v1"
  export STT_ENGINES=demo
fi
port="${PORT:-4000}"
cat <<MSG
start: KazRu-STT Pro on http://localhost:$port
  GraphQL (HTTP + WebSocket): http://localhost:$port/graphql
  Health:                     http://localhost:$port/api/v1/health
  Upload a recording:
    curl http://localhost:$port/graphql -H 'Apollo-Require-Preflight: true' \\
      -F operations='{"query":"mutation(\$f: Upload!){ uploadAudio(file: \$f){ id status } }","variables":{"f":null}}' \\
      -F map='{"0":["variables.f"]}' -F 0=@tests/fixtures/audio/dialogue-mono.ogg
MSG
# V8 young generation capped at 4 MB per semi-space, first old-generation limit 128 MB: see README "Performance".
node --max-semi-space-size=4 --initial-old-space-size=128 dist/src/main.js
