#!/usr/bin/env bash
# Builds the libFuzzer targets (scripts/fuzz/, swiftc -sanitize=fuzzer,address) and runs each over
# a seed corpus made from testdata/. Crashes are written to $WORK/artifacts and make the script
# fail; add each as a regression test.
#   scripts/fuzz.sh [SECONDS_PER_TARGET=30] [RUNS_PER_TARGET=0 (unlimited)] [TARGET...]
# FUZZ_ASAN=0 fuzzes with coverage only (-sanitize=fuzzer: 3-4x the executions per second on the
# text parsers, whose cost under ASan is mostly Swift's many small allocations) and then replays
# the whole corpus it grew once through the ASan build, so every input found is checked by ASan too.
set -euo pipefail
cd "$(dirname "$0")/fuzz"
SECS=${1:-30}
RUNS=${2:-0}
shift $(( $# > 2 ? 2 : $# )) || true
TARGETS=${*:-"FuzzPacketDecoder FuzzTCPAnalyzer FuzzPcapng FuzzJournalExport FuzzJournalJSON FuzzLogText FuzzOOMAssembler FuzzOOMMemoryDecode FuzzStallInputs FuzzPsListing FuzzCorrelator FuzzArchive FuzzOOMMerge"}
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2
BIN=.build/release
if [ "${FUZZ_ASAN:-1}" = 0 ]; then
  swift build -c release --build-path .build-noasan -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library >&2
  BIN=.build-noasan/release
fi
WORK=${FUZZ_WORK:-/tmp/nodesleuth-fuzz}
mkdir -p "$WORK/artifacts"
python3 make_seeds.py "$WORK/seeds" >/dev/null
status=0
for t in $TARGETS; do
  mkdir -p "$WORK/corpus/$t" "$WORK/seeds/$t"
  args=(-max_total_time="$SECS" -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$t-" -rss_limit_mb=2048 -timeout=10 -max_len=4096)
  [ "$RUNS" != 0 ] && args+=(-runs="$RUNS")
  if SWIFT_BACKTRACE=enable=no "$BIN/$t" "${args[@]}" "$WORK/corpus/$t" "$WORK/seeds/$t" > "$WORK/$t.log" 2>&1; then
    r="ok"
    if [ "$BIN" != .build/release ]; then
      # ASan replay of everything the coverage-only run kept (each input executed once).
      if SWIFT_BACKTRACE=enable=no ".build/release/$t" -runs=0 -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
          -artifact_prefix="$WORK/artifacts/$t-asan-" "$WORK/corpus/$t" "$WORK/seeds/$t" > "$WORK/$t.asan.log" 2>&1; then
        r="ok, corpus of $(ls "$WORK/corpus/$t" | wc -l) replayed under ASan: clean"
      else
        r="ASAN REPLAY FAILED (see $WORK/$t.asan.log)"; status=1
      fi
    fi
  else
    r="CRASH (see $WORK/$t.log and $WORK/artifacts/)"; status=1
  fi
  execs=$(grep -m1 'stat::number_of_executed_units' "$WORK/$t.log" | awk '{print $2}')
  rate=$(grep -m1 'stat::average_exec_per_sec' "$WORK/$t.log" | awk '{print $2}')
  cov=$(grep -E '^#[0-9]+.*cov:' "$WORK/$t.log" | tail -1 | sed -E 's/.*cov: ([0-9]+).*ft: ([0-9]+).*/cov \1 ft \2/')
  printf '%-18s %s  %s execs  %s/s  %s\n' "$t" "$r" "${execs:-?}" "${rate:-?}" "${cov:-}"
done
exit $status
