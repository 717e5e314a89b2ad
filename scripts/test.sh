#!/usr/bin/env bash
# Runs every check and test on a fresh Debian/Ubuntu machine: installs what is needed
# (scripts/setup.sh), then type-checks, lints, checks formatting and runs the jest suites
# against real Redis, SQLite, ffmpeg, headless Chromium and the SpeechKit test double.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh

# Browser tests drive Debian's Chromium through playwright-core (no browser download).
if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ]; then
  echo "test: installing chromium"
  apt_install chromium
fi
# DOCX exports are opened by LibreOffice (headless, to PDF) and read back with poppler's pdftotext
# (tests/e2e/exports.test.ts): ~180 MB, 51 packages, ~17 s to install on Debian 12.
if ! command -v soffice >/dev/null || ! command -v pdftotext >/dev/null; then
  echo "test: installing libreoffice-writer-nogui and poppler-utils"
  apt_install libreoffice-writer-nogui poppler-utils
fi
npm run lint --silent
npm run format:check --silent
npm test
