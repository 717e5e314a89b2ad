#!/usr/bin/env bash
# Installs what KazRu-STT Pro needs on a Debian/Ubuntu machine and builds it:
#   Node.js 24 (beside the system Node, in /opt/node24, if the machine's Node is older),
#   ffmpeg/ffprobe, strace (security tests), Redis (only if none answers on REDIS_URL / 127.0.0.1:6379, then started),
#   npm dependencies, and the TypeScript build.
# Safe to run repeatedly. Source it (`. scripts/setup.sh`) to keep Node 24 on PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 24 ]; then
  if [ ! -x /opt/node24/bin/node ]; then
    if ! command -v npm >/dev/null; then apt_install nodejs npm; fi
    echo "setup: installing Node.js 24 into /opt/node24"
    $SUDO npm install -g --prefix /opt/node24 --no-audit --no-fund node@24 >/dev/null
  fi
  export PATH=/opt/node24/bin:$PATH
fi
echo "setup: node $(node -v)"

if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
  echo "setup: installing ffmpeg"
  apt_install ffmpeg
fi
# strace: tests/security/hostile-media.test.ts traces ffmpeg/ffprobe to prove they open no other file.
if ! command -v strace >/dev/null; then
  echo "setup: installing strace (for the security tests)"
  apt_install strace
fi

redis_host=127.0.0.1
redis_port=6379
if ! (exec 3<>"/dev/tcp/$redis_host/$redis_port") 2>/dev/null; then
  if ! command -v redis-server >/dev/null; then
    echo "setup: installing redis-server"
    apt_install redis-server
  fi
  echo "setup: starting redis-server on $redis_host:$redis_port"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/$redis_host/$redis_port") 2>/dev/null && break; sleep 0.1; done
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  # npm ci only: it installs exactly what package-lock.json records (all platforms' optional
  # packages included) and fails when the lock and package.json disagree, so CI fails on a lock
  # that was not updated with package.json, and a user's clone is never rewritten.
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup: building"
npm run build --silent
