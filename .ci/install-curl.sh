#!/usr/bin/env bash
# CI: curl, which the tests of the mock's "copy as curl" run (tests/mock/test_replay.py and the
# admin page's browser test), and verify's repro tests, which run its commands with /bin/sh
# (dash on Debian). Installs only when missing.
set -euo pipefail
if ! command -v curl >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl >/dev/null
fi
