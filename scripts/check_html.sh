#!/usr/bin/env bash
# Renders the demo bundle's HTML report in a real headless browser (Debian's chromium), checks
# what the browser built, and saves a screenshot: docs/report-demo.png.
# Needs: chromium (apt-get install chromium). Usage: scripts/check_html.sh [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/report-demo.png}
command -v chromium >/dev/null || { echo "needs chromium (apt-get install chromium)" >&2; exit 2; }
swift build >&2
W=$(mktemp -d /tmp/nodesleuth-html.XXXXXX)
trap 'rm -rf "$W"' EXIT
B=testdata/bundles/seed-incident
.build/debug/nodesleuth analyze "$B/sosreport-node7" --pcap "$B/captures/any.pcap" --format html --output "$W/report.html"
CH="chromium --headless --no-sandbox --disable-gpu --hide-scrollbars"
$CH --dump-dom "file://$W/report.html" 2>/dev/null > "$W/dom.html"
fail=0
for needle in "Verdict:" "oom-kill-stall" "<svg" "logstash · 300 thr" "Top flows by real retransmissions"; do
  grep -qF "$needle" "$W/dom.html" || { echo "missing in the rendered DOM: $needle" >&2; fail=1; }
done
# self-contained: no scripts, no external resources
if grep -Eq '<script|src="http|href="http|@import|url\(' "$W/report.html"; then echo "the report loads something from outside" >&2; fail=1; fi
$CH --window-size=1320,1500 --screenshot="$OUT" "file://$W/report.html" 2>/dev/null >/dev/null
[ -s "$OUT" ] || { echo "no screenshot" >&2; fail=1; }
[ $fail -eq 0 ] && echo "ok: rendered by $(chromium --version 2>/dev/null | head -1); screenshot $OUT"
exit $fail
