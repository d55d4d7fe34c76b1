#!/usr/bin/env python3
"""Write ONE kernel OOM record in every layout people hand over.

    python3 testdata/generators/render_layouts.py

Output: testdata/logs/layouts/<layout file> plus EXPECT.json (what each file must give).

Needs (Debian 12 packages): `locales` (localedef), `systemd-journal-remote` (turns an export
stream into a binary journal), `faketime` (libfaketime, so util-linux `dmesg -T` converts the
printk stamps against a 2024 boot time), and util-linux `dmesg`, `journalctl` (systemd 252).
The locales are compiled on first use into $LOCPATH (default /tmp/loc) with
`localedef -i xx_XX -f UTF-8 $LOCPATH/xx_XX.UTF-8`.

The record: a memcg OOM (cgroup v1, kubelet systemd driver, containerd) of `java` pid 4242 in
pod 7c2e9b41-0d3a-4f6e-8b15-93a4c6d2e870 on a Debian 5.10 kernel, invoked by the JVM thread
`[main]>worker0` (pid 4311); node `node7`, booted 2024-03-05T01:00:00Z, zone Asia/Shanghai;
invoked at printk 3099.996102, killed at 3100.004211 (01:51:40.004211Z), reaped by the
oom_reaper thread at 3101.424518. Values are our own.

What is made by which tool:
* util-linux 2.38.1 `dmesg` on a syslog(2)-format copy of the record (`dmesg -F`): -t, the
  default raw layout, -T in 14 locales and --time-format iso. libfaketime shifts the clock so
  that dmesg's boot time is 2024-03-05T01:00:00Z (checked on a sentinel line of stamp 0 that is
  removed again; the run is repeated if the boot time came out wrong).
* systemd 252 `journalctl --file` on a journal written by `systemd-journal-remote` from an
  export stream (kernel transport, received 50 ms after printk, `_SOURCE_MONOTONIC_TIMESTAMP` =
  printk time): short, short-iso, short-precise, short-full, short-monotonic, short-unix, cat,
  verbose, export, json; two unusual host names; `short` under LC_ALL=ru_RU/de_DE.
* glibc strftime (Python time.strftime after locale.setlocale) for the layouts no tool prints
  that way: dmesg-like stamps with full day/month names and with the day before the month.
* By the documented pattern only (no tool run): printk with caller id (CONFIG_PRINTK_CALLER
  console/syslog(2) form), rsyslog RFC 3164/3339/5424 templates, OpenWrt logread, a serial
  console capture, AWS get-console-output, `cat -n`, avocado and `go test` logs, a kmsg shipper
  and `kubectl logs --timestamps` of a node-debug pod running dmesg.
"""
import datetime
import glob
import json
import locale
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "testdata/logs/layouts")
LOCPATH = os.environ.get("LOCPATH", "/tmp/loc")
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"

BOOT = 1709600400            # 2024-03-05T01:00:00Z, whole second
TZ = "Asia/Shanghai"
TZ_OFFSET = 8 * 3600         # no DST
REFERENCE = "2024-03-05T03:05:00Z"   # collection time, after the kill
HOST = "node7"
RECV_DELAY = 0.050           # journald reads /dev/kmsg 50 ms after printk
BOOT_ID = "5b0c8e2f4d6a47b19e3c2a1f0d9e8c7b"
MACHINE_ID = "9a7d3c1e5f2b4a6c8e0d2f4b6a8c0e1d"

POD_UID = "7c2e9b41-0d3a-4f6e-8b15-93a4c6d2e870"
CID = "e4a17c90b3d25f6e8a1c4b7d0e3f6a9c2b5d8e1f4a7c0b3d6e9f2a5c8b1d4e70"
POD_SLICE = ("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
             + POD_UID.replace("-", "_") + ".slice")
SCOPE = POD_SLICE + "/cri-containerd-" + CID + ".scope"

LOCALES = ["en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "nl_NL", "sv_SE", "pl_PL",
           "ru_RU", "tr_TR", "zh_CN", "ja_JP", "ko_KR"]


# ---------------------------------------------------------------------------------------------
# The record: (printk stamp in µs, syslog priority, printk caller, message)

def task_row(pid, uid, tgid, total_vm, rss, pgtables, swapents, adj, comm):
    # mm/oom_kill.c dump_task() of 5.10: "[%7d] %5d %5d %8lu %8lu %8ld %8lu         %5hd %s\n"
    return "[%7d] %5d %5d %8d %8d %8d %8d         %5d %s" % (
        pid, uid, tgid, total_vm, rss, pgtables, swapents, adj, comm)


INVOKED_US = 3099_996102
KILLED_US = 3100_004211
REAPED_US = 3101_424518
INVOKER_CALLER = "T4311"     # the allocating JVM thread prints the whole record
REAPER_CALLER = "T57"        # the oom_reaper kernel thread

_body = [
    (4, "[main]>worker0 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=936"),
    (4, "CPU: 3 PID: 4311 Comm: [main]>worker0 Not tainted 5.10.0-27-amd64 #1 Debian 5.10.205-2"),
    (4, "Hardware name: Amazon EC2 m5.xlarge/, BIOS 1.0 10/16/2017"),
    (4, "Call Trace:"),
    (4, " dump_stack+0x6b/0x83"),
    (4, " dump_header+0x4a/0x1f4"),
    (4, " oom_kill_process.cold+0xb/0x10"),
    (4, " out_of_memory+0x1bd/0x4e0"),
    (4, " mem_cgroup_out_of_memory+0x134/0x150"),
    (4, " try_charge+0x76c/0x7d0"),
    (6, "memory: usage 2097152kB, limit 2097152kB, failcnt 5831"),
    (6, "memory+swap: usage 2097152kB, limit 9007199254740988kB, failcnt 0"),
    (6, "kmem: usage 18432kB, limit 9007199254740988kB, failcnt 0"),
    (6, "Memory cgroup stats for " + SCOPE + ":"),
    (6, "anon 2143813632"),
    (6, "file 5771264"),
    (6, "kernel_stack 1622016"),
    (6, "sock 0"),
    (6, "shmem 0"),
    (6, "Tasks state (memory values in pages):"),
    (6, "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name"),
    (6, task_row(4198, 1000, 4198, 617, 180, 45056, 0, 936, "tini")),
    (6, task_row(4242, 1000, 4242, 1203456, 524801, 4395008, 0, 936, "java")),
    (6, task_row(5120, 1000, 5120, 1001, 207, 49152, 0, 936, "sh")),
    (6, task_row(5127, 1000, 5127, 712113, 9012, 462848, 0, 936, "jcmd")),
    (6, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-" + CID
        + ".scope,mems_allowed=0,oom_memcg=" + SCOPE + ",task_memcg=" + SCOPE
        + ",task=java,pid=4242,uid=1000"),
    (3, "Memory cgroup out of memory: Killed process 4242 (java) total-vm:4813824kB, "
        "anon-rss:2093568kB, file-rss:5636kB, shmem-rss:0kB, UID:1000 pgtables:4292kB oom_score_adj:936"),
]
RECORD = []
for i, (prio, msg) in enumerate(_body):
    last = len(_body) - 1
    us = INVOKED_US + round(i * (KILLED_US - INVOKED_US) / last)
    RECORD.append((us, prio, INVOKER_CALLER, msg))
RECORD.append((REAPED_US, 6, REAPER_CALLER,
               "oom_reaper: reaped process 4242 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB"))
assert RECORD[0][0] == INVOKED_US and RECORD[-2][0] == KILLED_US

KILL_ID = {
    "scope": "memcg", "invoker_comm": "[main]>worker0", "invoker_pid": 4311,
    "victim_pid": 4242, "victim_comm": "java", "victim_uid": 1000, "victim_oom_score_adj": 936,
    "anon_rss_kb": 2093568, "file_rss_kb": 5636, "shmem_rss_kb": 0, "total_vm_kb": 4813824,
    "memcg_usage_kb": 2097152, "memcg_limit_kb": 2097152, "memcg": SCOPE, "task_memcg": SCOPE,
    "pod_uid": POD_UID, "container_id": CID, "reaped": True,
}


def stamp(us):
    return "[%5d.%06d]" % (us // 1_000_000, us % 1_000_000)


def raw_lines():
    return [stamp(us) + " " + m for us, _, _, m in RECORD]


# ---------------------------------------------------------------------------------------------
# time helpers

def iso_utc(t):
    """ISO as JSONReport prints it (µs, Z)."""
    sec = math.floor(t + 1e-9)
    us = round((t - sec) * 1e6)
    if us == 1_000_000:
        sec, us = sec + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + ".%06dZ" % us


def wall(us, delay=0.0):
    return BOOT + us / 1e6 + delay


def local_tm(t):
    return time.gmtime(math.floor(t + 1e-9) + TZ_OFFSET)


def usec_of(t):
    return round((t - math.floor(t + 1e-9)) * 1e6) % 1_000_000


def times(wall_kind=None, precision="us", kernel=False):
    """Expected t_*/k_*/duration for a layout.
    wall_kind: None (no wall time), "printk" (boot + printk) or "recv" (journald reception);
    precision: "us" or "s" (truncated to the second, as the layout prints it)."""
    d = {}
    for key, us in (("invoked", INVOKED_US), ("killed", KILLED_US), ("reaped", REAPED_US)):
        if wall_kind is None:
            d["t_" + key] = None
        else:
            t = wall(us, RECV_DELAY if wall_kind == "recv" else 0.0)
            if precision == "s":
                t = math.floor(t)
            d["t_" + key] = iso_utc(t)
        d["k_" + key] = round(us / 1e6, 6) if kernel else None
    if kernel:
        d["kill_duration_s"] = round((REAPED_US - INVOKED_US) / 1e6, 6)
        d["kill_duration_end"] = "reaped"
    elif wall_kind is not None:
        a = wall(INVOKED_US, RECV_DELAY if wall_kind == "recv" else 0.0)
        b = wall(REAPED_US, RECV_DELAY if wall_kind == "recv" else 0.0)
        if precision == "s":
            a, b = math.floor(a), math.floor(b)
        d["kill_duration_s"] = float(round(b - a, 6))
        d["kill_duration_end"] = "reaped"
    else:
        d["kill_duration_s"] = None
        d["kill_duration_end"] = None
    return d


# ---------------------------------------------------------------------------------------------
# output bookkeeping

expect = {}


def write(name, lines, kill_times, notes, foreign=(), non_kernel=(), eol="\n", command=None,
          encoding="utf-8"):
    """lines: list of str. foreign / non_kernel: 1-based line numbers."""
    data = "".join(l + eol for l in lines)
    with open(os.path.join(OUT, name), "w", encoding=encoding, newline="") as f:
        f.write(data)
    record(name, kill_times, notes, foreign, non_kernel, command)


def record(name, kill_times, notes, foreign=(), non_kernel=(), command=None):
    kill = dict(KILL_ID)
    kill.update(kill_times)
    e = {"tz": TZ, "reference": REFERENCE, "kills": [kill], "foreign_lines": sorted(foreign),
         "notes": notes}
    if non_kernel:
        e["non_kernel_log_lines"] = sorted(non_kernel)
    if command:
        e["command"] = command
    expect[name] = e


# ---------------------------------------------------------------------------------------------
# locales

def ensure_locales():
    os.makedirs(LOCPATH, exist_ok=True)
    for loc in LOCALES:
        if not os.path.isdir(os.path.join(LOCPATH, loc + ".UTF-8")):
            subprocess.run(["localedef", "-i", loc, "-f", "UTF-8", os.path.join(LOCPATH, loc + ".UTF-8")],
                           check=False, capture_output=True)
            if not os.path.isdir(os.path.join(LOCPATH, loc + ".UTF-8")):
                sys.exit(f"localedef failed for {loc} (apt-get install locales)")


# ---------------------------------------------------------------------------------------------
# util-linux dmesg on a syslog(2) copy of the record, with a faked clock

def dmesg(args, lc="C.UTF-8"):
    """Run `dmesg -F <buffer> args` so that its boot time is BOOT; returns the record's lines."""
    buf = tempfile.NamedTemporaryFile("w", suffix=".kbuf", delete=False)
    buf.write("<6>[    0.000000] sentinel\n")
    for us, prio, _, m in RECORD:
        buf.write("<%d>%s %s\n" % (prio, stamp(us), m))
    buf.close()
    try:
        offset = None
        for _ in range(20):
            if offset is None:
                bt = time.clock_gettime(time.CLOCK_BOOTTIME)
                offset = math.ceil(BOOT + bt - time.time())
            env = dict(os.environ, TZ=TZ, LC_ALL=lc, LOCPATH=LOCPATH, LD_PRELOAD=LIBFAKETIME,
                       FAKETIME="%+ds" % offset, FAKETIME_DONT_FAKE_MONOTONIC="1")
            iso = subprocess.run(["dmesg", "-F", buf.name, "--time-format", "iso"], env=env,
                                 check=True, capture_output=True, text=True).stdout.splitlines()[0]
            # sentinel: 2024-03-05T09:00:00,000000+08:00 sentinel
            got_boot = round(datetime.datetime.fromisoformat(iso.split()[0].replace(",", ".")).timestamp())
            if got_boot != BOOT:
                offset += BOOT - got_boot
                continue
            out = subprocess.run(["dmesg", "-F", buf.name] + args, env=env, check=True,
                                 capture_output=True).stdout.decode("utf-8")
            check = subprocess.run(["dmesg", "-F", buf.name, "--time-format", "iso"], env=env,
                                   check=True, capture_output=True, text=True).stdout.splitlines()[0]
            if check != iso:
                continue                      # the faked clock moved between the runs: again
            lines = out.splitlines()
            assert lines[0].endswith("sentinel"), lines[0]
            return lines[1:]
        sys.exit("could not fake dmesg's boot time")
    finally:
        os.unlink(buf.name)


# ---------------------------------------------------------------------------------------------
# journal

def export_field(k, v):
    b = v.encode()
    if b"\n" in b or any(c < 0x20 and c != 0x09 for c in b):
        return k.encode() + b"\n" + struct.pack("<Q", len(b)) + b + b"\n"
    return k.encode() + b"=" + b + b"\n"


def make_journal(host, directory):
    stream = bytearray()
    for us, prio, _, m in RECORD:
        recv_us = us + round(RECV_DELAY * 1e6)
        fields = [("__REALTIME_TIMESTAMP", str(BOOT * 1_000_000 + recv_us)),
                  ("__MONOTONIC_TIMESTAMP", str(recv_us)),
                  ("_BOOT_ID", BOOT_ID), ("_MACHINE_ID", MACHINE_ID), ("_HOSTNAME", host),
                  ("_SOURCE_MONOTONIC_TIMESTAMP", str(us)), ("_TRANSPORT", "kernel"),
                  ("SYSLOG_FACILITY", "0"), ("SYSLOG_IDENTIFIER", "kernel"),
                  ("PRIORITY", str(prio)), ("MESSAGE", m)]
        stream += b"".join(export_field(k, v) for k, v in fields) + b"\n"
    path = os.path.join(directory, host + ".journal")
    if os.path.exists(path):
        os.unlink(path)                        # journal-remote appends to an existing file
    subprocess.run([JOURNAL_REMOTE, "-o", path, "-"], input=bytes(stream), check=True,
                   capture_output=True)
    return path


def journalctl(journal, *args, lc="C.UTF-8"):
    env = dict(os.environ, TZ=TZ, LC_ALL=lc, LOCPATH=LOCPATH)
    cmd = ["journalctl", "--no-pager", "--file", journal] + list(args)
    out = subprocess.run(cmd, env=env, check=True, capture_output=True).stdout.decode("utf-8")
    shown = "TZ=%s LC_ALL=%s journalctl --no-pager --file %s.journal %s" % (
        TZ, lc, os.path.basename(journal)[:-8], " ".join(args))
    return out, shown.rstrip()


def write_jc(name, out, kill_times, notes, command):
    lines = out.splitlines()
    foreign = [i + 1 for i, l in enumerate(lines) if l.startswith("-- ")]
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="") as f:
        f.write(out)
    record(name, kill_times, notes, foreign, command=command)


# ---------------------------------------------------------------------------------------------

def main():
    for tool in ("dmesg", "journalctl", "localedef"):
        if not shutil.which(tool):
            sys.exit(f"{tool} missing")
    for p, pkg in ((JOURNAL_REMOTE, "systemd-journal-remote"), (LIBFAKETIME, "faketime")):
        if not os.path.exists(p):
            sys.exit(f"{p} missing (apt-get install {pkg})")
    ensure_locales()
    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "*")):
        os.unlink(old)

    raw = raw_lines()
    bare = [m for _, _, _, m in RECORD]
    n = len(RECORD)
    k_only = times(kernel=True)

    # -- bare messages ------------------------------------------------------------------------
    write("bare-dmesg-t.log", dmesg(["-t"]), times(),
          "util-linux `dmesg -t`: messages only; no clock at all, so every t_* and k_* is null "
          "and the kill duration unknown.", command="dmesg -t")
    paste = ["{noformat}"] + [m.lstrip() for m in bare] + ["{noformat}"]
    write("bare-ticket-paste.txt", paste, times(),
          "Messages pasted into a Jira ticket between {noformat} markers (lines 1 and %d, foreign); "
          "the paste lost the leading space of the Call Trace lines." % len(paste),
          foreign=[1, len(paste)])

    # -- raw printk -----------------------------------------------------------------------------
    write("printk-raw.log", dmesg([]), k_only,
          "util-linux `dmesg` default layout (as sos and `dmesg > file` keep it): printk stamps "
          "only; no wall clock, so t_* are null.", command="dmesg")
    caller = ["%s[%6s] %s" % (stamp(us), c, m) for us, _, c, m in RECORD]
    write("printk-caller.log", caller, k_only,
          "CONFIG_PRINTK_CALLER layout (console, netconsole, syslog(2) buffer): `[ stamp][ T4311]` "
          "before the message. The caller is the printing task: the allocating thread 4311 for "
          "the whole record, the oom_reaper kthread (T57) for the reaper line. Written by the "
          "kernel's pattern (\"[%6s]\"), no tool run.")

    # -- dmesg -T in locales --------------------------------------------------------------------
    t_sec = times("printk", "s")
    for loc in LOCALES:
        name = "dmesg-T-%s.log" % loc
        write(name, dmesg(["-T"], lc=loc + ".UTF-8"), t_sec,
              "util-linux `dmesg -T` (\"[%%a %%b %%e %%H:%%M:%%S %%Y]\", glibc strftime) in %s.UTF-8, "
              "TZ=%s: local wall time truncated to the second (boot time + printk stamp), so "
              "invoked 09:51:39, killed 09:51:40, reaped 09:51:41 local. No printk stamps: k_* null."
              % (loc, TZ), command="LC_ALL=%s.UTF-8 TZ=%s dmesg -T" % (loc, TZ))

    def strftime_layout(name, loc, fmt, what):
        locale.setlocale(locale.LC_TIME, loc + ".UTF-8")
        lines = [time.strftime(fmt, local_tm(wall(us))) + " " + m for us, _, _, m in RECORD]
        locale.setlocale(locale.LC_TIME, "C")
        write(name, lines, t_sec,
              what + " Made with glibc strftime(\"%s\") in %s.UTF-8 (Python time.strftime after "
              "locale.setlocale), local zone %s; util-linux dmesg itself never prints this "
              "pattern (hand-edited configs, other tools). Second resolution, no printk stamps."
              % (fmt, loc, TZ))

    os.environ["LOCPATH"] = LOCPATH   # for locale.setlocale in this process
    strftime_layout("dmesg-T-fullnames-fr_FR.log", "fr_FR", "[%A %B %e %H:%M:%S %Y]",
                    "dmesg -T-like stamp with full day and month names (\"mardi mars\").")
    strftime_layout("dmesg-T-fullnames-de_DE.log", "de_DE", "[%A %B %e %H:%M:%S %Y]",
                    "dmesg -T-like stamp with full day and month names (\"Dienstag März\").")
    strftime_layout("dmesg-T-dayfirst-fr_FR.log", "fr_FR", "[%a %-d %b %H:%M:%S %Y]",
                    "dmesg -T-like stamp with the day of month before the month (\"[mar. 5 mars ...]\").")

    write("dmesg-iso.log", dmesg(["--time-format", "iso"]), times("printk", "us"),
          "util-linux `dmesg --time-format iso`: local time with comma, microseconds and offset "
          "(2024-03-05T09:51:40,004211+08:00); boot time + printk stamp, so t_* are exact to "
          "the µs. No printk stamps printed: k_* null.", command="TZ=%s dmesg --time-format iso" % TZ)

    # -- journalctl ---------------------------------------------------------------------------
    jdir = tempfile.mkdtemp(prefix="layouts-journal-")
    try:
        j = make_journal(HOST, jdir)
        recv_s = times("recv", "s")
        recv_us = times("recv", "us")
        both = times("recv", "us", kernel=True)
        both["kill_duration_s"] = round((REAPED_US - INVOKED_US) / 1e6, 6)
        jn = ("t_* are the journal's __REALTIME_TIMESTAMP: the time journald received the line "
              "from /dev/kmsg, 50 ms after printk. ")
        for mode, name, kt, extra in [
            ("short", "journalctl-short.log", recv_s, "No year in the line: 2024 comes from the reference. Second resolution."),
            ("short-iso", "journalctl-short-iso.log", recv_s, "Second resolution with offset."),
            ("short-precise", "journalctl-short-precise.log", recv_us, "No year: from the reference. µs resolution."),
            ("short-full", "journalctl-short-full.log", recv_s, "Day name, full date and zone abbreviation (CST)."),
            ("short-unix", "journalctl-short-unix.log", recv_us, "Seconds since the epoch with µs."),
            ("cat", "journalctl-cat.log", times(), "Messages only: no clock, t_* and k_* null."),
        ]:
            out, cmd = journalctl(j, "-o", mode)
            write_jc(name, out, kt, ("" if mode == "cat" else jn) + extra, cmd)
        out, cmd = journalctl(j, "-o", "short-monotonic")
        mono = times(kernel=False)
        first = next(l for l in out.splitlines() if l.startswith("["))
        # systemd 252 prints __MONOTONIC_TIMESTAMP (reception) here, not the printk stamp
        mono_us = int(first[1:first.index("]")].replace(".", "").strip())
        if mono_us == INVOKED_US:
            mono = times(kernel=True)
            mnote = "The bracketed stamp is the printk time (_SOURCE_MONOTONIC_TIMESTAMP): k_* exact."
        else:
            assert mono_us == INVOKED_US + round(RECV_DELAY * 1e6), first
            mono.update({"k_invoked": None, "k_killed": None, "k_reaped": None})
            mono["kill_duration_s"] = round((REAPED_US - INVOKED_US) / 1e6, 6)
            mono["kill_duration_end"] = "reaped"
            mnote = ("The bracketed stamp is __MONOTONIC_TIMESTAMP, the monotonic time of "
                     "RECEPTION by journald (printk + 50 ms), not the printk stamp: it looks "
                     "like dmesg but is not the kernel's clock, so k_* are null here (a reader "
                     "that takes it as printk time is 50 ms late); the duration (1.428416 s) "
                     "is the same on either clock. No wall clock: t_* null.")
        write_jc("journalctl-short-monotonic.log", out, mono, mnote, cmd)
        for mode, name in [("verbose", "journalctl-verbose.log"), ("export", "journalctl-export.log"),
                           ("json", "journalctl-json.log")]:
            out, cmd = journalctl(j, "-o", mode)
            write_jc(name, out, both,
                     jn + "k_* from _SOURCE_MONOTONIC_TIMESTAMP (the printk stamp); the "
                     "duration on the kernel clock. Multi-line entries: no line is foreign.", cmd)
        for loc in ("ru_RU", "de_DE"):
            out, cmd = journalctl(j, "-o", "short", lc=loc + ".UTF-8")
            write_jc("journalctl-short-%s.log" % loc, out, recv_s,
                     jn + "journalctl `short` under LC_ALL=%s.UTF-8: localized month "
                     "abbreviation; no year (from the reference)." % loc, cmd)
        for host, mode, name in [("ip-10-0-3-17.ec2.internal", "short", "journalctl-short-host-ec2.log"),
                                 ("aks-nodepool1-24207654-vmss000001", "short-precise",
                                  "journalctl-short-precise-host-aks.log")]:
            jh = make_journal(host, jdir)
            out, cmd = journalctl(jh, "-o", mode)
            write_jc(name, out, recv_s if mode == "short" else recv_us,
                     jn + "Host name %s (dots / long dashed name) between the time and "
                     "`kernel:`." % host, cmd)
    finally:
        shutil.rmtree(jdir)

    # -- syslog ------------------------------------------------------------------------------
    sysnote = ("rsyslog with imkmsg ParseKernelTimestamp=\"on\": the syslog time is boot time + "
               "printk stamp (not reception). ")
    l3164p, l3164, l3339, l5424, logread = [], [], [], [], []
    for us, prio, _, m in RECORD:
        t = wall(us)
        lt = local_tm(t)
        l3164p.append(time.strftime("%b %e %H:%M:%S", lt) + " %s kernel: %s %s" % (HOST, stamp(us), m))
        l3164.append(time.strftime("%b %e %H:%M:%S", lt) + " %s kernel: %s" % (HOST, m))
        l3339.append(time.strftime("%Y-%m-%dT%H:%M:%S", lt) + ".%06d+08:00 %s kernel: %s" % (usec_of(t), HOST, m))
        l5424.append("<%d>1 " % prio + time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(math.floor(t)))
                     + ".%06dZ %s kernel - - - %s" % (usec_of(t), HOST, m))
        level = {3: "err", 4: "warn", 6: "info"}[prio]
        logread.append(time.strftime("%a %b %e %H:%M:%S %Y", lt) + " kern.%s kernel: %s %s" % (level, stamp(us), m))
    write("syslog-rfc3164-printk.log", l3164p, dict(times("printk", "s"), **{k: v for k, v in k_only.items() if k.startswith("k_") or k.startswith("kill")}),
          sysnote + "RSYSLOG_TraditionalFileFormat with the printk stamp kept: wall time to the "
          "second (year from the reference) and k_* from the stamp; the duration on the kernel clock.",
          command="rsyslog RSYSLOG_TraditionalFileFormat")
    write("syslog-rfc3164.log", l3164, times("printk", "s"),
          sysnote + "RSYSLOG_TraditionalFileFormat without the printk stamp: second resolution, "
          "no year (from the reference), no k_*.", command="rsyslog RSYSLOG_TraditionalFileFormat")
    write("syslog-rfc3339.log", l3339, times("printk", "us"),
          sysnote + "RSYSLOG_FileFormat: RFC 3339 local time with µs and offset.",
          command="rsyslog RSYSLOG_FileFormat")
    write("syslog-rfc5424.log", l5424, times("printk", "us"),
          sysnote + "RSYSLOG_SyslogProtocol23Format with a UTC timestamp (Z): <PRI>1 TIME HOST "
          "kernel - - - MSG.", command="rsyslog RSYSLOG_SyslogProtocol23Format")
    write("openwrt-logread.log", logread, dict(times("printk", "s"), **{k: v for k, v in k_only.items() if k.startswith("k_") or k.startswith("kill")}),
          "OpenWrt/busybox `logread`: ctime-style local time with year, facility.level, "
          "`kernel:` and the printk stamp; t_* to the second, k_* from the stamp.",
          command="logread")

    # -- serial console -------------------------------------------------------------------------
    # A terminal server capture: boot banner and getty, the operator's grep, a snip, procd.
    sc, foreign, nonk = [], [], []

    def add(line, kind="k"):
        sc.append(line)
        if kind == "f":
            foreign.append(len(sc))
        elif kind == "u":
            nonk.append(len(sc))
    add("")
    add("Debian GNU/Linux 11 node7 ttyS0", "f")
    add("")
    # the getty prompt is still on the screen when the kernel prints the record on the console
    add("node7 login: " + raw[0])
    for l in raw[1:23]:                      # ... through the victim's task row
        add(l)
    add("(...snipped...)", "f")              # whoever pasted it cut the rows of 5120 and 5127
    add("procd: - init -", "u")              # user space writes to the console in between
    for l in raw[25:]:
        add(l)
    add("[root@node7 ~]# dmesg | grep -i -A40 oom", "f")
    write("serial-console.log", sc, k_only,
          "Serial console capture, CRLF line ends. Lines 1 and 3 are blank (not listed); the "
          "getty banner (line 2), the `(...snipped...)` marker and the operator's shell prompt "
          "typed after the record (last line; its output was not captured) are foreign. Line 4 "
          "holds `node7 login: ` glued in front of the invoked line (a log line: skip the "
          "prefix). The snip removed the task rows of pids 5120 and 5127 (the victim's row is "
          "kept). `procd: - init -` is a user-space console line (non_kernel_log_lines). Raw "
          "printk stamps only: t_* null.", foreign=foreign, non_kernel=nonk, eol="\r\n")

    # -- AWS get-console-output ---------------------------------------------------------------
    ac, foreign, nonk = [], [], []
    ci = [
        "ci-info: ++++++++++++++++++++++++++++++++++++++Net device info+++++++++++++++++++++++++++++++++++++++",
        "ci-info: +--------+------+----------------------------+---------------+--------+-------------------+",
        "ci-info: | Device |  Up  |          Address           |      Mask     | Scope  |     Hw-Address    |",
        "ci-info: |  ens5  | True |         10.0.3.17          | 255.255.255.0 | global | 0a:1b:2c:3d:4e:5f |",
        "ci-info: +--------+------+----------------------------+---------------+--------+-------------------+",
    ]
    for i, l in enumerate(raw):
        if i == 12:
            for c in ci:
                ac.append(c)
                nonk.append(len(ac))
        # console output from the kernel often carries a carriage return before the newline
        ac.append(l + ("\r" if i % 3 == 1 else ""))
    write("aws-console-output.log", ac, k_only,
          "AWS `ec2 get-console-output --output text` (decoded): raw printk lines, every third "
          "one with a trailing \\r, and cloud-init's `ci-info:` table printed in the middle of "
          "the record (lines %s, non-kernel log lines, not foreign). Raw stamps only: t_* null."
          % ", ".join(map(str, nonk)), non_kernel=nonk)

    # -- cat -n gutter ------------------------------------------------------------------------
    write("gutter-cat-n.log", ["%6d\t%s" % (i + 12, l) for i, l in enumerate(raw)], k_only,
          "`cat -n` of a longer dmesg, cut from line 12 on: a right-aligned line number and a "
          "TAB before each raw printk line (pastebins give the same with spaces).",
          command="dmesg | cat -n | sed -n '12,%dp'" % (11 + n))

    # -- test frameworks ----------------------------------------------------------------------
    av = []
    for us, _, _, m in RECORD:
        logged = wall(us) + 0.118 + TZ_OFFSET          # the job logged it 118 ms later, local time
        av.append(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(math.floor(logged)))
                  + ",%03d %-16.16s L%04d %-5.5s| [stdout] %s %s"
                  % (usec_of(logged) // 1000, "process", 458, "DEBUG", stamp(us), m))
    write("avocado-job.log", av, k_only,
          "avocado job.log (\"%(asctime)s %(module)-16.16s L%(lineno)04d %(levelname)-5.5s| "
          "%(message)s\"), the test's `dmesg` output captured as [stdout]. The avocado time is "
          "when the test host logged the line (its own clock and zone), not when the kernel "
          "printed it: t_* null, k_* from the printk stamp.")
    gt = ["=== RUN   TestOOMKill", "    kernel_test.go:71: provoking memcg OOM in pod oomtest"]
    for us, _, _, m in RECORD:
        gt.append("    kernel_test.go:88: %s %s" % (stamp(us), m))
    gt += ["--- PASS: TestOOMKill (4.21s)", "PASS", "ok  \texample.com/nodetest/kernel\t4.262s"]
    foreign = [1, len(gt) - 2, len(gt) - 1, len(gt)]
    write("go-test.log", gt, k_only,
          "`go test -v` output: t.Logf lines (4 spaces, file:line:) carrying raw dmesg lines. "
          "Lines 1 (=== RUN), %d-%d (--- PASS, PASS, ok) are go test's own framing: foreign. "
          "Line 2 is a t.Logf line without a kernel line (non_kernel_log_lines)." % (len(gt) - 2, len(gt)),
          foreign=foreign, non_kernel=[2])

    # -- log shipper / kubectl logs -----------------------------------------------------------
    sh = []
    for us, _, _, m in RECORD:
        read = wall(us) + 1.2                          # the shipper reads /dev/kmsg in batches
        sh.append(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(math.floor(read)))
                  + ".%dZ INFO  kmsg: %s %s" % (usec_of(read) // 100000, stamp(us), m))
    write("shipper-kmsg.log", sh, k_only,
          "A log shipper's own log (`<RFC3339 UTC, 0.1 s> INFO  kmsg: <raw printk line>`): the "
          "leading time is when the shipper read the line (about 1.2 s after printk), not the "
          "kernel's time: t_* null, k_* from the printk stamp.")
    kl = []
    t0_ns = 1709607900_482913017                       # 03:05:00.482913017Z: dmesg ran at collection
    for i, l in enumerate(dmesg([])):
        t_ns = t0_ns + i * 3109                        # the runtime stamps each line as it reads it
        kl.append(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t_ns // 10**9))
                  + ".%09dZ %s" % (t_ns % 10**9, l))
    write("kubectl-logs-node-debug.log", kl, k_only,
          "`kubectl logs --timestamps` of a node-debug pod that ran `dmesg`: the RFC3339Nano "
          "prefix is when the container runtime read each line of the pod's stdout (all at "
          "collection, 03:05:00Z), not when the kernel printed it: t_* null, k_* from the stamp.",
          command="kubectl debug node/node7 --image=busybox -- dmesg; kubectl logs --timestamps <pod>")

    with open(os.path.join(OUT, "EXPECT.json"), "w") as f:
        json.dump(expect, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    print(f"{len(expect)} layouts in {OUT}")


if __name__ == "__main__":
    main()
