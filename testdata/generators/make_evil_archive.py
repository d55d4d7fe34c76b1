#!/usr/bin/env python3
"""Write testdata/archives/evil-bundle.tar.gz: a small sos-like tarball with one OOM record in
its dmesg and members that try to escape the extraction directory (absolute path, `..`,
symbolic links to /etc/shadow and ../../..). nodesleuth must read the dmesg and refuse the rest."""
import io
import os
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "archives", "evil-bundle.tar.gz")
dmesg = b"""[  100.000000] app invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
[  100.000100] CPU: 0 PID: 77 Comm: app Not tainted 5.10.0-28-amd64 #1
[  100.000200] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/a,task_memcg=/a,task=app,pid=77,uid=0
[  100.000300] Memory cgroup out of memory: Killed process 77 (app) total-vm:1000kB, anon-rss:500kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0
"""


def add(tf, name, data=b"", kind=tarfile.REGTYPE, link=""):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mtime = 1709600400
    if kind == tarfile.REGTYPE:
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    else:
        ti.linkname = link
        tf.addfile(ti)


with tarfile.open(OUT, "w:gz", format=tarfile.GNU_FORMAT) as tf:
    add(tf, "sosreport-evil/sos_commands/kernel/dmesg", dmesg)
    add(tf, "../escape-nodesleuth.txt", b"escaped\n")
    add(tf, "/tmp/absolute-nodesleuth.txt", b"absolute\n")
    add(tf, "sosreport-evil/var/../../../up-nodesleuth.txt", b"up\n")
    add(tf, "sosreport-evil/etc/localtime", kind=tarfile.SYMTYPE, link="/etc/shadow")
    add(tf, "sosreport-evil/sos_commands/logs/journalctl_--no-pager", kind=tarfile.SYMTYPE, link="../../../../etc/passwd")
    add(tf, "sosreport-evil/proc/stat", kind=tarfile.LNKTYPE, link="/etc/passwd")
    # Chained links that each pass a textual check: `up` climbs to the bundle's top, `esc` climbs
    # from there out of the extraction root (/tmp/nodesleuth-bundle.*) to `/`; a member under
    # `esc/` would be written at /tmp/pwned-nodesleuth/dmesg by an extractor that creates folders
    # through links. All three sit where the analysis wants members (sos_commands/kernel/).
    add(tf, "sosreport-evil/sos_commands/kernel/up", kind=tarfile.SYMTYPE, link="../..")
    add(tf, "sosreport-evil/sos_commands/kernel/esc", kind=tarfile.SYMTYPE, link="up/../../..")
    add(tf, "sosreport-evil/sos_commands/kernel/esc/tmp/pwned-nodesleuth/dmesg", b"pwned\n")
print(OUT)
