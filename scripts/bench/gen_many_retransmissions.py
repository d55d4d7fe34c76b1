#!/usr/bin/env python3
"""A capture with N real retransmissions (each data segment sent twice, 200 ms apart), for the
memory figures of docs/robustness.md. Usage: gen_many_retransmissions.py OUT.pcap N [--acked]
--acked: the server ACKs each segment after its retransmission, so the analyser's per-flow state
stays small and peak memory shows what the events themselves cost."""
import sys
import os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "generators"))
from pcapwriter import PcapWriter, tcp_ipv4, sll2, ACK, PSH
n = int(sys.argv[2])
acked = "--acked" in sys.argv[3:]
w = PcapWriter(sys.argv[1])
t = 1709603500.0
seq = 1000
for i in range(n):
    p = sll2(tcp_ipv4("10.0.%d.1" % (i % 200), "10.0.0.2", 40000 + i % 1000, 8080, seq, 1, ACK | PSH, 502, b"x" * 10), 5, 4)
    w.write(t, p); w.write(t + 0.2, p)
    if acked:
        w.write(t + 0.2001, sll2(tcp_ipv4("10.0.0.2", "10.0.%d.1" % (i % 200), 8080, 40000 + i % 1000, 1, seq + 10, ACK, 502, b""), 5, 0))
    t += 0.0005; seq += 10
w.close()
