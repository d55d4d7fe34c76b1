#!/usr/bin/env bash
# Runs the test suite (sets up the apt packages first if they are missing).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
bash scripts/setup.sh
exec swift test "$@"
