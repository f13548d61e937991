#!/usr/bin/env bash
# Everything `npm test` needs on a fresh machine of this project's kind (Debian, Node.js, root),
# done or reused, so that the README's one test command is all a newcomer (or CI) runs:
#   1. system packages: a Chromium for the browser test, CJK fonts, redis-server, PostgreSQL;
#   2. services: Postgres and Redis on their default local ports, started if nothing answers;
#   3. npm packages, installed when the lock file changed since the last install;
#   4. a Node.js 24 (the current LTS) from the npm registry's `node` package, for the second run.
# Idempotent and quick when everything is there already. Nothing here stops or flushes a running
# service. Set QIANPI_SKIP_PREPARE=1 to skip it (a machine you manage yourself).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "${QIANPI_SKIP_PREPARE:-}" = 1 ] && exit 0

say() { printf '== prepare: %s\n' "$*"; }
cache=node_modules/.cache/qianpi

node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=11)?0:1)' \
  || { echo "Node.js 20.11 or later is required (found $(node --version))" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1
  fi
}
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# 1. The browser: $CHROMIUM_PATH if it runs, else Debian's chromium (installed when missing, as
# `playwright install --with-deps` would install its own). The path found is written for the test.
browser=
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then browser=$CHROMIUM_PATH
else
  [ -n "${CHROMIUM_PATH:-}" ] && say "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable; looking elsewhere"
  for c in /usr/bin/chromium /usr/bin/chromium-browser; do [ -x "$c" ] && { browser=$c; break; }; done
  if [ -z "$browser" ]; then
    say "installing chromium (Debian package)"
    apt_install chromium
    browser=/usr/bin/chromium
  fi
fi
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# Chinese text in the printed archive (PDF) and the screenshots: without a CJK font Chromium draws empty boxes.
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
[ -d /usr/lib/postgresql ] || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then say "installing ${need[*]}"; apt_install "${need[@]}"; fi

# 2. Services on the defaults the tests use (test/support/env.ts); other URLs are the caller's.
if [ -z "${TEST_DATABASE_URL:-}" ] && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  # The tests connect as postgres over 127.0.0.1 without a password; a fresh cluster asks for one.
  hba=/etc/postgresql/$version/main/pg_hba.conf
  grep -qE '^host +all +all +127\.0\.0\.1/32 +trust' "$hba" || as_root sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  say "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
fi
if [ -z "${TEST_REDIS_URL:-}" ] && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  say "starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi

# 3. npm packages: `npm install` keeps the lock file's versions (npm 11 refuses `npm ci` for this
# tree over msgpackr-extract's optional platform packages).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm install --no-audit --no-fund
fi
mkdir -p "$cache"
echo "$browser" > "$cache/chromium-path"

# 4. Node.js 24 for the second run of the suite (test/support/node24.sh), unless this is it.
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" != 24 ] && [ ! -x "$cache/node24/node_modules/.bin/node" ]; then
  say "installing Node.js 24 from the npm registry (package node@24)"
  npm install --prefix "$cache/node24" --no-save --no-audit --no-fund --no-package-lock node@24 >/dev/null
fi
say "ready (node $(node --version), chromium $browser)"
