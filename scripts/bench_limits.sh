#!/usr/bin/env bash
# Memory bounds (issue 7). Not a test: prints peak RSS of runs made in this invocation.
#   - a capture with FLOWS (default 1 000 000) connections open at once vs the same number of
#     packets in 1 000 connections;
#   - a binary journal of ENTRIES (default 10 000 000) vs one of 1 000 000 entries
#     (needs systemd-journal-remote; skipped with a message without it).
#   - (issue 14, ONLY=stages runs these alone) stages that must stay n log n: 40 000
#     conntrack lines, 64 000 OOM kills, 4 000 kills against 4 000 retransmission bursts.
#   - (issue 14, ONLY=retrans runs these alone) retransmission events: captures with 100 000
#     (the baseline), EVENTS (default 2 000 000) and 2 x EVENTS real retransmissions through
#     `retrans` (text, json, --frames) and `analyze`: peak RSS must not grow with the count.
# Usage: scripts/bench_limits.sh [FLOWS] [ENTRIES]
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWS=${1:-1000000}
ENTRIES=${2:-10000000}
W=$(mktemp -d /tmp/nodesleuth-limits.XXXXXX)
trap 'rm -rf "$W"' EXIT
swift build -c release >&2
BIN=.build/release/nodesleuth
rss() { /usr/bin/time -f "%M %e" -o "$W/t" "$@" > "$W/out.json" 2>/dev/null || true; read -r kb s < "$W/t"; echo "$((kb / 1024)) MB peak RSS, $s s"; }
stages() {
  python3 scripts/bench/gen_stage_limits.py "$W/stages" > /dev/null
  echo "40 000 conntrack lines:                  $(rss "$BIN" analyze "$W/stages/conntrack.dmesg" --format json)   (was 59 s)"
  echo "64 000 OOM kills:                        $(rss "$BIN" oom "$W/stages/kills.dmesg" --format json)   (was 84 s, 494 MB)"
  python3 -c "import json;print('   kills found', len(json.load(open('$W/out.json'))['oom_kills']))"
  echo "4 000 kills x 4 000 bursts (correlation): $(rss "$BIN" analyze "$W/stages/k4000" --format json)   (was 72 s)"
  python3 -c "import json;d=json.load(open('$W/out.json'));print('   kills', len(d['oom_kills']), 'bursts', len(d['bursts']), 'verdict', d['verdict']['id'], d['verdict']['status'])"
}
retrans() {
  local N=${EVENTS:-2000000} base=""
  for n in 100000 "$N" $((2 * N)); do
    python3 scripts/bench/gen_many_retransmissions.py "$W/r.pcap" "$n" --acked
    echo "capture with $n real retransmissions ($(du -m "$W/r.pcap" | cut -f1) MB):"
    for mode in "retrans --format json" "retrans" "retrans --frames" "analyze --format json --pcap"; do
      # shellcheck disable=SC2086
      /usr/bin/time -f "%M %e" -o "$W/t" "$BIN" $mode "$W/r.pcap" > "$W/out" 2>/dev/null || true
      read -r kb s < "$W/t"
      [ "$n" = 100000 ] && eval "base_${mode//[^a-z]/_}=$kb"
      b=$(eval echo "\${base_${mode//[^a-z]/_}}")
      printf '   %-30s %5d MB peak RSS (%.2f x the 100 000-event run), %6.1f s, %d MB written\n' "$mode" $((kb / 1024)) "$(awk -v a="$kb" -v b="$b" 'BEGIN{print a/b}')" "$s" $(($(wc -c < "$W/out") >> 20))
    done
    rm -f "$W/r.pcap"
  done
}
if [ "${ONLY:-}" = stages ]; then stages; exit 0; fi
if [ "${ONLY:-}" = retrans ]; then retrans; exit 0; fi
python3 scripts/bench/gen_many_flows.py "$W/many.pcap" "$FLOWS" "$FLOWS"
python3 scripts/bench/gen_many_flows.py "$W/few.pcap" "$FLOWS" 1000
echo "capture, $FLOWS packets in 1000 connections:     $(rss "$BIN" retrans "$W/few.pcap" --format json)"
echo "capture, $FLOWS packets in $FLOWS connections: $(rss "$BIN" retrans "$W/many.pcap" --format json)"
python3 -c "import json;c=json.load(open('$W/out.json'))['captures'][0];print('   conversations', c['conversations'], 'evicted early', c['evicted_conversations'])"
if [ -x /lib/systemd/systemd-journal-remote ]; then
  for n in 1000000 "$ENTRIES"; do
    mkdir -p "$W/j$n"
    python3 scripts/bench/gen_big_journal.py "$n" | /lib/systemd/systemd-journal-remote -o "$W/j$n/system.journal" - 2>/dev/null
    echo "journal, $n entries ($(du -sm "$W/j$n" | cut -f1) MB in $(ls "$W/j$n" | wc -l) files): $(rss "$BIN" oom "$W/j$n" --format json)"
    rm -rf "$W/j$n"
  done
else
  echo "journal: skipped (needs systemd-journal-remote)"
fi
stages
retrans
