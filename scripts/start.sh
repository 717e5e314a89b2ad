#!/usr/bin/env bash
# Installs what is needed (scripts/setup.sh) and starts KazRu-STT Pro (api + worker) on PORT
# (default 4000). With no SpeechKit credentials in the environment (YANDEX_API_KEY,
# YANDEX_IAM_TOKEN or YANDEX_SA_KEY_FILE) it also starts the local SpeechKit test double on
# port 4010 and points the service at it, so the whole pipeline runs offline on real audio.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh

if [ -z "${YANDEX_API_KEY:-}${YANDEX_IAM_TOKEN:-}${YANDEX_SA_KEY_FILE:-}" ]; then
  export SPEECHKIT_DOUBLE_PORT="${SPEECHKIT_DOUBLE_PORT:-4010}"
  export SPEECHKIT_DOUBLE_API_KEY=local-double-key
  echo "start: no SpeechKit credentials set; using the local SpeechKit test double on :$SPEECHKIT_DOUBLE_PORT"
  echo "start: (it times real speech in your audio but only knows the text of the fixture recordings)"
  node dist/tests/speechkit-double/main.js &
  double_pid=$!
  trap 'kill $double_pid 2>/dev/null || true' EXIT
  export YANDEX_API_KEY=$SPEECHKIT_DOUBLE_API_KEY
  export SPEECHKIT_STT_URL="http://127.0.0.1:$SPEECHKIT_DOUBLE_PORT"
  export SPEECHKIT_OPERATION_URL="http://127.0.0.1:$SPEECHKIT_DOUBLE_PORT"
  export SPEECHKIT_IAM_URL="http://127.0.0.1:$SPEECHKIT_DOUBLE_PORT/iam/v1/tokens"
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
# V8 young generation capped at 4 MB per semi-space: see README "Performance".
node --max-semi-space-size=4 dist/src/main.js
