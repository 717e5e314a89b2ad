#!/usr/bin/env bash
# Runs every check and test on a fresh Debian/Ubuntu machine: installs what is needed
# (scripts/setup.sh), then type-checks, lints, checks formatting and runs the jest suites
# against real Redis, SQLite, ffmpeg and the SpeechKit test double.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh
npm run lint --silent
npm run format:check --silent
npm test
