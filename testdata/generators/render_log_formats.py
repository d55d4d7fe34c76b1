#!/usr/bin/env python3
"""Render the demo incident's kernel log in every text layout nodesleuth reads.

    LOCPATH=/tmp/loc python3 testdata/generators/render_log_formats.py

Inputs: testdata/bundles/seed-incident (its binary journal and raw dmesg). Output:
testdata/logs/formats/<layout>.log plus EXPECT.json (what each file must give).

* journalctl layouts are written by the real `journalctl --file` (systemd 252, Debian 12), with
  TZ=Asia/Shanghai as sos would run it (and --utc for two of them).
* dmesg -T lines use util-linux's format "[%a %b %e %H:%M:%S %Y]" formatted by glibc's strftime
  in the C, zh_CN.UTF-8 and ja_JP.UTF-8 locales (generate those once with
  `localedef -i zh_CN -f UTF-8 /tmp/loc/zh_CN.UTF-8`, same for ja_JP, and set LOCPATH=/tmp/loc).
* dmesg --time-format iso: "%Y-%m-%dT%H:%M:%S,<usec>+08:00".
* syslog files in rsyslog's three templates (RSYSLOG_TraditionalFileFormat with the printk stamp
  kept by imklog, RSYSLOG_FileFormat, RSYSLOG_SyslogProtocol23Format), written with the
  template strings of rsyslog 8.2302 (journal.md § 4.5).
"""
import glob
import json
import locale
import os
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
BUNDLE = os.path.join(ROOT, "testdata/bundles/seed-incident/sosreport-node7")
OUT = os.path.join(ROOT, "testdata/logs/formats")
BOOT = 1709600400.0      # 2024-03-05T01:00:00Z
TZ_OFFSET = 8 * 3600     # Asia/Shanghai, no DST
HOST = "node7"

os.makedirs(OUT, exist_ok=True)
journal = glob.glob(os.path.join(BUNDLE, "var/log/journal/*/system.journal"))[0]
expect = {}


def jc(name, *args, utc=False, tolerance=0.000002, kernel_clock=True):
    env = dict(os.environ, TZ="Asia/Shanghai", LC_ALL="C.UTF-8")
    cmd = ["journalctl", "--no-pager", "--file", journal] + list(args) + (["--utc"] if utc else [])
    out = subprocess.run(cmd, env=env, check=True, capture_output=True).stdout
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(out)
    expect[name] = dict(tolerance=tolerance, kernel_clock=kernel_clock, command=" ".join(cmd[1:]))


# journalctl text layouts (entries of all transports; the kernel ones matter)
jc("journalctl-short.log", tolerance=1.0, kernel_clock=False)
jc("journalctl-short-precise.log", "-o", "short-precise", kernel_clock=False)
jc("journalctl-short-iso.log", "-o", "short-iso", tolerance=1.0, kernel_clock=False)
jc("journalctl-short-iso-precise-utc.log", "-o", "short-iso-precise", utc=True, kernel_clock=False)
jc("journalctl-short-full.log", "-o", "short-full", tolerance=1.0, kernel_clock=False)
jc("journalctl-short-unix.log", "-o", "short-unix", kernel_clock=False)
jc("journalctl-short-monotonic.log", "-o", "short-monotonic")
jc("journalctl-verbose.log", "-o", "verbose")
jc("journalctl-export.log", "-o", "export")
jc("journalctl-json.log", "-o", "json")
jc("journalctl-json-seq.log", "-o", "json-seq")
jc("journalctl-json-pretty.log", "-o", "json-pretty")

# dmesg variants from the raw dmesg
raw = open(os.path.join(BUNDLE, "sos_commands/kernel/dmesg")).read().splitlines()
parsed = []
for l in raw:
    stamp, msg = l[1:].split("]", 1)
    parsed.append((float(stamp), msg[1:]))

for loc, name in [("C", "dmesg-T-C.log"), ("zh_CN.UTF-8", "dmesg-T-zh_CN.log"), ("ja_JP.UTF-8", "dmesg-T-ja_JP.log")]:
    locale.setlocale(locale.LC_TIME, loc)
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        for s, m in parsed:
            t = time.gmtime(BOOT + s + TZ_OFFSET)     # local wall time of the node
            f.write(time.strftime("[%a %b %e %H:%M:%S %Y]", t) + " " + m + "\n")
    expect[name] = dict(tolerance=1.0, kernel_clock=False, command=f"dmesg -T (LC_TIME={loc}, TZ=Asia/Shanghai)")
locale.setlocale(locale.LC_TIME, "C")

with open(os.path.join(OUT, "dmesg-iso.log"), "w") as f:
    for s, m in parsed:
        w = BOOT + s + TZ_OFFSET
        f.write(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(w)) + ",%06d+08:00 " % round((w % 1) * 1e6) + m + "\n")
expect["dmesg-iso.log"] = dict(tolerance=0.000002, kernel_clock=False, command="dmesg --time-format iso")

with open(os.path.join(OUT, "dmesg-r.log"), "w") as f:
    for s, m in parsed:
        f.write("<%d>[%12.6f] %s\n" % (3 if "Killed process" in m else 4, s, m))
expect["dmesg-r.log"] = dict(tolerance=0.000002, kernel_clock=True, command="dmesg -r")

# syslog templates (kernel lines only, as imklog/imjournal would write them)
with open(os.path.join(OUT, "kern.log-traditional"), "w") as f, \
        open(os.path.join(OUT, "syslog-rfc3339"), "w") as g, open(os.path.join(OUT, "messages-rfc5424"), "w") as h:
    for s, m in parsed:
        w = BOOT + s + 0.05
        lt = time.gmtime(w + TZ_OFFSET)
        f.write(time.strftime("%b %e %H:%M:%S", lt) + f" {HOST} kernel: [%12.6f] {m}\n" % s)
        iso = time.strftime("%Y-%m-%dT%H:%M:%S", lt) + ".%06d+08:00" % round((w % 1) * 1e6)
        g.write(f"{iso} {HOST} kernel: {m}\n")
        h.write(f"<4>1 {iso} {HOST} kernel - - - {m}\n")
expect["kern.log-traditional"] = dict(tolerance=0.000002, kernel_clock=True, command="rsyslog RSYSLOG_TraditionalFileFormat, imklog (printk stamp kept)")
expect["syslog-rfc3339"] = dict(tolerance=0.000002, kernel_clock=False, command="rsyslog RSYSLOG_FileFormat")
expect["messages-rfc5424"] = dict(tolerance=0.000002, kernel_clock=False, command="rsyslog RSYSLOG_SyslogProtocol23Format")

with open(os.path.join(OUT, "EXPECT.json"), "w") as f:
    json.dump(dict(kills=[dict(pid=4242, duration=1.42), dict(pid=5517, duration=2.08), dict(pid=6803, duration=1.21)],
                   zone="Asia/Shanghai", collected="2024-03-05T03:05:00Z", files=expect), f, indent=1, sort_keys=True)
print(f"{len(expect)} files in {OUT}")
