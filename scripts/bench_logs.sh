#!/usr/bin/env bash
# Benchmark of the log stage (issue 3). Not a test: prints rates and ratios against baselines
# run in the same invocation.
#   1. a binary journal of N entries (default 1 000 000; 10 % kernel, OOM records every 100 000),
#      made with systemd-journal-remote: `nodesleuth oom` vs a bare C sd-journal loop
#      (sd_journal_next + MESSAGE for every entry);
#   2. a journalctl short text log of ~S MB (default 400): `nodesleuth oom` vs a bare C
#      read + memchr line loop.
# Needs: systemd-journal-remote, gcc, libsystemd-dev. Usage: scripts/bench_logs.sh [N] [S]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
S=${2:-400}
W=$(mktemp -d /tmp/nodesleuth-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
[ -x /lib/systemd/systemd-journal-remote ] || { echo "needs systemd-journal-remote (apt-get install systemd-journal-remote)" >&2; exit 2; }
swift build -c release >&2
BIN=.build/release/nodesleuth
gcc -O2 -o "$W/bare_journal" scripts/bench/bare_journal_loop.c $(pkg-config --cflags --libs libsystemd)
gcc -O2 -o "$W/bare_text" scripts/bench/bare_text_loop.c

# measure KIND COUNT BARE_SECONDS INPUT: times `nodesleuth oom INPUT` (whole process) and prints it
# beside the bare loop's figures. COUNT is entries (journal) or bytes (text).
measure() {
  local kind=$1 n=$2 bare=$3 input=$4 t0 t1 kills
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$W/rss" "$BIN" oom "$input" --format json > "$W/oom.json"
  t1=$(date +%s.%N)
  kills=$(python3 -c "import json;print(len(json.load(open('$W/oom.json'))['oom_kills']))")
  python3 - "$kind" "$n" "$bare" "$t0" "$t1" "$(cat "$W/rss")" "$kills" <<'PY'
import sys
kind, n, bare, t0, t1, rss, kills = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
nt = t1 - t0
if kind == "journal":
    print(f"journal: bare sd-journal loop   {n:>9} entries  {bare:7.3f} s  {n/bare/1e6:6.2f} M entries/s")
    print(f"journal: nodesleuth oom (whole) {n:>9} entries  {nt:7.3f} s  {n/nt/1e6:6.2f} M entries/s", end="")
else:
    print(f"text:    bare read+memchr loop  {n/1e6:9.0f} MB  {bare:7.3f} s  {n/bare/1e6:7.0f} MB/s")
    print(f"text:    nodesleuth oom (whole) {n/1e6:9.0f} MB  {nt:7.3f} s  {n/nt/1e6:7.0f} MB/s", end="")
print(f"  = {bare/nt*100:5.1f} % of the bare loop; {kills} OOM kills; peak RSS {rss/1024:.0f} MB")
PY
}

echo "== binary journal: $N entries" >&2
mkdir -p "$W/j"
python3 scripts/bench/gen_big_journal.py "$N" | /lib/systemd/systemd-journal-remote -o "$W/j/system.journal" - 2>/dev/null
FILES=$(ls "$W"/j/*.journal)
cat $FILES > /dev/null   # warm the page cache for both runs
read -r bn bt < <("$W/bare_journal" $FILES)
measure journal "$bn" "$bt" "$W/j"

echo "== text log: ~$S MB of journalctl short" >&2
python3 - "$S" "$W/big.log" <<'PY'
import sys
mb, path = int(sys.argv[1]), sys.argv[2]
oom = open("testdata/logs/formats/journalctl-short.log").read()
line = "Mar 05 09:{m:02d}:{s:02d} node7 kubelet[812]: I0305 09:{m:02d}:{s:02d}.000000     812 kubelet.go:2400] \"SyncLoop UPDATE\" source=\"api\" pods=[\"default/app-{i}\"]\n"
with open(path, "w") as f:
    written, i = 0, 0
    while written < mb * 1_000_000:
        chunk = "".join(line.format(m=(i + k) // 60 % 60, s=(i + k) % 60, i=(i + k) % 97) for k in range(10000))
        f.write(chunk); written += len(chunk); i += 10000
        if i % 1_000_000 == 0:
            f.write(oom); written += len(oom)
PY
cat "$W/big.log" > /dev/null
read -r tb tt < <("$W/bare_text" "$W/big.log")
measure text "$tb" "$tt" "$W/big.log"
