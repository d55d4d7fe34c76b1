#!/usr/bin/env bash
# Benchmark of the log stage (issue 3). Not a test: prints rates and ratios against baselines
# run in the same invocation.
#   1. a binary journal of N entries (default 1 000 000; 10 % kernel, OOM records every 100 000),
#      made with systemd-journal-remote: `nodesleuth oom` vs a bare C sd-journal loop
#      (sd_journal_next + MESSAGE for every entry);
#   2. a journalctl short text log of ~S MB (default 400): `nodesleuth oom` vs a bare C
#      read + memchr line loop;
#   3. (issue 12) a /var/log/messages of ~G MB (default 1024) with a few OOM reports inside:
#      `nodesleuth oom` against `wc -l` on the same file (target: >= 20 % of wc's rate, peak RSS
#      <= 256 MB).
# Needs: systemd-journal-remote, gcc, libsystemd-dev.
# Usage: scripts/bench_logs.sh [N] [S] [G]; ONLY=messages runs part 3 alone.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
S=${2:-400}
G=${3:-1024}
ONLY=${ONLY:-}
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

messages() {
  echo "== /var/log/messages: ~$G MB, a few OOM reports inside" >&2
  python3 - "$G" "$W/messages" <<'PY'
import sys
mb, path = int(sys.argv[1]), sys.argv[2]
# the demo OOM record as rsyslog writes it (RFC 3164 with the printk stamp), among ordinary lines
oom = open("testdata/logs/layouts/syslog-rfc3164-printk.log").read()
lines = [
    "Mar  5 09:{m:02d}:{s:02d} node7 kubelet[812]: I0305 09:{m:02d}:{s:02d}.000000     812 kubelet.go:2400] \"SyncLoop UPDATE\" source=\"api\" pods=[\"default/app-{i}\"]\n",
    "Mar  5 09:{m:02d}:{s:02d} node7 containerd[640]: time=\"2024-03-05T09:{m:02d}:{s:02d}.000000Z\" level=info msg=\"ImageCreate event name:\\\"docker.io/library/app:{i}\\\"\"\n",
    "Mar  5 09:{m:02d}:{s:02d} node7 systemd[1]: Started Session {i} of User core.\n",
    "Mar  5 09:{m:02d}:{s:02d} node7 kernel: [ {i}.000000] IPv6: ADDRCONF(NETDEV_CHANGE): cali{i}: link becomes ready\n",
]
with open(path, "w") as f:
    written, i, planted = 0, 0, 0
    while written < mb * 1_000_000:
        chunk = "".join(lines[k % 4].format(m=(i + k) // 60 % 60, s=(i + k) % 60, i=(i + k) % 9973) for k in range(20000))
        f.write(chunk); written += len(chunk); i += 20000
        if i % 2_000_000 == 0:
            # a distinct kill each time: another pid, printk stamps 1000 s later
            import re
            rec = oom.replace("4242", str(4242 + planted)).replace("java", "java")
            rec = re.sub(r"\[ *(\d+)\.(\d{6})\]", lambda mm: "[%5d.%s]" % (int(mm.group(1)) + 1000 * planted, mm.group(2)), rec)
            f.write(rec); written += len(rec); planted += 1
print(planted, file=open(path + ".planted", "w"))
PY
  cat "$W/messages" > /dev/null
  local bytes planted t0 t1 wct nt rss kills
  bytes=$(stat -c %s "$W/messages"); planted=$(cat "$W/messages.planted")
  t0=$(date +%s.%N); wc -l "$W/messages" > /dev/null; t1=$(date +%s.%N)
  wct=$(python3 -c "print($t1-$t0)")
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$W/rss" "$BIN" oom "$W/messages" --format json > "$W/oom.json"
  t1=$(date +%s.%N)
  nt=$(python3 -c "print($t1-$t0)"); rss=$(cat "$W/rss")
  kills=$(python3 -c "import json;print(len(json.load(open('$W/oom.json'))['oom_kills']))")
  python3 - "$bytes" "$wct" "$nt" "$rss" "$kills" "$planted" <<'PY'
import sys
b, w, n, rss, kills, planted = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
print(f"messages: wc -l                   {b/1e6:7.0f} MB  {w:7.3f} s  {b/w/1e6:7.0f} MB/s")
print(f"messages: nodesleuth oom (whole)  {b/1e6:7.0f} MB  {n:7.3f} s  {b/n/1e6:7.0f} MB/s  = {w/n*100:5.1f} % of wc -l (target >= 20 %); "
      f"peak RSS {rss/1024:.0f} MB (target <= 256); {kills} OOM kills of {planted} planted")
PY
}
if [ "$ONLY" = messages ]; then messages; exit 0; fi

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

messages
