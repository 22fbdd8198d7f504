#!/usr/bin/env bash
# The whole suite, as CI runs it: lint, type check, build, unit tests, store
# conformance on SQLite/Redis/Postgres, engine-level tests and real-n8n tests.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
step() { printf '\n=== %s (at %ss)\n' "$1" "$((SECONDS - started))"; }

step 'lint (n8n-node lint)'
npm run --silent lint

step 'build (bundle into dist/)'
npm run --silent build

step 'Debian packages the real-server tests drive (nginx, chromium)'
bash scripts/ensure-system.sh

step 'pinned n8n for the real-n8n tests (installed once into the cache)'
node scripts/n8n-runtime.mjs ensure all

step 'type check + unit, store, engine and real-n8n tests'
node scripts/run-tests.mjs unit stores engine e2e

printf '\n=== all passed in %ss\n' "$((SECONDS - started))"
