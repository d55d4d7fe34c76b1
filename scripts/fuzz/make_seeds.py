#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, made from testdata/ (scripts/fuzz.sh calls this).
Usage: make_seeds.py OUTDIR"""
import glob
import os
import struct
import sys

root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
out = sys.argv[1]


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def pcap_frames(path, limit=400):
    b = open(path, "rb").read()
    if b[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        return None, []
    lt = struct.unpack("<I", b[20:24])[0]
    off, frames = 24, []
    while off + 16 <= len(b) and len(frames) < limit:
        _, _, incl, orig = struct.unpack("<IIII", b[off:off + 16])
        frames.append(b[off + 16:off + 16 + incl])
        off += 16 + incl
    return lt, frames


link_index = {0: 0, 1: 1, 12: 2, 101: 3, 108: 4, 113: 5, 276: 6, 228: 7, 229: 8}
# FuzzPacketDecoder's further link types (file LINKTYPE values; 100 is read as DLT 11)
for i, lt in enumerate([9, 10, 100, 7, 50, 51, 104, 105, 117, 127, 129, 166, 192, 204, 239, 240, 241, 242, 178, 179, 181]):
    link_index[lt] = 9 + i
for p in (glob.glob(os.path.join(root, "testdata/pcap/synthetic/*.pcap")) + glob.glob(os.path.join(root, "testdata/bundles/*/captures/*.pcap"))
          + glob.glob(os.path.join(root, "testdata/pcap/encap/*.pcap"))):
    lt, frames = pcap_frames(p, 60)
    if lt is None:
        continue
    base = os.path.basename(os.path.dirname(os.path.dirname(p))) + "-" + os.path.basename(p)
    for i, f in enumerate(frames[:20]):
        put("FuzzPacketDecoder", f"{base}-{i}", bytes([link_index.get(lt, 1)]) + f)
    # raw IP sequence for the analyser: strip the link header (SLL2 20, SLL 16)
    hdr = {276: 20, 113: 16, 1: 14}.get(lt)
    if hdr:
        seq = b"".join(struct.pack(">HB", len(f) - hdr, i % 3) + f[hdr:] for i, f in enumerate(frames))
        put("FuzzTCPAnalyzer", base, seq)
for p in glob.glob(os.path.join(root, "testdata/pcap/synthetic/*.pcapng")):
    put("FuzzPcapng", os.path.basename(p), open(p, "rb").read()[:65536])
fmt = os.path.join(root, "testdata/logs/formats")
put("FuzzJournalExport", "export", open(os.path.join(fmt, "journalctl-export.log"), "rb").read())
for n in ("journalctl-json.log", "journalctl-json-seq.log", "journalctl-verbose.log"):
    put("FuzzJournalJSON", n, open(os.path.join(fmt, n), "rb").read()[:20000])
for p in glob.glob(os.path.join(fmt, "*")):
    if not p.endswith(".json"):
        put("FuzzLogText", os.path.basename(p), open(p, "rb").read()[:8000])
for p in glob.glob(os.path.join(root, "testdata/logs/oom/*")):
    if not p.endswith(".json") and not p.endswith(".md"):
        put("FuzzOOMAssembler", os.path.basename(p), open(p, "rb").read())
        put("FuzzLogText", "oom-" + os.path.basename(p), open(p, "rb").read()[:4000])
for p in glob.glob(os.path.join(root, "testdata/logs/oom-memory/*")) + glob.glob(os.path.join(root, "testdata/logs/oom/*")):
    if not p.endswith(".json") and not p.endswith(".md"):
        put("FuzzOOMMemoryDecode", os.path.basename(p), open(p, "rb").read()[:4000])
for p in glob.glob(os.path.join(root, "testdata/bundles/*/sosreport-node7/sos_commands/sar/*")) + \
        glob.glob(os.path.join(root, "testdata/bundles/*/sosreport-node7/proc/vmstat")) + \
        glob.glob(os.path.join(root, "testdata/bundles/*/sosreport-node7/proc/pressure/*")):
    put("FuzzStallInputs", p.replace("/", "_")[-60:], open(p, "rb").read()[:4000])
for p in glob.glob(os.path.join(root, "testdata/logs/layouts/*")):
    if not p.endswith(".json"):
        put("FuzzLogText", "layout-" + os.path.basename(p), open(p, "rb").read()[:4000])
for p in glob.glob(os.path.join(root, "testdata/bundles/seed-incident/sosreport-node7/sos_commands/process/*")) + \
         glob.glob(os.path.join(root, "testdata/bundles/seed-incident/sosreport-node7/sos_commands/networking/*")):
    put("FuzzPsListing", os.path.basename(p), open(p, "rb").read())
print(out)
# FuzzArchive: the hostile tarball and small real tarballs of the demo bundle's files
import io as _io, tarfile as _tarfile
put("FuzzArchive", "evil.tar.gz", open(os.path.join(root, "testdata/archives/evil-bundle.tar.gz"), "rb").read())
_b = _io.BytesIO()
with _tarfile.open(fileobj=_b, mode="w") as _t:
    _t.add(os.path.join(root, "testdata/bundles/seed-incident/sosreport-node7/sos_commands/kernel/dmesg"), arcname="s/sos_commands/kernel/dmesg")
    _t.add(os.path.join(root, "testdata/bundles/seed-incident/sosreport-node7/etc"), arcname="s/etc")
put("FuzzArchive", "small.tar", _b.getvalue())


# FuzzOOMMerge: records that collide (same pid and comm, figures or stamps equal) and ones that do not
import random as _r
_rng = _r.Random(14)
for _n in range(4):
    put("FuzzOOMMerge", "mix%d" % _n, bytes(_rng.randrange(256) for _ in range(8 * (4 + 6 * _n))))
put("FuzzOOMMerge", "same-kill-three-sources", bytes([4 | 8 | 32 | 64, 1, 0, 1, 1, 50, 10, 0] * 3))
