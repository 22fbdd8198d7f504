#!/usr/bin/env bash
# Installs the Debian packages the real-server tests drive: nginx (the rate-limited
# vendor stand-in, `limit_req`) and Chromium (the editor test, through playwright-core).
# A fresh CI machine has neither; apt-get needs root and Debian's repositories.
set -euo pipefail
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages for the tests: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "Not root: install them yourself with: sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
