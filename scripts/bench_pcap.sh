#!/usr/bin/env bash
# Benchmark of the capture stage (issue 4). Not a test: prints packets/s, ratios and peak RSS of
# runs made in this one invocation.
#   - a ~SIZE MB capture from shared/tools/gen_big_pcap.py (copy in testdata/generators/);
#   - the floor: a bare C loop over pcap_next_ex (scripts/bench/bare_pcap_loop.c), opened as
#     pcap_open_offline does (4 KiB reads) and as nodesleuth does (1 MiB stdio buffer);
#   - nodesleuth retrans (both views: Wireshark's and copies removed);
#   - tshark -Y tcp.analysis.retransmission, on the first SLICE packets only (tshark is far too
#     slow for the whole file: ~400 packets/s here), with nodesleuth on the same slice for the ratio.
#   - then the same bare loop and nodesleuth on a `tcpdump -i any`-style capture of ANY_MB
#     (LINUX_SLL2, node-local traffic recorded twice through a DNAT'ed ClusterIP), where the copy
#     detector has work to do (ANY_MB=0 skips it).
#   - with BASE_BIN=path: another nodesleuth build (e.g. the branch point) timed the same way,
#     interleaved with this one, for a before/after ratio on the same files in the same run.
# Usage: [ANY_MB=256] [BASE_BIN=…] scripts/bench_pcap.sh [SIZE_MB=1024] [SLICE=200000]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1024}
SLICE=${2:-200000}
W=$(mktemp -d /tmp/nodesleuth-pcap-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
swift build -c release >&2
BIN=.build/release/nodesleuth
gcc -O2 -o "$W/bare" scripts/bench/bare_pcap_loop.c $(pkg-config --cflags --libs libpcap)
echo "== generating ~$SIZE MB" >&2
python3 testdata/generators/gen_big_pcap.py --out "$W/big.pcap" --size-mb "$SIZE" >&2
cat "$W/big.pcap" > /dev/null
# each timed run is made five times, interleaved, and the fastest kept (this VM is noisy)
bt=999; bt2=999; nt=999; nrss=0; ot=999
BASE=${BASE_BIN:-}
for _ in 1 2 3 4 5; do
  if [ -n "$BASE" ]; then
    /usr/bin/time -f "%e %M" -o "$W/base" "$BASE" retrans "$W/big.pcap" --format json > /dev/null 2>&1
    read -r t _ < "$W/base"; ot=$(python3 -c "print(min($ot, $t))")
  fi
  read -r n t < <("$W/bare" "$W/big.pcap"); bt=$(python3 -c "print(min($bt, $t))")
  read -r _ t < <("$W/bare" "$W/big.pcap" bigbuf); bt2=$(python3 -c "print(min($bt2, $t))")
  NODESLEUTH_STAGE_TIMES=1 /usr/bin/time -f "%e %M" -o "$W/ns" "$BIN" retrans "$W/big.pcap" --format json > "$W/ns.json" 2> "$W/stages"
  read -r t rss < "$W/ns"; nt=$(python3 -c "print(min($nt, $t))"); nrss=$(( rss > nrss ? rss : nrss ))
done
editcap -r "$W/big.pcap" "$W/slice.pcap" "1-$SLICE" 2>/dev/null
/usr/bin/time -f "%e %M" -o "$W/ts" tshark -n -r "$W/slice.pcap" -Y tcp.analysis.retransmission > "$W/ts.out" 2>/dev/null
read -r tt trss < "$W/ts"
/usr/bin/time -f "%e %M" -o "$W/ns2" "$BIN" retrans "$W/slice.pcap" --wireshark-compatible --format json > "$W/ns2.json"
read -r st srss < "$W/ns2"
python3 - "$n" "$bt" "$nt" "$nrss" "$SLICE" "$tt" "$trss" "$st" "$W/ns.json" "$W/ts.out" "$W/ns2.json" "$(stat -c %s "$W/big.pcap")" "$bt2" <<'PY'
import json, sys
n, bt, nt, nrss, sl, tt, trss, st = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8])
bt2 = float(sys.argv[13])
cap = json.load(open(sys.argv[9]))["captures"][0]
ts_count = sum(1 for _ in open(sys.argv[10]))
ns_slice = json.load(open(sys.argv[11]))["captures"][0]["retransmissions_wireshark"]
size = int(sys.argv[12]) / 1e6
print(f"file: {size:.0f} MB, {n} packets")
print(f"bare pcap_next_ex loop        {n/bt/1e6:8.2f} M packets/s  ({bt:.2f} s)")
print(f"  same, 1 MiB stdio buffer     {n/bt2/1e6:8.2f} M packets/s  ({bt2:.2f} s)")
print(f"nodesleuth retrans (whole)    {n/nt/1e6:8.2f} M packets/s  ({nt:.2f} s) = {bt/nt*100:.1f} % of the bare loop, {bt2/nt*100:.1f} % of the 1 MiB one; peak RSS {nrss/1024:.0f} MB")
print(f"   retransmissions: {cap['retransmissions_wireshark']} as Wireshark shows them, {cap['retransmissions_real']} real; {cap['duplicate_copies']} copies")
print(f"tshark -Y retransmission      {sl/tt/1e6:8.4f} M packets/s  ({tt:.2f} s on the first {sl} packets; peak RSS {trss/1024:.0f} MB; {ts_count} frames)")
print(f"nodesleuth on the same slice  {sl/st/1e6:8.4f} M packets/s  ({st:.2f} s; {ns_slice} frames) = {tt/st:.0f}x tshark")
PY
if [ -n "$BASE" ]; then python3 -c "print(f'baseline binary (BASE_BIN)    {$n/$ot/1e6:8.2f} M packets/s  ({$ot:.2f} s) = {$bt/$ot*100:.1f} % of the bare loop; this build takes {$nt/$ot*100:.1f} % of its time')"; fi
echo "CPU time of each capture thread (last nodesleuth run; NODESLEUTH_STAGE_TIMES=1):"
sed 's/^/  /' "$W/stages"
ANY=${ANY_MB:-256}
if [ "$ANY" != 0 ]; then
  python3 testdata/generators/gen_big_pcap.py --out "$W/any.pcap" --size-mb "$ANY" --any-dup --dup-mode routed-dnat --linktype sll2 >/dev/null 2>&1
  cat "$W/any.pcap" > /dev/null
  abt=999; ant=999; aot=999
  for _ in 1 2 3 4 5; do
    if [ -n "$BASE" ]; then
      /usr/bin/time -f "%e %M" -o "$W/base" "$BASE" retrans "$W/any.pcap" --format json > /dev/null 2>&1
      read -r t _ < "$W/base"; aot=$(python3 -c "print(min($aot, $t))")
    fi
    read -r an t < <("$W/bare" "$W/any.pcap"); abt=$(python3 -c "print(min($abt, $t))")
    /usr/bin/time -f "%e %M" -o "$W/nsa" "$BIN" retrans "$W/any.pcap" --format json > "$W/nsa.json"
    read -r t arss < "$W/nsa"; ant=$(python3 -c "print(min($ant, $t))")
  done
  python3 - "$an" "$abt" "$ant" "$arss" "$W/nsa.json" "$(stat -c %s "$W/any.pcap")" <<'PY'
import json, sys
n, bt, nt, rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
cap = json.load(open(sys.argv[5]))["captures"][0]
print(f"-i any capture: {int(sys.argv[6]) / 1e6:.0f} MB, {n} packets, {cap['duplicate_copies']} copies, {len(cap['address_rewrites'])} address rewrites")
print(f"bare pcap_next_ex loop        {n/bt/1e6:8.2f} M packets/s  ({bt:.2f} s)")
print(f"nodesleuth retrans            {n/nt/1e6:8.2f} M packets/s  ({nt:.2f} s) = {bt/nt*100:.1f} % of the bare loop; peak RSS {rss/1024:.0f} MB")
print(f"   retransmissions: {cap['retransmissions_wireshark']} as Wireshark shows them, {cap['retransmissions_real']} real")
PY
  if [ -n "$BASE" ]; then python3 -c "print(f'baseline binary (BASE_BIN)    {$an/$aot/1e6:8.2f} M packets/s  ({$aot:.2f} s) = {$abt/$aot*100:.1f} % of the bare loop; this build takes {$ant/$aot*100:.1f} % of its time')"; fi
fi
