#!/usr/bin/env bash
# Runs every check and test on a fresh Debian/Ubuntu machine: installs what is needed
# (scripts/setup.sh) plus Chromium and promtool, then type-checks, lints, checks formatting and runs the jest suites
# against real Redis, SQLite, ffmpeg, headless Chromium and the SpeechKit test double.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh

# Browser tests drive Debian's Chromium through playwright-core (no browser download).
if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ]; then
  echo "test: installing chromium"
  apt_install chromium
fi
# promtool (Debian's prometheus package, ~9 s with apt-get update): tests/e2e/ops-pack.test.ts
# checks and unit-tests the alert rules in deploy/prometheus with it.
if ! command -v promtool >/dev/null; then
  echo "test: installing prometheus (for promtool)"
  apt_install prometheus
fi
npm run lint --silent
npm run format:check --silent
npm test
