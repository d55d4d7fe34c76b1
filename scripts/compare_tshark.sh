#!/bin/bash
# Compares nodesleuth's Wireshark-compatible per-frame flags with tshark's over the zeek and
# tcpdump test-suite captures (or any directories given).
#
# Usage: scripts/compare_tshark.sh [SOURCE...] [-- compare_tshark.py options]
#   SOURCE: a bare git mirror (its captures are read out of HEAD with git, into a temporary
#   directory, never into this repository) or a directory of captures. Default: the mirrors
#   /work/.mirror/zeek+zeek/repo (testing/btest/Traces, doc/traces) and
#   /work/.mirror/the-tcpdump-group+tcpdump/repo (tests), as the `fetch` tool leaves them.
# Needs tshark (Debian 12: apt-get install tshark, 4.0.17) and a nodesleuth build
# (.build/release, else .build/debug; or --bin).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
srcs=() opts=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; opts=("$@"); break; fi
  srcs+=("$1"); shift
done
if [ ${#srcs[@]} -eq 0 ]; then
  srcs=(/work/.mirror/zeek+zeek/repo /work/.mirror/the-tcpdump-group+tcpdump/repo)
fi
work=$(mktemp -d /tmp/compare-tshark.XXXXXX)
trap 'rm -rf "$work"' EXIT
dirs=()
for s in "${srcs[@]}"; do
  if git -C "$s" rev-parse --git-dir >/dev/null 2>&1 && [ "$(git -C "$s" rev-parse --is-bare-repository)" = true ]; then
    name=$(basename "$(dirname "$s")")
    out="$work/$name"; mkdir -p "$out"
    # the test-suite folders of the two projects; the whole tree for any other mirror
    paths=()
    for p in testing/btest/Traces doc/traces tests; do
      git -C "$s" cat-file -e "HEAD:$p" 2>/dev/null && paths+=("$p")
    done
    [ ${#paths[@]} -eq 0 ] && paths=(.)
    # blob by blob: a mirror may list large files it does not hold
    git -C "$s" ls-tree -r HEAD "${paths[@]}" | while read -r _ type sha path; do
      [ "$type" = blob ] || continue
      mkdir -p "$out/$(dirname "$path")"
      git -C "$s" cat-file blob "$sha" > "$out/$path" 2>/dev/null || rm -f "$out/$path"
    done
    dirs+=("$out")
  else
    dirs+=("$s")
  fi
done
python3 "$here/compare_tshark.py" "${opts[@]}" "${dirs[@]}"
