#!/usr/bin/env python3
"""Writes testdata/logs/oom-memory/*: OOM records with their full memory part, one per kernel
generation, in the line shapes each generation prints (values ours, kept consistent: zone free
vs watermarks, Mem-Info pages vs RAM, task rss vs the kill line). Shapes: see SOURCES.md there.
Run from the repository root: python3 testdata/generators/gen_oom_memory.py"""
import os

OUT = "testdata/logs/oom-memory"


def stamp(t):
    return "[%12.6f]" % t


def dmesg(lines, t0, step=0.000011):
    out, t = [], t0
    for l in lines:
        if l.startswith("\t"):          # continuation of one printk record: no stamp, indented
            out.append("                " + l[1:])
            continue
        out.append("%s %s" % (stamp(t), l))
        t += step
    return "\n".join(out) + "\n"


def syslog(lines, prefix):
    return "\n".join(prefix + l for l in lines) + "\n"


def zone(node, name, free, mn, lo, hi, present, managed=None, old=False):
    if old:   # 2.6.32: no managed:, isolated counters, present: after unevictable
        return ("Node %d %s free:%dkB min:%dkB low:%dkB high:%dkB active_anon:0kB inactive_anon:0kB active_file:0kB "
                "inactive_file:0kB unevictable:0kB isolated(anon):0kB isolated(file):0kB present:%dkB mlocked:0kB dirty:0kB "
                "writeback:0kB mapped:0kB shmem:0kB slab_reclaimable:0kB slab_unreclaimable:0kB kernel_stack:0kB pagetables:0kB "
                "unstable:0kB bounce:0kB writeback_tmp:0kB pages_scanned:0 all_unreclaimable? yes" % (node, name, free, mn, lo, hi, present))
    return ("Node %d %s free:%dkB min:%dkB low:%dkB high:%dkB active_anon:0kB inactive_anon:0kB active_file:0kB "
            "inactive_file:0kB unevictable:0kB writepending:0kB present:%dkB managed:%dkB mlocked:0kB kernel_stack:0kB "
            "pagetables:0kB bounce:0kB free_pcp:0kB local_pcp:0kB free_cma:0kB" % (node, name, free, mn, lo, hi, present, managed or present))


def rhel6_2632():
    # 2.6.32: hex-only gfp, `<comm> cpuset=/ mems_allowed=0`, `Pid: N, comm:` line, per-cpu lists,
    # threads listed one row each with the process's rss; global, Normal below min, swap full.
    threads = 40
    rows = ["[ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name",
            "[  712]     0   712     2730      102   3     -17         -1000 udevd",
            "[ 1833]    27  1833   280101    41023   1       0             0 mysqld"]
    for i in range(threads):
        pid = 4242 if i == 0 else 5000 + i
        rows.append("[%5d]   496  4242  4100608  3651000   %d       0             0 java" % (pid, i % 8))
    lines = [
        "java invoked oom-killer: gfp_mask=0x280da, order=0, oom_adj=0, oom_score_adj=0",
        "java cpuset=/ mems_allowed=0",
        "Pid: 5007, comm: java Not tainted 2.6.32-754.35.1.el6.x86_64 #1",
        "Call Trace:",
        " [<ffffffff810d6791>] ? cpuset_print_task_mems_allowed+0x91/0xb0",
        " [<ffffffff81128360>] ? dump_header+0x90/0x1b0",
        " [<ffffffff81128a52>] ? oom_kill_process+0x82/0x2a0",
        " [<ffffffff81129390>] ? out_of_memory+0x220/0x3c0",
        "Mem-Info:",
        "Node 0 DMA per-cpu:",
        "CPU    0: hi:    0, btch:   1 usd:   0",
        "Node 0 Normal per-cpu:",
        "CPU    0: hi:  186, btch:  31 usd:  40",
        "active_anon:3695210 inactive_anon:301220 isolated_anon:0",
        "active_file:310 inactive_file:402 isolated_file:0",
        "unevictable:0 dirty:0 writeback:12 unstable:0",
        "free:33610 slab_reclaimable:5010 slab_unreclaimable:14020",
        "mapped:801 shmem:96 pagetables:21012 bounce:0",
        zone(0, "DMA", 15676, 60, 72, 88, 15272, old=True),
        "lowmem_reserve[]: 0 3512 16137 16137",
        zone(0, "DMA32", 64900, 14692, 18364, 22036, 3596500, old=True),
        "lowmem_reserve[]: 0 0 12625 12625",
        zone(0, "Normal", 53864, 54824, 68528, 82236, 12928000, old=True),
        "lowmem_reserve[]: 0 0 0 0",
        "Node 0 Normal: 661*4kB 791*8kB 473*16kB 284*32kB 141*64kB 63*128kB 19*256kB 7*512kB 1*1024kB 0*2048kB 0*4096kB = 53864kB",
        "712 total pagecache pages",
        "0 pages in swap cache",
        "Swap cache stats: add 1024133, delete 1024133, find 5521/7010",
        "Free swap  = 0kB",
        "Total swap = 4194300kB",
        "4194303 pages RAM",
        "111357 pages reserved",
        "2765 pages shared",
        "4051012 pages non-shared",
    ] + rows + [
        "Out of memory: Kill process 4242 (java) score 871 or sacrifice child",
        "Killed process 4242, UID 496, (java) total-vm:16402432kB, anon-rss:14603904kB, file-rss:96kB",
    ]
    return syslog(lines, "Mar  3 02:14:51 db7 kernel: ")


def c7_310_memcg():
    # 3.10 (RHEL 7): hex-only gfp 0xd0 (GFP_KERNEL), memcg v1, one-line stats per memcg of the hierarchy
    lines = [
        "java invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=999",
        "java cpuset=8f0c6d3a1b2e mems_allowed=0",
        "CPU: 3 PID: 23101 Comm: java Kdump: loaded Tainted: G               ------------ T 3.10.0-1160.el7.x86_64 #1",
        "Hardware name: VMware, Inc. VMware Virtual Platform/440BX Desktop Reference Platform, BIOS 6.00 12/12/2018",
        "Call Trace:",
        " [<ffffffff8d5865c9>] dump_stack+0x19/0x1b",
        " [<ffffffff8d581668>] dump_header+0x90/0x229",
        " [<ffffffff8cfc1ca6>] ? find_lock_task_mm+0x56/0xc0",
        " [<ffffffff8d03d1c8>] mem_cgroup_oom_synchronize+0x4b8/0x4f0",
        "Task in /kubepods/burstable/pod6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f/8f0c6d3a1b2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b killed as a result of limit of /kubepods/burstable/pod6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f/8f0c6d3a1b2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b",
        "memory: usage 2097152kB, limit 2097152kB, failcnt 4211",
        "memory+swap: usage 2097152kB, limit 9007199254740988kB, failcnt 0",
        "kmem: usage 0kB, limit 9007199254740988kB, failcnt 0",
        "Memory cgroup stats for /kubepods/burstable/pod6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f/8f0c6d3a1b2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b: cache:1024KB rss:2096128KB rss_huge:0KB mapped_file:512KB swap:0KB inactive_anon:0KB active_anon:2096128KB inactive_file:512KB active_file:512KB unevictable:0KB",
        "[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name",
        "[23001]  1000 23001      256        1       4        0          -998 pause",
        "[23044]  1000 23044  1398000   524032    1102        0           999 java",
        "Memory cgroup out of memory: Kill process 23044 (java) score 1999 or sacrifice child",
        "Killed process 23044 (java) total-vm:5592000kB, anon-rss:2095104kB, file-rss:1024kB, shmem-rss:0kB",
    ]
    return dmesg(lines, 88120.331201)


def u4_4_global_slab():
    # 4.4: hex-only gfp with 4.4's bit layout (0x24201ca = GFP_HIGHUSER_MOVABLE|__GFP_COLD),
    # no per-node line yet (4.8), `[ pid ]` table with nr_ptes nr_pmds; unreclaimable slab fills RAM.
    lines = [
        "kubelet invoked oom-killer: gfp_mask=0x24201ca, order=0, oom_score_adj=-999",
        "kubelet cpuset=/ mems_allowed=0",
        "CPU: 1 PID: 1204 Comm: kubelet Not tainted 4.4.0-210-generic #242-Ubuntu",
        "Hardware name: Xen HVM domU, BIOS 4.2.amazon 08/24/2006",
        " 0000000000000286 00000000a9e1f5c1 ffff8800e9b0f9c8 ffffffff813f9f83",
        "Call Trace:",
        " [<ffffffff813f9f83>] dump_stack+0x63/0x90",
        " [<ffffffff8120a7ae>] dump_header+0x5a/0x1c5",
        " [<ffffffff81192c82>] oom_kill_process+0x202/0x3c0",
        "Mem-Info:",
        "active_anon:180120 inactive_anon:2050 isolated_anon:0",
        "\tactive_file:1210 inactive_file:1502 isolated_file:0",
        "\tunevictable:0 dirty:4 writeback:0 unstable:0",
        "\tslab_reclaimable:10210 slab_unreclaimable:1279310",
        "\tmapped:1650 shmem:2110 pagetables:3020 bounce:0",
        "\tfree:21402 free_pcp:61 free_cma:0",
        zone(0, "DMA", 15880, 136, 168, 204, 15992, 15908),
        "lowmem_reserve[]: 0 3745 7966 7966 7966",
        zone(0, "DMA32", 44020, 32876, 41092, 49312, 3915776, 3835172),
        "lowmem_reserve[]: 0 0 4221 4221 4221",
        zone(0, "Normal", 25708, 37052, 46312, 55576, 4325376, 4322700),
        "lowmem_reserve[]: 0 0 0 0 0",
        "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB",
        "4822 total pagecache pages",
        "0 pages in swap cache",
        "Swap cache stats: add 0, delete 0, find 0/0",
        "Free swap  = 0kB",
        "Total swap = 0kB",
        "2097051 pages RAM",
        "0 pages HighMem/MovableOnly",
        "43012 pages reserved",
        "0 pages cma reserved",
        "0 pages hwpoisoned",
        "[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name",
        "[  401]     0   401     8901     1201      21       3        0             0 systemd-journal",
        "[ 1204]     0  1204   310200    41000     201       4        0          -999 kubelet",
        "[ 2210]     0  2210   250112    88120     320       4        0          -999 dockerd",
        "[ 3100]  1000  3100   402000    31000     160       4        0           998 node",
        "Out of memory: Kill process 3100 (node) score 1013 or sacrifice child",
        "Killed process 3100 (node) total-vm:1608000kB, anon-rss:123100kB, file-rss:900kB",
    ]
    return dmesg(lines, 402211.100001)


def deb_4_19_order2():
    # 4.19: names printed (0x6000c0 = GFP_KERNEL in the 4.15–4.19 layout), nodemask in the invoked
    # line, per-node kB line, an order-2 allocation (fork's kernel stack) failing while zones are
    # above their watermarks: fragmentation.
    lines = [
        "dockerd invoked oom-killer: gfp_mask=0x6000c0(GFP_KERNEL), nodemask=(null), order=2, oom_score_adj=-999",
        "dockerd cpuset=/ mems_allowed=0",
        "CPU: 0 PID: 911 Comm: dockerd Not tainted 4.19.0-26-amd64 #1 Debian 4.19.304-1",
        "Call Trace:",
        " dump_stack+0x66/0x81",
        " dump_header+0x6b/0x283",
        " oom_kill_process.cold.30+0xb/0x1cf",
        " out_of_memory+0x1a5/0x450",
        " __alloc_pages_slowpath+0xbd8/0xcb0",
        " copy_process.part.38+0x1b7/0x1ec0",
        "Mem-Info:",
        "active_anon:402110 inactive_anon:8120 isolated_anon:0",
        "\tactive_file:60210 inactive_file:70120 isolated_file:0",
        "\tunevictable:0 dirty:210 writeback:0 unstable:0",
        "\tslab_reclaimable:30120 slab_unreclaimable:21040",
        "\tmapped:20110 shmem:4020 pagetables:6010 bounce:0",
        "\tfree:380412 free_pcp:410 free_cma:0",
        "Node 0 active_anon:1608440kB inactive_anon:32480kB active_file:240840kB inactive_file:280480kB unevictable:0kB isolated(anon):0kB isolated(file):0kB mapped:80440kB dirty:840kB writeback:0kB shmem:16080kB shmem_thp: 0kB shmem_pmdmapped: 0kB anon_thp: 0kB writeback_tmp:0kB unstable:0kB all_unreclaimable? no",
        zone(0, "DMA", 15908, 268, 332, 396, 15992, 15908),
        "lowmem_reserve[]: 0 2929 3882 3882 3882",
        zone(0, "DMA32", 1402100, 50784, 63480, 76176, 3129184, 3034312),
        "lowmem_reserve[]: 0 0 953 953 953",
        zone(0, "Normal", 103640, 16524, 20652, 24780, 1048576, 976040),
        "lowmem_reserve[]: 0 0 0 0 0",
        "Node 0 Normal: 25910*4kB (UME) 0*8kB 0*16kB 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 103640kB",
        "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB",
        "134350 total pagecache pages",
        "0 pages in swap cache",
        "Free swap  = 0kB",
        "Total swap = 0kB",
        "1048438 pages RAM",
        "0 pages HighMem/MovableOnly",
        "41873 pages reserved",
        "Tasks state (memory values in pages):",
        "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
        "[    911]     0   911   310220    21010   450560        0          -999 dockerd",
        "[   4401]  1000  4401   620110   380200  3342336        0           900 python3",
        "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/kubepods/besteffort/pod0a1b2c3d-1111-2222-3333-444455556666/5d1c,task=python3,pid=4401,uid=1000",
        "Out of memory: Kill process 4401 (python3) score 902 or sacrifice child",
        "Killed process 4401 (python3) total-vm:2480440kB, anon-rss:1520400kB, file-rss:400kB, shmem-rss:0kB",
        "oom_reaper: reaped process 4401 (python3), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB",
    ]
    return dmesg(lines, 61230.500100)


def v5_10_slab():
    # 5.10: global, Normal below min, `Unreclaimable slab info:` (4.15+), summary line, UID in the kill line.
    lines = [
        "nginx invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0",
        "CPU: 2 PID: 7311 Comm: nginx Not tainted 5.10.0-28-amd64 #1 Debian 5.10.209-2",
        "Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
        "Call Trace:",
        " dump_stack+0x6b/0x83",
        " dump_header+0x4a/0x1f4",
        " oom_kill_process.cold+0xb/0x10",
        " out_of_memory+0x1bd/0x4e0",
        " __alloc_pages_slowpath.constprop.0+0xcc5/0xd90",
        "Mem-Info:",
        "active_anon:301220 inactive_anon:40110 isolated_anon:0",
        "\tactive_file:120 inactive_file:310 isolated_file:0",
        "\tunevictable:0 dirty:0 writeback:0",
        "\tslab_reclaimable:8120 slab_unreclaimable:1279612",
        "\tmapped:410 shmem:1210 pagetables:2210 bounce:0",
        "\tfree:42910 free_pcp:120 free_cma:0",
        "Node 0 active_anon:1204880kB inactive_anon:160440kB active_file:480kB inactive_file:1240kB unevictable:0kB isolated(anon):0kB isolated(file):0kB mapped:1640kB dirty:0kB writeback:0kB shmem:4840kB shmem_thp: 0kB shmem_pmdmapped: 0kB anon_thp: 0kB writeback_tmp:0kB kernel_stack:4200kB all_unreclaimable? yes",
        zone(0, "DMA", 15360, 136, 168, 204, 15992, 15360),
        "lowmem_reserve[]: 0 2929 7882 7882 7882",
        zone(0, "DMA32", 112920, 32876, 41092, 49312, 3129184, 3034312),
        "lowmem_reserve[]: 0 0 4953 4953 4953",
        zone(0, "Normal", 43360, 46080, 57600, 69120, 5242880, 5071872),
        "lowmem_reserve[]: 0 0 0 0 0",
        "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=1048576kB",
        "Node 0 hugepages_total=64 hugepages_free=64 hugepages_surp=0 hugepages_size=2048kB",
        "1640 total pagecache pages",
        "0 pages in swap cache",
        "Swap cache stats: add 0, delete 0, find 0/0",
        "Free swap  = 0kB",
        "Total swap = 0kB",
        "2097051 pages RAM",
        "0 pages HighMem/MovableOnly",
        "53012 pages reserved",
        "0 pages hwpoisoned",
        "Unreclaimable slab info:",
        "Name                      Used          Total",
        "kmalloc-512          4718592KB    4718720KB",
        "dentry                  2048KB       2304KB",
        "task_struct             3120KB       3328KB",
        "Tasks state (memory values in pages):",
        "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
        "[    301]     0   301    12310     3010   110592        0          -250 systemd-journal",
        "[   7311]    33  7311   420110   301000  2531328        0             0 nginx",
        "[   7400]    33  7400    60210    21100   344064        0             0 php-fpm7.4",
        "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/nginx.service,task=nginx,pid=7311,uid=33",
        "Out of memory: Killed process 7311 (nginx) total-vm:1680440kB, anon-rss:1200400kB, file-rss:3600kB, shmem-rss:0kB, UID:33 pgtables:2472kB oom_score_adj:0",
        "oom_reaper: reaped process 7311 (nginx), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB",
    ]
    return dmesg(lines, 51100.200300)


def v6_6_memcg_v2():
    # 6.6: cgroup v2 memcg with a `swap:` line, the v2 memory.stat block (bytes, one per line),
    # the 6.x task table (rss_anon rss_file rss_shmem), `CPU: N UID: N PID:` (6.10+ prints UID;
    # 6.6 not), containerd systemd path; logstash JVM at its 2 GiB limit.
    pod = "kubepods-burstable-pod7c2d9e41_5a6b_4c3d_8e2f_1a0b9c8d7e6f"
    cid = "4e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f"
    path = "/kubepods.slice/kubepods-burstable.slice/%s.slice/cri-containerd-%s.scope" % (pod, cid)
    stat = [("anon", 2040109056), ("file", 10485760), ("kernel", 45219840), ("kernel_stack", 4915200),
            ("pagetables", 8388608), ("sec_pagetables", 0), ("percpu", 120960), ("sock", 0), ("vmalloc", 0),
            ("shmem", 0), ("zswap", 0), ("zswapped", 0), ("file_mapped", 8388608), ("file_dirty", 0),
            ("file_writeback", 0), ("swapcached", 0), ("anon_thp", 0), ("file_thp", 0), ("shmem_thp", 0),
            ("inactive_anon", 2040061952), ("active_anon", 47104), ("inactive_file", 5242880),
            ("active_file", 5242880), ("unevictable", 0), ("slab_reclaimable", 12582912),
            ("slab_unreclaimable", 19202560), ("slab", 31785472), ("workingset_refault_anon", 0),
            ("pgscan", 1210332), ("pgsteal", 20110), ("pgfault", 9920110), ("pgmajfault", 320)]
    lines = [
        "java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=936",
        "CPU: 3 PID: 9101 Comm: java Not tainted 6.6.52-flatcar #1",
        "Hardware name: Amazon EC2 m5.xlarge/, BIOS 1.0 10/16/2017",
        "Call Trace:",
        " <TASK>",
        " dump_stack_lvl+0x48/0x70",
        " dump_header+0x4a/0x1f0",
        " oom_kill_process+0x101/0x170",
        " out_of_memory+0x23b/0x560",
        " mem_cgroup_out_of_memory+0x13a/0x150",
        " try_charge_memcg+0x6f0/0x7c0",
        " </TASK>",
        "memory: usage 2097152kB, limit 2097152kB, failcnt 8812",
        "swap: usage 0kB, limit 0kB, failcnt 0",
        "Memory cgroup stats for %s:" % path,
    ] + ["%s %d" % kv for kv in stat] + [
        "Tasks state (memory values in pages):",
        "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name",
        "[   8990] 65535  8990      243        1        0        1         0    28672        0          -998 pause",
        "[   9001]  1000  9001  1702110   499210   498060     1150         0  8110080        0           936 java",
        "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-%s.scope,mems_allowed=0,oom_memcg=%s,task_memcg=%s,task=java,pid=9001,uid=1000" % (cid, path, path),
        "Memory cgroup out of memory: Killed process 9001 (java) total-vm:6808440kB, anon-rss:1992240kB, file-rss:4600kB, shmem-rss:0kB, UID:1000 pgtables:7920kB oom_score_adj:936",
    ]
    return dmesg(lines, 7201.004000)


FILES = {
    "rhel6-2.6.32-global-threads-hex-gfp.messages": rhel6_2632,
    "centos7-3.10-memcg-v1-oneline-stats.dmesg": c7_310_memcg,
    "ubuntu-4.4-global-unreclaimable-slab-hex-gfp.dmesg": u4_4_global_slab,
    "debian10-4.19-global-order2-fragmentation.dmesg": deb_4_19_order2,
    "debian11-5.10-global-slab-info.dmesg": v5_10_slab,
    "flatcar-6.6-memcg-v2-logstash.dmesg": v6_6_memcg_v2,
}

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for name, fn in FILES.items():
        with open(os.path.join(OUT, name), "w") as f:
            f.write(fn())
        print("wrote", os.path.join(OUT, name))
