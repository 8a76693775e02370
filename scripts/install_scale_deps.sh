#!/usr/bin/env bash
# What `make scale` needs beyond Accord's own: nginx (Debian's) as the proxy in front of the two
# web hosts, and iproute2 for the hosts' network namespaces (chaos/hosts.py falls back to
# loopback addresses where namespaces cannot be made). Guarded: returns at once when present.
set -euo pipefail

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_scale_deps: need ${missing[*]}; run as root or install them" >&2
    exit 1
fi
echo "install_scale_deps: apt-get install ${missing[*]}"
apt-get update -qq
# nginx's package starts the system service where it can; the run starts its own, on its port.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
