#!/usr/bin/env bash
# CI: the toolchains that run the partner signature snippets (examples/verify-signature/):
# Go, PHP and Java from Debian; Node and Python are already there. Installs only what is missing,
# so a second run (or a developer machine that has them) costs a few `command -v` calls.
set -euo pipefail

missing=()
command -v go >/dev/null 2>&1 || missing+=(golang-go)
command -v php >/dev/null 2>&1 || missing+=(php-cli)
{ command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1; } || missing+=(default-jdk-headless)
command -v node >/dev/null 2>&1 || missing+=(nodejs)

if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
