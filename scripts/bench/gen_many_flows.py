#!/usr/bin/env python3
"""A classic pcap (LINKTYPE_RAW) with N packets: SYNs of FLOWS distinct connections, all open at
once (within 60 s), each flow sending N/FLOWS segments. Usage: gen_many_flows.py OUT N FLOWS"""
import struct
import sys

out, n, flows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
per = max(n // flows, 1)
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
    t0 = 1_700_000_000.0
    written = 0
    for k in range(per):
        for i in range(flows):
            if written >= n:
                break
            src = 0x0A000000 + i // 60000
            sport = 1024 + i % 60000
            flags = 0x02 if k == 0 else 0x10
            tcp = struct.pack("!HHIIBBHHH", sport, 80, 1000 + k, 0 if k == 0 else 1, 5 << 4, flags, 64240, 0, 0)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i & 0xFFFF, 0x4000, 64, 6, 0, struct.pack("!I", src), bytes([10, 96, 0, 1]))
            t = t0 + (k * flows + i) * (60.0 / max(n, 1))
            f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), 40, 40) + ip + tcp)
            written += 1
