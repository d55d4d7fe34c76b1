#!/usr/bin/env python3
"""Write a journal export stream of N entries (10 % kernel, the rest services), with an OOM
record every ~100 000 entries, to stdout. Used by scripts/bench_logs.sh."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
boot = "5f3c2a1b9d8e4f60a7b6c5d4e3f2a190"
rt0 = 1709600400_000000
out = sys.stdout
w = out.write
oom = [
    "[main]>worker0 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=936",
    "CPU: 1 PID: 4311 Comm: [main]>worker0 Not tainted 5.10.0-28-amd64 #1 Debian 5.10.209-2",
    "memory: usage 2097152kB, limit 2097152kB, failcnt 1487",
    "Tasks state (memory values in pages):",
    "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
    "[   4242]  1000  4242  1203456   524288  4395008        0           936 java",
    "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/a,task_memcg=/a,task=java,pid=4242,uid=1000",
    "Memory cgroup out of memory: Killed process 4242 (java) total-vm:4813824kB, anon-rss:2095104kB, file-rss:2048kB, shmem-rss:0kB, UID:1000 pgtables:4292kB oom_score_adj:936",
]
i = 0
k = 0
while i < n:
    mono = 1_000_000 + i * 1000
    if i % 100_000 == 50_000:
        for j, m in enumerate(oom):
            w(f"__REALTIME_TIMESTAMP={rt0 + mono + j}\n__MONOTONIC_TIMESTAMP={mono + j}\n_BOOT_ID={boot}\n_TRANSPORT=kernel\n"
              f"_SOURCE_MONOTONIC_TIMESTAMP={mono + j - 500}\nSYSLOG_IDENTIFIER=kernel\nPRIORITY=4\nMESSAGE={m}\n\n")
        i += len(oom)
        continue
    if i % 10 == 0:
        w(f"__REALTIME_TIMESTAMP={rt0 + mono}\n__MONOTONIC_TIMESTAMP={mono}\n_BOOT_ID={boot}\n_TRANSPORT=kernel\n"
          f"_SOURCE_MONOTONIC_TIMESTAMP={mono - 500}\nSYSLOG_IDENTIFIER=kernel\nPRIORITY=6\n"
          f"MESSAGE=cni0: port {i % 7 + 1}(veth{i:08x}) entered forwarding state\n\n")
    else:
        w(f"__REALTIME_TIMESTAMP={rt0 + mono}\n__MONOTONIC_TIMESTAMP={mono}\n_BOOT_ID={boot}\n_TRANSPORT=stdout\n"
          f"SYSLOG_IDENTIFIER=kubelet\n_PID=812\n_COMM=kubelet\nPRIORITY=6\n"
          f"MESSAGE=I0305 10:{i % 60:02d}:00.000000     812 kubelet.go:2400] \"SyncLoop UPDATE\" source=\"api\" pods=[\"default/app-{i % 97}\"]\n\n")
    i += 1
