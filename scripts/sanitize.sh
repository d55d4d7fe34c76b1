#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer (and ThreadSanitizer with `thread`), each in
# its own build folder. The capture stage runs on two threads (reading, analysis: CaptureIngest's
# FramePipe); the rest is single-threaded (libsystemd forbids sharing a journal across threads).
#   scripts/sanitize.sh [address|thread|all]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
what=${1:-address}
LOG=${SANITIZE_LOG:-/tmp/nodesleuth-sanitize}
# LeakSanitizer is off by default: the only leaks it reports are in XCTest, Foundation.Process (the
# tests' harness) and swift-argument-parser's exit-on-usage-error path (see docs/robustness.md).
# LEAKS=1 turns it on.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=${LEAKS:-0}}"
mkdir -p "$LOG"
run() {
  echo "== swift test --sanitize=$1 (full log: $LOG/$1.log)" >&2
  set +e
  swift test --sanitize="$1" --scratch-path ".build-$1" > "$LOG/$1.log" 2>&1
  rc=$?
  set -e
  grep -E "Test run with|ERROR: (Address|Thread)Sanitizer|WARNING: ThreadSanitizer|SUMMARY: " "$LOG/$1.log" | sort | uniq -c
  return $rc
}
case "$what" in
  address) run address ;;
  thread) run thread ;;
  all) run address; run thread ;;
esac
