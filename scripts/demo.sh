#!/usr/bin/env bash
# Sets up (apt packages if missing), builds in release mode and analyzes the demo bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
bash scripts/setup.sh
swift build -c release >&2
B=testdata/bundles/seed-incident
# The incident folder as people hand it over: the sosreport and the captures beside it.
exec .build/release/nodesleuth analyze "$B" "$@"
