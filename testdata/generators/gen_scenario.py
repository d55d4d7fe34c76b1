#!/usr/bin/env python3
"""Generate a scenario bundle: a sos-like tree plus a `tcpdump -i any` capture beside it.

    python3 testdata/generators/gen_scenario.py seed-incident --out testdata/bundles

The scenario (see SCENARIOS below) says when the node's kernel OOM-killed a logstash JVM
(300 threads, in a Kubernetes pod) and how long each kill took, when the node stalled, and
when the network itself lost a packet. From that this script writes, deterministically:

  * a raw dmesg (`[ s.us] ...`) with the full 5.10-style memcg OOM record of each kill,
  * a journal export stream with the same kernel lines (plus systemd / kubelet entries), turned
    into a binary journal by systemd-journal-remote (needs the Debian package
    systemd-journal-remote; the .journal file is not byte-reproducible, its entries are),
  * a `ps axo pid,ppid,user,group,lwp,nlwp,start_time,comm,cgroup` listing taken after the kills:
    the restarted logstash JVM with 300 threads in the same pod,
  * a classic pcap, LINUX_SLL2, of three client pods' keep-alive HTTP connections to a server
    pod on the same node, every delivered packet recorded twice (client veth ifindex 5 in,
    server veth ifindex 9 out), as `tcpdump -i any` records bridged traffic. While the node is
    stalled nothing is delivered: each try is seen once (on the sender's veth) and the sender
    retransmits with RTO back-off (200 ms, doubling) until the stall ends,

and then lays them out with make_sos_fixture.py (sos 4.12 names, zone Asia/Shanghai).
Ground truth goes to <out>/<scenario>/TRUTH.json.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapwriter import ACK, FIN, PSH, SYN, PcapWriter, sll2, tcp_ipv4  # noqa: E402

BOOT = 1709600400.0            # 2024-03-05T01:00:00Z (09:00 in Asia/Shanghai)
BOOT_ID = "5f3c2a1b9d8e4f60a7b6c5d4e3f2a190"
MACHINE_ID = "7d4e1f9a6b5c4d3e2f1a0b0f8a3c5e2b"
POD_UID = "3b1f8a52-6c1e-4d0b-9a57-2f0e8c4d7a91"
HOST = "node7"
KERNEL = "5.10.0-28-amd64"
CAPTURE_START = 3000.0          # kernel seconds
CAPTURE_LEN = 480.0

SCENARIOS = {
    # The incident: three long OOM kills of logstash, each stalls the node; one unrelated loss.
    "seed-incident": dict(kills=[(100.0, 1.42), (230.0, 2.08), (370.0, 1.21)], stall_kills=True,
                          losses=[300.0], copies=True, journal=True, capture_len=480.0, clients=3,
                          expect_top="oom-kill-stall", expect_low=["conntrack-full", "softlockup-or-hung-task", "no-retransmissions"]),
    # Decoy: the same kills, but the bursts come from network loss 20 s after each kill.
    "decoy-oom-away": dict(kills=[(40.0, 1.42), (100.0, 2.08), (160.0, 1.21)], stall_kills=False,
                           losses=[60.0, 60.3, 120.0, 120.4, 180.0, 180.2], copies=True,
                           expect_top="network-loss", expect_low=["oom-kill-stall"]),
    # Copies only: nothing is lost; every "retransmission" Wireshark shows is an -i any copy.
    "copies-only": dict(kills=[], stall_kills=False, losses=[], copies=True,
                        expect_top=["capture-duplicates", "no-retransmissions"], expect_low=["oom-kill-stall", "network-loss"]),
    # OOM kills with no network symptom at all (a fast memcg kill does not disturb pod traffic).
    "oom-no-symptom": dict(kills=[(50.0, 0.004), (150.0, 0.003)], stall_kills=False, losses=[], copies=False,
                           expect_top="no-retransmissions", expect_low=["oom-kill-stall", "network-loss"]),
    # conntrack table full: new connections' SYNs are dropped while the table is full.
    "conntrack-full": dict(kills=[(200.0, 0.004)], stall_kills=False, losses=[], copies=False, churn=True,
                           events=[dict(kind="conntrack", rel=60.0, dur=4.0), dict(kind="conntrack", rel=140.0, dur=3.0)],
                           expect_top="conntrack-full", expect_low=["oom-kill-stall", "network-loss"]),
    # Fast kills (1 ms, a 4.14 kernel) but each comes after ~10 s in direct reclaim: the node
    # stalls in reclaim (`page allocation stalls for 10004ms`), the kill itself does not.
    "reclaim-stall": dict(kills=[(100.0, 0.001), (230.0, 0.001), (370.0, 0.001)], stall_kills=False, reclaim_before=10.2,
                          oom_shape="4.14", kernel="4.14.336-1.el7.x86_64", losses=[], copies=True, clients=3, capture_len=480.0,
                          expect_top="reclaim-stall", expect_low=["oom-kill-stall", "network-loss", "no-retransmissions"]),
    # No capture: only the bundle's sar output (ETCP retrans/s) says when pod traffic suffered;
    # three long kills spread over an hour, each in a 10-minute interval with raised retransmissions.
    "no-capture-sar": dict(kills=[(100.0, 1.42), (1300.0, 2.08), (3100.0, 1.21)], stall_kills=True, losses=[], copies=False,
                           capture=False, sar=True, vmstat_oom_kills=4,
                           expect_top="oom-kill-stall", expect_low=["network-loss", "reclaim-stall", "no-retransmissions"]),
    # A soft lockup freezes the node for 22 s, printed when the watchdog notices.
    "soft-lockup": dict(kills=[], stall_kills=False, losses=[], copies=False,
                        events=[dict(kind="softlockup", rel=90.0, dur=22.0)],
                        expect_top="softlockup-or-hung-task", expect_low=["network-loss", "oom-kill-stall"]),
    # The incident again, but the capture host's clock ran 7 s ahead of the node's.
    "clock-offset": dict(kills=[(40.0, 1.5), (110.0, 2.0), (180.0, 1.3)], stall_kills=True, losses=[], copies=True,
                         pcap_offset=7.0, expect_top="oom-kill-stall", expect_low=["network-loss"], pcap_offset_hint=-7.0),
}


def container_id(rng):
    return "".join(rng.choice("0123456789abcdef") for _ in range(64))


def oom_record(k, t, pid, invoker_pid, cid, dur):
    """Lines (kernel time, message) of one memcg OOM kill on a 5.10 kernel, cgroup v2, systemd driver."""
    uid_ = POD_UID.replace("-", "_")
    cg = (f"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{uid_}.slice/"
          f"cri-containerd-{cid}.scope")
    inv = "[main]>worker0"
    lines = [
        f"{inv} invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=936",
        f"CPU: 1 PID: {invoker_pid} Comm: {inv} Not tainted {KERNEL} #1 Debian 5.10.209-2",
        "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
        "Call Trace:",
        " dump_stack+0x6b/0x83",
        " dump_header+0x4a/0x1f0",
        " oom_kill_process.cold+0xb/0x10",
        " out_of_memory+0x1bd/0x4e0",
        " mem_cgroup_out_of_memory+0x134/0x150",
        " try_charge+0x76c/0x7d0",
        "memory: usage 2097152kB, limit 2097152kB, failcnt 1487",
        "swap: usage 0kB, limit 0kB, failcnt 0",
        f"Memory cgroup stats for {cg}:",
        "anon 2126512128",
        "Tasks state (memory values in pages):",
        "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
        f"[{pid:>7}]  1000 {pid:>5}  1203456   524288  4395008        0           936 java",
        f"oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-{cid[:12]}.scope,"
        f"mems_allowed=0,oom_memcg={cg},task_memcg={cg},task=java,pid={pid},uid=1000",
        f"Memory cgroup out of memory: Killed process {pid} (java) total-vm:4813824kB, anon-rss:2095104kB, "
        f"file-rss:2048kB, shmem-rss:0kB, UID:1000 pgtables:4292kB oom_score_adj:936",
    ]
    out = [(t + i * 0.000011, m) for i, m in enumerate(lines)]
    out.append((t + dur, f"oom_reaper: reaped process {pid} (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB"))
    return out, cg


def oom_record_414(k, t, pid, invoker_pid, cid, dur):
    """Lines of one memcg OOM kill on a 4.14 kernel (cgroup v1, cgroupfs driver): `Task in … killed
    as a result of limit of …`, one-line memory.stat, `nr_ptes nr_pmds` table, `Kill process … or
    sacrifice child` then `Killed process` (no UID), no `oom-kill:` summary line (4.19+)."""
    cg = f"/kubepods/burstable/pod{POD_UID}/{cid}"
    lines = [
        "java invoked oom-killer: gfp_mask=0x14000c0(GFP_KERNEL), nodemask=(null),  order=0, oom_score_adj=936",
        f"java cpuset={cid} mems_allowed=0",
        f"CPU: 1 PID: {invoker_pid} Comm: java Not tainted 4.14.336-1.el7.x86_64 #1",
        "Call Trace:",
        " dump_stack+0x5c/0x82",
        " dump_header+0x94/0x229",
        " oom_kill_process+0x213/0x410",
        " out_of_memory+0x2ab/0x4b0",
        " mem_cgroup_out_of_memory+0x49/0x80",
        f"Task in {cg} killed as a result of limit of {cg}",
        "memory: usage 2097152kB, limit 2097152kB, failcnt 1487",
        "memory+swap: usage 2097152kB, limit 9007199254740988kB, failcnt 0",
        "kmem: usage 10240kB, limit 9007199254740988kB, failcnt 0",
        f"Memory cgroup stats for {cg}: cache:0KB rss:2086912KB rss_huge:0KB shmem:0KB mapped_file:0KB dirty:0KB writeback:0KB swap:0KB inactive_anon:0KB active_anon:2086912KB inactive_file:0KB active_file:0KB unevictable:0KB",
        "[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name",
        f"[{pid:>5}]  1000 {pid:>5}  1203456   524288    4292       8        0           936 java",
        f"Memory cgroup out of memory: Kill process {pid} (java) score 1936 or sacrifice child",
        f"Killed process {pid} (java) total-vm:4813824kB, anon-rss:2095104kB, file-rss:2048kB, shmem-rss:0kB",
    ]
    out = [(t + i * 0.000011, m) for i, m in enumerate(lines)]
    out[-1] = (t + dur, out[-1][1])
    out.append((t + dur + 0.0004, f"oom_reaper: reaped process {pid} (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB"))
    return out, cg


def sar_text(stalls, rng, boot_local, end_local, day):
    """`sar -A`-like text (C locale: 24 h clock, MM/DD/YYYY banner) of the boot up to the
    collection, every 600 s: -B, -r, -W, -q, -n DEV, -n EDEV, -n ETCP. TCP retransmissions rise
    in the intervals holding a stall (stalls given as local seconds after midnight)."""
    import datetime
    start = boot_local + 1
    ends = []
    t = start + 600
    while t <= end_local:
        ends.append(t)
        t += 600
    def hms(x):
        return "%02d:%02d:%02d" % (x // 3600, x % 3600 // 60, x % 60)
    def hit(a, b):
        return any(a < s1 and s0 < b for s0, s1 in stalls)
    out = [f"Linux {KERNEL} ({HOST}) \t{day.strftime('%m/%d/%Y')} \t_x86_64_\t(4 CPU)", "",
           f"{hms(boot_local)}     LINUX RESTART\t(4 CPU)", ""]
    def section(header, row):
        out.append(f"{hms(start)}  " + header)
        for e in ends:
            out.extend(f"{hms(e)}  " + r for r in row(e - 600, e))
        out.append("Average:  (averages omitted)")
        out.append("")
    section("pgpgin/s pgpgout/s   fault/s  majflt/s  pgfree/s pgscank/s pgscand/s pgsteal/s    %vmeff",
            lambda a, b: ["%8.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f" % (rng.uniform(0, 9), rng.uniform(20, 60), rng.uniform(300, 900), 0, rng.uniform(200, 500), 0, 0, 0, 0)])
    section("kbmemfree   kbavail kbmemused  %memused kbbuffers  kbcached  kbcommit   %commit  kbactive   kbinact   kbdirty",
            lambda a, b: ["%9d %9d %9d %9.2f %9d %9d %9d %9.2f %9d %9d %9d" % (6012044, 8120440, 10291408, 63.12, 210044, 2104400, 9120044, 55.94, 6120440, 2012044, 404)])
    section("pswpin/s pswpout/s", lambda a, b: ["%8.2f %9.2f" % (0, 0)])
    section("runq-sz  plist-sz   ldavg-1   ldavg-5  ldavg-15   blocked",
            lambda a, b: ["%7d %9d %9.2f %9.2f %9.2f %9d" % (1, 812, 0.52, 0.58, 0.59, 0)])
    section("IFACE   rxpck/s   txpck/s    rxkB/s    txkB/s   rxcmp/s   txcmp/s  rxmcst/s   %ifutil",
            lambda a, b: ["%-6s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f" % (i, x, x, x / 9, x / 9, 0, 0, 0, 0.01)
                          for i, x in (("lo", rng.uniform(5, 9)), ("eth0", rng.uniform(300, 500)))])
    section("IFACE   rxerr/s   txerr/s    coll/s  rxdrop/s  txdrop/s  txcarr/s  rxfram/s  rxfifo/s  txfifo/s",
            lambda a, b: ["%-6s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f" % (i, 0, 0, 0, 0, 0, 0, 0, 0, 0) for i in ("lo", "eth0")])
    section("atmptf/s  estres/s retrans/s isegerr/s   orsts/s",
            lambda a, b: ["%8.2f %9.2f %9.2f %9.2f %9.2f" % (0.02, 0.01, (rng.uniform(6, 12) if hit(a, b) else rng.uniform(0.1, 0.4)), 0, 0.03)])
    return "\n".join(out) + "\n"


class Capture:
    """TCP request/response traffic between client pods and one server pod, with -i any copies."""

    def __init__(self, path, stalls, losses, copies, rng):
        self.w = PcapWriter(path)
        self.stalls, self.losses, self.copies, self.rng = stalls, sorted(losses), copies, rng
        self.frames = []           # (time, bytes) then sorted at the end
        self.ipid = 1000
        self.real_retrans = []     # (time, flow) of real retransmissions written
        self.copy_frames = 0
        self.offset = 0.0          # capture host clock minus node clock

    def stalled(self, t):
        return any(s <= t < e for s, e in self.stalls)

    def emit(self, t, pkt, delivered):
        # sender's veth (in, ifindex 5 for clients / 9 for the server) always sees it
        ip = pkt["ip"]
        self.frames.append((t, sll2(ip, pkt["if_in"], 0)))
        if delivered and self.copies:
            self.frames.append((t + self.rng.uniform(2e-6, 10e-6), sll2(ip, pkt["if_out"], 4)))
            self.copy_frames += 1

    def send(self, t, src, dst, sport, dport, seq, ack, flags, payload, if_in, if_out, flow):
        """Send with retransmission until delivered; returns the delivery time."""
        rto = 0.2
        tries = 0
        while True:
            self.ipid += 1
            ip = tcp_ipv4(src, dst, sport, dport, seq, ack, flags, 502, payload, ipid=self.ipid,
                          options=b"" if not flags & SYN else b"\x02\x04\x05\xb4\x01\x03\x03\x07\x04\x02\x01\x01")
            lost = self.stalled(t)
            if not lost and tries == 0 and payload and self.losses and self.losses[0] <= t:
                self.losses.pop(0)      # one packet lost by the network (not the node)
                lost = True
            self.emit(t, {"ip": ip, "if_in": if_in, "if_out": if_out}, delivered=not lost)
            if tries > 0:
                self.real_retrans.append((round(t, 6), flow))
            if not lost:
                return t
            if not payload and not flags & (SYN | FIN):
                return t                # a lost pure ACK is not retransmitted
            tries += 1
            t += rto
            rto *= 2

    def conversation(self, client, cport, start, end, interval):
        server, sport = "10.244.1.20", 8080
        flow = f"{client}:{cport} -> {server}:{sport}"
        c_if, s_if = 5, 9
        cseq, sseq = self.rng.randrange(1 << 32), self.rng.randrange(1 << 32)
        rtt = 0.0001
        t = self.send(start, client, server, cport, sport, cseq, 0, SYN, b"", c_if, s_if, flow)
        cseq += 1
        t = self.send(t + rtt / 2, server, client, sport, cport, sseq, cseq, SYN | ACK, b"", s_if, c_if, flow)
        sseq += 1
        t = self.send(t + rtt / 2, client, server, cport, sport, cseq, sseq, ACK, b"", c_if, s_if, flow)
        n = 0
        while t < end:
            n += 1
            req = (f"GET /api/v1/items?page={n} HTTP/1.1\r\nHost: api\r\n\r\n").encode()
            t = self.send(t, client, server, cport, sport, cseq, sseq, PSH | ACK, req, c_if, s_if, flow)
            cseq += len(req)
            body = b"x" * self.rng.randrange(300, 900)
            resp = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
            t = self.send(t + 0.0008, server, client, sport, cport, sseq, cseq, PSH | ACK, resp, s_if, c_if, flow)
            sseq += len(resp)
            t = self.send(t + 0.00005, client, server, cport, sport, cseq, sseq, ACK, b"", c_if, s_if, flow)
            t += interval * self.rng.uniform(0.7, 1.3)
        t = self.send(t, client, server, cport, sport, cseq, sseq, FIN | ACK, b"", c_if, s_if, flow)
        t = self.send(t + rtt, server, client, sport, cport, sseq, cseq + 1, FIN | ACK, b"", s_if, c_if, flow)
        self.send(t + rtt, client, server, cport, sport, cseq + 1, sseq + 1, ACK, b"", c_if, s_if, flow)

    def close(self):
        self.frames.sort(key=lambda x: x[0])
        for t, f in self.frames:
            self.w.write(t + self.offset, f)
        self.w.close()


def export_entry(f, realtime, mono, fields):
    f.write(f"__REALTIME_TIMESTAMP={int(round(realtime * 1e6))}\n__MONOTONIC_TIMESTAMP={int(round(mono * 1e6))}\n")
    f.write(f"_BOOT_ID={BOOT_ID}\n_MACHINE_ID={MACHINE_ID}\n_HOSTNAME={HOST}\n")
    for k, v in fields.items():
        f.write(f"{k}={v}\n")
    f.write("\n")


def build(name, out_root):
    sc = dict(dict(journal=False, capture_len=240.0, clients=2, churn=False, events=[], pcap_offset=0.0, capture=True,
                   sar=False, reclaim_before=0.0, oom_shape="5.10", kernel=KERNEL, vmstat_oom_kills=None), **SCENARIOS[name])
    rng = random.Random(name)
    out = os.path.join(out_root, name)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    work = tempfile.mkdtemp(prefix="nodesleuth-gen-")

    # kernel lines: boot, then the OOM kills
    kern = sc["kernel"]
    klines = [(0.0, f"Linux version {kern} (debian-kernel@lists.debian.org) (gcc-10 (Debian 10.2.1-6) 10.2.1 20210110) #1 SMP Debian 5.10.209-2 (2024-01-31)"),
              (0.0, f"Command line: BOOT_IMAGE=/boot/vmlinuz-{kern} root=/dev/vda1 ro quiet"),
              (1.204518, "EXT4-fs (vda1): mounted filesystem with ordered data mode. Opts: (null)"),
              (12.402113, "cni0: port 1(veth3a1c9e2f) entered forwarding state")]
    truth = {"kills": [], "stalls": [], "losses": [], "boot_utc": BOOT}
    stalls = []
    pid = 4242
    cids = []
    for i, (rel, dur) in enumerate(sc["kills"]):
        cid = container_id(rng)
        cids.append(cid)
        k = CAPTURE_START + rel
        recs, cg = (oom_record_414 if sc["oom_shape"] == "4.14" else oom_record)(k, k, pid, pid + 69, cid, dur)
        klines += recs
        if sc["reclaim_before"] > 0:
            # 4.11–4.14 warn_alloc: printed by the allocating task once it has waited 10 s
            rb = sc["reclaim_before"]
            klines.append((k - 0.2, f"java: page allocation stalls for {int(round((rb - 0.2) * 1000))}ms, order:0, mode:0x14200ca(GFP_HIGHUSER_MOVABLE), nodemask=(null)"))
            stalls.append((BOOT + k - rb, BOOT + k))
            truth.setdefault("reclaim_stalls", []).append(dict(k_start=round(k - rb, 6), k_end=round(k, 6)))
        truth["kills"].append(dict(pid=pid, k_invoked=round(k, 6), k_reaped=round(k + dur, 6), duration=dur,
                                   utc_invoked=BOOT + k, container_id=cid, pod_uid=POD_UID, threads=300))
        if sc["stall_kills"]:
            stalls.append((BOOT + k, BOOT + k + dur))
        pid += 1275 + i * 11
    restarted_pid = pid
    for ev in sc["events"]:
        k = CAPTURE_START + ev["rel"]
        if ev["kind"] == "conntrack":
            # drops every ~0.2 s while full, printed rate-limited
            t = k
            while t < k + ev["dur"]:
                klines.append((t, "nf_conntrack: nf_conntrack: table full, dropping packet"))
                t += 0.9
            klines.append((t, "net_ratelimit: 42 callbacks suppressed"))
            stalls.append((BOOT + k, BOOT + k + ev["dur"]))
            truth.setdefault("events", []).append(dict(kind="conntrack", k_start=k, duration=ev["dur"]))
        elif ev["kind"] == "softlockup":
            # the watchdog prints at the end of the stall
            end = k + ev["dur"]
            klines.append((end, f"watchdog: BUG: soft lockup - CPU#1 stuck for {int(ev['dur'])}s! [kworker/1:2:1234]"))
            klines.append((end + 0.00001, "Modules linked in: nf_conntrack_netlink xt_conntrack br_netfilter"))
            stalls.append((BOOT + k, BOOT + end))
            truth.setdefault("events", []).append(dict(kind="softlockup", k_start=k, duration=ev["dur"]))
    klines.sort(key=lambda x: x[0])
    with open(os.path.join(work, "dmesg"), "w") as f:
        for t, m in klines:
            f.write(f"[{t:>12.6f}] {m}\n")

    # journal: the same kernel lines (received 50 ms later) plus systemd and kubelet entries
    with open(os.path.join(work, "node.export"), "w") as f:
        for t, m in klines:
            export_entry(f, BOOT + t + 0.05, t + 0.05, {"_SOURCE_MONOTONIC_TIMESTAMP": int(round(t * 1e6)),
                         "_TRANSPORT": "kernel", "SYSLOG_FACILITY": 0, "SYSLOG_IDENTIFIER": "kernel",
                         "PRIORITY": 3 if "Killed process" in m else 4, "MESSAGE": m})
            if "Killed process" in m:
                cid = cids[[k["pid"] for k in truth["kills"]].index(int(m.split("Killed process ")[1].split()[0]))]
                export_entry(f, BOOT + t + 0.06, t + 0.06, {"_TRANSPORT": "journal", "_PID": 1, "_COMM": "systemd",
                             "SYSLOG_IDENTIFIER": "systemd", "PRIORITY": 5,
                             "MESSAGE": f"cri-containerd-{cid}.scope: A process of this unit has been killed by the OOM killer."})
                export_entry(f, BOOT + t + 1.9, t + 1.9, {"_TRANSPORT": "stdout", "_PID": 812, "_COMM": "kubelet",
                             "SYSLOG_IDENTIFIER": "kubelet", "_SYSTEMD_UNIT": "kubelet.service", "PRIORITY": 6,
                             "MESSAGE": f'I0305 kuberuntime_container.go:722] "Killing container with a grace period" pod="logging/logstash-0" podUID={POD_UID} containerName="logstash" reason="OOMKilled"'})
    jdir = os.path.join(work, "journal")
    os.makedirs(jdir)
    if sc["journal"]:
        with open(os.path.join(work, "node.export"), "rb") as f:
            subprocess.run(["/lib/systemd/systemd-journal-remote", "-o", os.path.join(jdir, "system.journal"), "-"],
                           stdin=f, check=True, stderr=subprocess.DEVNULL)

    # ps listing after the kills: the restarted JVM, 300 threads, same pod, new container
    uid_ = POD_UID.replace("-", "_")
    new_cg = (f"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{uid_}.slice/"
              f"cri-containerd-{container_id(rng)}.scope")
    with open(os.path.join(work, "ps"), "w") as f:
        f.write("    PID    PPID USER     GROUP        LWP NLWP START COMMAND         CGROUP\n")
        rows = [(1, 0, "root", 1, "systemd", "0::/init.scope"),
                (612, 1, "root", 14, "containerd", "0::/system.slice/containerd.service"),
                (812, 1, "root", 22, "kubelet", "0::/system.slice/kubelet.service"),
                (2101, 1, "root", 11, "containerd-shim", "0::/system.slice/containerd.service"),
                (2290, 2101, "1000", 9, "api-server", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod9a0c41e7_5d2b_4f8e_b1a3_6c7d8e9f0a1b.slice/cri-containerd-" + "a" * 64 + ".scope"),
                (restarted_pid, 2101, "1000", 300, "java", new_cg)]
        for p, pp, user, nlwp, comm, cg in rows:
            f.write(f"{p:>7} {pp:>7} {user:<8} {user:<8} {p:>7} {nlwp:>4} 03:01 {comm:<15} {cg}\n")

    # capture
    cap_path = os.path.join(work, "any.pcap")
    cap = Capture(cap_path, stalls, [BOOT + CAPTURE_START + x for x in sc["losses"]], sc["copies"], rng)
    cap.offset = sc["pcap_offset"]
    t0 = BOOT + CAPTURE_START
    for i, client in enumerate(["10.244.1.10", "10.244.1.11", "10.244.1.12"][:sc["clients"]]):
        if sc["churn"]:
            # a new connection for every request (what conntrack sees as new flows)
            t, port = t0 + 0.5 + i * 0.13, 40000 + i * 1000
            while t < t0 + sc["capture_len"]:
                cap.conversation(client, port, t, t, 1.0)
                port += 1
                t += 0.5 + rng.uniform(0, 0.2)
        else:
            cap.conversation(client, 40000 + i * 7, t0 + 0.5 + i * 0.13, t0 + sc["capture_len"], 1.0)
    cap.close()
    if not sc["capture"]:
        cap_path = None
    truth["capture"] = sc["capture"]
    truth["stalls"] = stalls
    truth["expect_top"] = sc["expect_top"] if isinstance(sc["expect_top"], list) else [sc["expect_top"]]
    truth["expect_low"] = sc["expect_low"]
    truth["pcap_offset"] = sc["pcap_offset"]
    if "pcap_offset_hint" in sc:
        truth["pcap_offset_hint"] = sc["pcap_offset_hint"]
    truth["real_retransmissions"] = len(cap.real_retrans)
    truth["copies"] = cap.copy_frames
    truth["retransmission_times"] = cap.real_retrans

    # lay out the sos tree
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "make_sos_fixture.py"),
                    "--out", out, "--name", f"sosreport-{HOST}", "--hostname", HOST,
                    "--dmesg", os.path.join(work, "dmesg")] + (["--journal-dir", jdir, "--render-journal"] if sc["journal"] else []) + [
                    "--ps", os.path.join(work, "ps")] + (["--pcap", cap_path] if cap_path else []) + [
                    "--kernel", kern] + (["--oom-kills", str(sc["vmstat_oom_kills"])] if sc["vmstat_oom_kills"] is not None else []) + [
                    "--tz", "Asia/Shanghai",
                    "--boot-time", "2024-03-05T01:00:00Z", "--collect-time", "2024-03-05T03:05:00Z",
                    "--boot-id", BOOT_ID, "--machine-id", MACHINE_ID, "--seed", "7"], check=True,
                   stdout=subprocess.DEVNULL)
    tree = os.path.join(out, f"sosreport-{HOST}")
    if sc["reclaim_before"] > 0:
        # the kernel's own counters of direct reclaim and compaction stalls
        with open(os.path.join(tree, "proc", "vmstat"), "a") as f:
            f.write("allocstall_dma32 12\nallocstall_normal 5120\nallocstall_movable 0\ncompact_stall 41\n")
    if sc["sar"]:
        import datetime
        from zoneinfo import ZoneInfo
        tz = ZoneInfo("Asia/Shanghai")
        boot_l = datetime.datetime.fromtimestamp(BOOT, tz)
        coll_l = datetime.datetime.fromtimestamp(BOOT + 7500, tz)
        mid = boot_l.replace(hour=0, minute=0, second=0)
        local = lambda x: int(round(x - mid.timestamp()))
        txt = sar_text([(local(a), local(b)) for a, b in stalls], rng, local(BOOT), local(coll_l.timestamp()), boot_l.date())
        os.makedirs(os.path.join(tree, "sos_commands", "sar"), exist_ok=True)
        with open(os.path.join(tree, "sos_commands", "sar", "sar05"), "w") as f:
            f.write(txt)
        os.makedirs(os.path.join(tree, "proc", "pressure"), exist_ok=True)
        with open(os.path.join(tree, "proc", "pressure", "memory"), "w") as f:
            f.write("some avg10=0.00 avg60=0.00 avg300=0.02 total=5210332\nfull avg10=0.00 avg60=0.00 avg300=0.01 total=4880101\n")
    with open(os.path.join(out, "TRUTH.json"), "w") as f:
        json.dump(truth, f, indent=1)
    shutil.rmtree(work)
    print(f"{out}: {len(truth['kills'])} kills, {truth['real_retransmissions']} real retransmissions, {truth['copies']} copies")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", nargs="*", default=sorted(SCENARIOS), help="scenario names (default: all)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bundles"))
    a = ap.parse_args()
    for s in a.scenario:
        build(s, a.out)


if __name__ == "__main__":
    main()
