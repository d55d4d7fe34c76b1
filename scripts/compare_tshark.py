#!/usr/bin/env python3
"""Frame-by-frame comparison of `nodesleuth retrans --wireshark-compatible --frames` with tshark.

Usage: scripts/compare_tshark.py [--bin PATH] [--jobs N] [--report FILE] [--timeout S] DIR_OR_FILE...

Every file under the given directories is offered to tshark (whatever its name: tshark and
nodesleuth both decide the format from the content). A file is a TCP capture when tshark shows at
least one TCP frame. For each TCP capture, the set of `tcp.analysis.*` flags of every frame that
either side flags or tshark sees as TCP is compared; a frame agrees when both sets are equal.

tshark is run as ../shared/testdata-public/pcap/counts.sh runs it (the reference files' tool):
an empty profile (WIRESHARK_CONFIG_DIR = an empty directory, so default preferences), one pass,
no name resolution, occurrence=f (the first TCP layer of a frame).

Printed: per file with a difference, its counts and the first differing frames; then the totals:
captures, TCP captures, frames compared, agreement %, crashes (signal, timeout), files tshark
reads that nodesleuth refuses. `--report` writes every differing frame (CSV) for analysis.
"""
import argparse
import atexit
import concurrent.futures as cf
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile

FLAGS = ["retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order", "lost_segment",
         "ack_lost_segment", "duplicate_ack", "zero_window", "zero_window_probe", "zero_window_probe_ack",
         "keep_alive", "keep_alive_ack", "window_update", "window_full", "reused_ports", "tfo_syn", "tfo_ack", "tfo_ignored"]

CFG = tempfile.mkdtemp(prefix="compare-tshark-profile-")
atexit.register(shutil.rmtree, CFG, True)


def tshark_frames(path, timeout):
    """frame -> set of flags for every TCP frame tshark shows; None when tshark cannot read it."""
    args = ["tshark", "-n", "-r", path, "-Y", "tcp", "-T", "fields", "-E", "separator=;", "-E", "occurrence=f", "-e", "frame.number"]
    for f in FLAGS:
        args += ["-e", "tcp.analysis." + f]
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=CFG)
    try:
        r = subprocess.run(args, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, "tshark timeout"
    out = {}
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        cols = line.split(";")
        if not cols[0].isdigit():
            continue
        out[int(cols[0])] = {FLAGS[i] for i in range(len(FLAGS)) if i + 1 < len(cols) and cols[i + 1] != ""}
    if not out and r.returncode != 0:
        return None, r.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["tshark failed"]
    return out, None


def ours(binary, path, timeout):
    """(frame -> flags, status): status 'ok', 'refused: …', 'crash: …'."""
    try:
        r = subprocess.run([binary, "retrans", "--wireshark-compatible", "--frames", path], capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {}, "crash: timeout after %ds" % timeout
    if r.returncode < 0 or r.returncode >= 128:
        return {}, "crash: exit %d %s" % (r.returncode, r.stderr.decode("utf-8", "replace")[-300:])
    if r.returncode != 0:
        return {}, "refused: " + r.stderr.decode("utf-8", "replace").strip()[:300]
    out = {}
    for row in csv.reader(io.StringIO(r.stdout.decode("utf-8", "replace"))):
        if len(row) < 3 or not row[1].isdigit():
            continue
        out[int(row[1])] = set(f for f in row[2].split("|") if f)
    return out, "ok"


def compare(binary, path, timeout):
    ts, why = tshark_frames(path, timeout)
    if ts is None or not ts:
        return {"path": path, "tcp": False}
    mine, status = ours(binary, path, timeout)
    res = {"path": path, "tcp": True, "status": status, "frames": 0, "agree": 0, "diffs": []}
    frames = set(ts) | set(mine)
    res["frames"] = len(frames)
    if status != "ok":
        res["diffs"] = [(f, sorted(ts.get(f, ())), []) for f in sorted(frames)]
        return res
    for f in sorted(frames):
        a, b = ts.get(f, set()), mine.get(f, set())
        if a == b:
            res["agree"] += 1
        else:
            res["diffs"].append((f, sorted(a), sorted(b)))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "nodesleuth"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--report", help="CSV of every differing frame: file,frame,tshark,nodesleuth")
    ap.add_argument("--show", type=int, default=5, help="differing frames printed per file")
    args = ap.parse_args()
    if not os.path.exists(args.bin):
        alt = os.path.join(os.path.dirname(args.bin), "..", "debug", "nodesleuth")
        if os.path.exists(alt):
            args.bin = alt
        else:
            sys.exit("no nodesleuth binary at %s (swift build -c release, or --bin)" % args.bin)
    files = []
    for p in args.paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files += [os.path.join(root, n) for n in names]
        else:
            files.append(p)
    files.sort()
    version = subprocess.run(["tshark", "--version"], capture_output=True).stdout.decode().splitlines()[0]
    print("%s; nodesleuth %s; %d files" % (version, args.bin, len(files)), flush=True)
    results = []
    with cf.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for r in ex.map(lambda f: compare(args.bin, f, args.timeout), files):
            results.append(r)
            if r["tcp"] and (r["diffs"] or r["status"] != "ok"):
                print("%s: %s, %d/%d frames agree" % (r["path"], r["status"][:200], r["agree"], r["frames"]), flush=True)
                for f, a, b in r["diffs"][:args.show]:
                    print("    frame %d: tshark %s nodesleuth %s" % (f, "|".join(a) or "-", "|".join(b) or "-"))
    tcp = [r for r in results if r["tcp"]]
    frames = sum(r["frames"] for r in tcp)
    agree = sum(r["agree"] for r in tcp)
    crashes = [r for r in tcp if r["status"].startswith("crash")]
    refused = [r for r in tcp if r["status"].startswith("refused")]
    differing = [r for r in tcp if r["diffs"]]
    if args.report:
        with open(args.report, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["file", "frame", "tshark", "nodesleuth"])
            for r in tcp:
                for fr, a, b in r["diffs"]:
                    w.writerow([r["path"], fr, "|".join(a), "|".join(b)])
    print()
    print("files offered:              %d" % len(results))
    print("TCP captures (tshark):      %d" % len(tcp))
    print("frames compared:            %d" % frames)
    print("frames agreeing:            %d (%.3f %%)" % (agree, 100.0 * agree / frames if frames else 100.0))
    print("files with a difference:    %d" % len(differing))
    print("crashes:                    %d%s" % (len(crashes), "".join("\n    " + r["path"] + ": " + r["status"][:200] for r in crashes)))
    print("refused (tshark reads them):%d%s" % (len(refused), "".join("\n    " + r["path"] + ": " + r["status"][:200] for r in refused)))
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
