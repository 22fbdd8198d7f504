#!/usr/bin/env bash
# Installs the dev dependencies on a fresh clone, so `npm test` and `npm run demo`
# work as the first command. (@n8n/node-cli runs `npx only-allow pnpm` on install:
# npm must answer yes to npx.)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/n8n-node ] || [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	echo "Installing dev dependencies (npm ci)…"
	npm_config_yes=true npm ci --no-audit --no-fund
fi
