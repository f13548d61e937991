#!/usr/bin/env bash
# Runs a command (the suite's second run) under Node.js 24, the current LTS and the Docker image's
# runtime, from the npm registry's `node` package that prepare-machine.sh installed; under Node 24
# already, it just runs the command.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=node_modules/.cache/qianpi/node24/node_modules/.bin
if [ "$(node -p 'process.versions.node.split(".")[0]')" != 24 ]; then
  [ -x "$bin/node" ] || { echo "Node.js 24 not installed: run bash test/support/prepare-machine.sh" >&2; exit 1; }
  PATH="$PWD/$bin:$PATH"
  export PATH
fi
echo "== on $(node --version): $*"
exec "$@"
