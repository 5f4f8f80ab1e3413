#!/usr/bin/env bash
# verify's repro tests run its curl commands with /bin/sh (dash on Debian): curl must be there.
set -euo pipefail
if ! command -v curl >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
fi
