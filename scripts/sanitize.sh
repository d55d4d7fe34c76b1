#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer (and ThreadSanitizer with `thread`), each in
# its own build folder. nodesleuth runs single-threaded (libsystemd forbids sharing a journal
# across threads), so TSan mostly guards the test harness itself.
#   scripts/sanitize.sh [address|thread|all]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
what=${1:-address}
run() {
  echo "== swift test --sanitize=$1" >&2
  swift test --sanitize="$1" --scratch-path ".build-$1" 2>&1 | tail -5
}
case "$what" in
  address) run address ;;
  thread) run thread ;;
  all) run address; run thread ;;
esac
