#!/usr/bin/env bash
# Installs what the browser test (`make test-browser`) needs, only when missing:
# Debian's chromium + chromedriver and the Noto CJK fonts (so Chinese renders
# in screenshots).  Playwright drives /usr/bin/chromium; never `playwright install`.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
# grep without -q reads all of fc-list: with pipefail, an early exit would fail the pipe (SIGPIPE)
fc-list 2>/dev/null | grep -i "noto sans cjk" >/dev/null || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -eq 0 ]; then
    echo "browser dependencies already installed"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" fontconfig
