#!/usr/bin/env bash
# Install the Node tools that tests/tools proves the OpenAPI document against
# (express-openapi-validator, ajv, Prism, Spectral, Redocly), exactly as locked in
# tests/tools/node/package-lock.json. Idempotent: a second run with the same lock does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
# @redocly/cli 2 needs Node 20.19 or later (Prism 5.14.2, Spectral 6 and the rest run on it).
node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  if (a < 20 || (a === 20 && b < 19)) { console.error(`node ${process.version}: 20.19 or later is needed`); process.exit(1); }'

dir=tests/tools/node
stamp="$dir/node_modules/.sms-hook-lock.sha256"
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
# No install scripts (none of these tools needs one; one dependency's is a telemetry ping),
# no audit or funding calls: the registry is reached for the packages only.
(cd "$dir" && SCARF_ANALYTICS=false npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
echo "$want" > "$stamp"
