#!/usr/bin/env python3
"""Inputs for the stage limits of issue 14 (scripts/bench_limits.sh, ONLY=stages):
  conntrack.dmesg   40 000 `nf_conntrack: table full, dropping packet` lines
  kills.dmesg       64 000 OOM kills (invoked, kill, reaper lines each)
  k4000/            4 000 kills in a dmesg + a capture with 4 000 retransmission bursts, a sos-like
                    folder (proc/stat btime places the kernel clock)
Usage: gen_stage_limits.py OUTDIR"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "testdata", "generators"))
from pcapwriter import PcapWriter, tcp_ipv4, sll2, ACK, PSH  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
BOOT = 1709600400

with open(os.path.join(out, "conntrack.dmesg"), "w") as f:
    for i in range(40000):
        f.write("[%6d.%06d] nf_conntrack: nf_conntrack: table full, dropping packet\n" % (100 + i // 10, (i % 10) * 100000))


def kill(f, n, t):
    pid = 10000 + n % 50000
    f.write("[%10.6f] java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=936\n" % t)
    f.write("[%10.6f] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/kubepods/pod%d,task_memcg=/kubepods/pod%d,task=java,pid=%d,uid=1000\n" % (t + 0.0001, n, n, pid))
    f.write("[%10.6f] Memory cgroup out of memory: Killed process %d (java) total-vm:%dkB, anon-rss:%dkB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:40kB oom_score_adj:936\n" % (t + 0.0002, pid, 100000 + n, 50000 + n))
    f.write("[%10.6f] oom_reaper: reaped process %d (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n" % (t + 0.5, pid))


with open(os.path.join(out, "kills.dmesg"), "w") as f:
    for n in range(64000):
        kill(f, n, 100 + n * 2.0)

sos = os.path.join(out, "k4000", "sosreport-bench")
for d in ("sos_commands/kernel", "proc", "captures"):
    os.makedirs(os.path.join(sos, d) if d != "captures" else os.path.join(out, "k4000", d), exist_ok=True)
open(os.path.join(sos, "proc/stat"), "w").write("cpu  1 1 1 1\nbtime %d\n" % BOOT)
with open(os.path.join(sos, "sos_commands/kernel/dmesg"), "w") as f:
    for n in range(4000):
        kill(f, n, 100 + n * 30.0)
w = PcapWriter(os.path.join(out, "k4000", "captures", "c.pcap"))
seq = 1000
for n in range(4000):
    t = BOOT + 100 + n * 30.0 + 0.3
    # a data segment, its retransmission 200 ms later, and the ACK
    for dt in (0.0, 0.2):
        w.write(t + dt, sll2(tcp_ipv4("10.0.0.1", "10.0.0.2", 40000, 8080, seq, 1, ACK | PSH, 502, b"x" * 100), 5, 4))
    w.write(t + 0.21, sll2(tcp_ipv4("10.0.0.2", "10.0.0.1", 8080, 40000, 1, seq + 100, ACK, 502), 5, 0))
    seq += 100
w.close()
print(out)
