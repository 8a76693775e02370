#!/usr/bin/env bash
# Browsers for the end-to-end tests: Debian's Chromium (driven by Playwright) and Firefox ESR
# (driven over WebDriver BiDi by puppeteer-core from npm). Never a browser download by a test
# tool. Guarded: a second run with everything present returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v firefox-esr >/dev/null 2>&1 || command -v firefox >/dev/null 2>&1 || need_apt+=(firefox-esr)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install_browsers: need ${need_apt[*]}; run as root or install them" >&2
        exit 1
    fi
    echo "install_browsers: apt-get install ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${need_apt[@]}" fonts-dejavu-core >/dev/null
fi

# puppeteer-core (no bundled browser) for the Firefox run, pinned in tests/e2e/package-lock.json.
if [ ! -d tests/e2e/node_modules/puppeteer-core ]; then
    echo "install_browsers: npm ci in tests/e2e"
    (cd tests/e2e && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi
