#!/usr/bin/env bash
# System libraries Accord needs beyond Python packages: Pango (WeasyPrint renders the monthly
# SLA reports as PDF with it), HarfBuzz's subsetter (without it WeasyPrint subsets each embedded
# font with fontTools, re-parsing the font file for every PDF: ~100 ms a font) and a font.
# Guarded: returns at once when they are present.
set -euo pipefail

missing=()
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' || missing+=(libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so' || missing+=(libharfbuzz-subset0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
# msgfmt: the German catalogue is checked against its source (docs/translations.md).
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_system_deps: need ${missing[*]}; run as root or install them" >&2
    exit 1
fi
echo "install_system_deps: apt-get install ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
