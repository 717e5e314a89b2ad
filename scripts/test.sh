#!/usr/bin/env bash
# Runs every check and test on a fresh Debian/Ubuntu machine: installs what is needed
# (scripts/setup.sh) plus Chromium and promtool, then type-checks, lints, checks formatting and runs the jest suites
# against real Redis, SQLite, ffmpeg, headless Chromium and the SpeechKit test double.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh

# Debian packages the tests drive, installed together (one apt-get run) when missing:
# - chromium: browser tests through playwright-core (no browser download);
# - prometheus (for promtool, ~9 s): tests/e2e/ops-pack.test.ts checks and unit-tests the alert
#   rules in deploy/prometheus;
# - libreoffice-writer-nogui and poppler-utils (~180 MB, ~17 s): tests/e2e/exports.test.ts opens
#   DOCX exports with LibreOffice (headless, to PDF) and reads them back with pdftotext.
missing=()
if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
if ! command -v promtool >/dev/null; then missing+=(prometheus); fi
if ! command -v soffice >/dev/null; then missing+=(libreoffice-writer-nogui); fi
if ! command -v pdftotext >/dev/null; then missing+=(poppler-utils); fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test: installing ${missing[*]}"
  apt_install "${missing[@]}"
fi
npm run lint --silent
npm run format:check --silent
npm test
