"""Minimal classic-pcap writer for LINKTYPE_LINUX_SLL2 with IPv4/TCP (stdlib only).

Used by the scenario generators in this folder. Checksums are computed properly so that
tshark shows no checksum warnings.
"""
import struct

LINKTYPE_LINUX_SLL2 = 276


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(s):
    return bytes(int(x) for x in s.split("."))


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


def tcp_ipv4(src, dst, sport, dport, seq, ack, flags, window, payload=b"", ipid=0, ttl=64, options=b""):
    thl = 20 + len(options)
    assert thl % 4 == 0
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, (thl // 4) << 4, flags, window, 0, 0) + options
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    c = _csum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    total = 20 + len(tcp) + len(payload)
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ipid & 0xFFFF, 0x4000, ttl, 6, 0, ip4(src), ip4(dst))
    iph = iph[:10] + struct.pack("!H", _csum(iph)) + iph[12:]
    return iph + tcp + payload


def sll2(ip_packet, ifindex, pkttype, mac=b"\x0a\x58\x0a\xf4\x01\x01"):
    # protocol, reserved, ifindex, ARPHRD_ETHER, packet type, addr len, addr (8 bytes)
    return struct.pack("!HHIHBB", 0x0800, 0, ifindex, 1, pkttype, 6) + mac + b"\0\0" + ip_packet


class PcapWriter:
    def __init__(self, path, linktype=LINKTYPE_LINUX_SLL2, snaplen=262144):
        self.f = open(path, "wb")
        # classic pcap, microsecond resolution, little-endian
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))

    def write(self, t, frame):
        sec = int(t)
        usec = int(round((t - sec) * 1e6))
        if usec >= 1000000:
            sec, usec = sec + 1, usec - 1000000
        self.f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)

    def close(self):
        self.f.close()
