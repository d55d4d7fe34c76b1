#!/usr/bin/env python3
"""Synthetic captures with known truth for VLAN replays, tunnels and the less common link types.

Usage: python3 testdata/generators/gen_encap_captures.py [OUTDIR]   (default testdata/pcap/encap)

Every capture is built from one short TCP connection (`connection()`): handshake, four 100-byte
data segments from the client, the server's ACKs, FIN exchange. With `lost=True` the second data
segment is not acknowledged: the server's next two ACKs are duplicate ACKs, and the client resends
the segment 250 ms later with a new IP ID — one genuine retransmission and three genuine dup ACKs (after segments 2, 3 and 4).

Files (truth in TRUTH.json: frames, TCP segments, copies, real retransmissions and dup ACKs, and
the frame numbers of the real retransmissions):

- vlan_replay.pcap (Ethernet): the same clean connection replayed, byte for byte, untagged, on
  802.1Q VLAN 10 and on QinQ 100/20, each replay 30 ms after the previous one (interleaved, far
  outside the copy window); the VLAN 10 replay alone also loses a segment. Real view: the three
  stacks are three connections: 1 retransmission, 3 dup ACKs. Wireshark's view (addresses and
  ports only) calls much of the replays retransmissions.
- vlan_trunk_any.pcap (Linux cooked v2, `tcpdump -i any`): a connection with a lost segment on
  eth0.10; every packet is seen on eth0 (ifindex 2, with its 802.1Q tag, as libpcap reinserts it)
  and on eth0.10 (ifindex 5, untagged); incoming packets reach eth0 first, outgoing ones eth0.10
  first. Real view: half the frames are copies; 1 retransmission, 3 dup ACKs (one conversation,
  whichever stack each kept packet came from).
- overlay_any.pcap (Linux cooked v2): four pod connections, each with a lost segment, seen bare
  on the pod's veth (ifindex 7) and encapsulated on the uplink eth0 (ifindex 2): flannel VXLAN on
  UDP 8472, Geneve, IP-in-IP (Calico), GRE with a key. Real view: every encapsulated frame is a
  copy; 4 retransmissions, 12 dup ACKs.
- tunnels_uplink.pcap (Ethernet): connections seen only inside a tunnel, one per kind, each with
  a lost segment: VXLAN 4789, GRE with checksum/key/sequence, ERSPAN type II and III, GRE-in-UDP,
  GTP-U with an extension header, 6in4 (IPv6 inside IPv4), IP6IP6, MPLS (two labels), PPTP's
  enhanced GRE carrying PPP, and IPv4 inside an 802.3/LLC-SNAP frame. Real view = Wireshark view:
  one retransmission and three dup ACKs per connection.
- fragments.pcap (Ethernet): three connections with a lost segment whose data segments are
  sent as two IP fragments each: IPv4, IPv6 (fragment header), and IPv4 fragments of a GRE packet
  carrying the segment; one datagram's fragments come last-first; a lone first fragment never
  completes. Reassembled as Wireshark does, each segment is analysed in the frame of the fragment
  that completes it: 3 retransmissions, 9 dup ACKs.
- tfo.pcap (Ethernet): TCP Fast Open: a SYN with a cookie and data its SYN-ACK acknowledges, one
  whose SYN-ACK ignores the data (sent again: 1 retransmission), one with the experimental option.
- linktype_<name>.pcap: one connection with a lost segment framed in each further link type
  (PPP, PPP in HDLC framing, Cisco HDLC, PPPoE without Ethernet, FDDI, IPoIB, NFLOG, 802.11,
  radiotap + 802.11 with QoS data, PPI + 802.11, ARCNET (Linux), pflog, RFC 1483 ATM, Linux cooked
  v1 with a VLAN tag, Juniper Ethernet).
"""
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapwriter import _csum, ip4, FIN, SYN, PSH, ACK  # noqa: E402


def ip6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


def tcp_header(src_b, dst_b, proto_pseudo, sport, dport, seq, ack, flags, window, payload, options=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, (5 + len(options) // 4) << 4, flags, window, 0, 0) + options
    c = _csum(proto_pseudo + tcp + payload)
    return tcp[:16] + struct.pack("!H", c) + tcp[18:] + payload


def ipv4(src, dst, proto, body, ipid, ttl=64):
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), ipid & 0xFFFF, 0x4000, ttl, proto, 0, ip4(src), ip4(dst))
    return iph[:10] + struct.pack("!H", _csum(iph)) + iph[12:] + body


def ipv6(src, dst, nh, body, flow=0, hlim=64):
    return struct.pack("!IHBB", 0x60000000 | flow, len(body), nh, hlim) + ip6(src) + ip6(dst) + body


def tcp_packet(src, dst, sport, dport, seq, ack, flags, payload, ipid, options=b""):
    v6 = ":" in src
    sb, db = (ip6(src), ip6(dst)) if v6 else (ip4(src), ip4(dst))
    length = 20 + len(options) + len(payload)
    pseudo = sb + db + (struct.pack("!IxxxB", length, 6) if v6 else struct.pack("!BBH", 0, 6, length))
    tcp = tcp_header(sb, db, pseudo, sport, dport, seq, ack, flags, 65535, payload, options)
    return ipv6(src, dst, 6, tcp, flow=ipid & 0xFFFFF) if v6 else ipv4(src, dst, 6, tcp, ipid)


def udp(sport, dport, body):
    return struct.pack("!HHHH", sport, dport, 8 + len(body), 0) + body  # checksum 0: allowed over IPv4


def eth(ethertype, body, src=b"\x02\x00\x00\x00\x00\x01", dst=b"\x02\x00\x00\x00\x00\x02", vlans=()):
    """An Ethernet frame; `vlans` outermost first (802.1ad TPID for the outer tag of a QinQ stack)."""
    tags = b""
    for i, v in enumerate(vlans):
        tpid = 0x88A8 if (len(vlans) > 1 and i == 0) else 0x8100
        tags += struct.pack("!HH", tpid, v)
    return dst + src + tags + struct.pack("!H", ethertype) + body


def sll2(proto, body, ifindex, pkttype, mac=b"\x0a\x58\x0a\xf4\x01\x01"):
    return struct.pack("!HHIHBB", proto, 0, ifindex, 1, pkttype, 6) + mac + b"\0\0" + body


def connection(cli, srv, cport, sport, t0, isn_c=1000, isn_s=5000, ipid0=100, lost=False):
    """[(time, direction 'c2s'|'s2c', ip packet, is_real_retransmission)]"""
    out = []
    ids = {"c": ipid0, "s": ipid0 + 5000}

    def pkt(t, who, seq, ack, flags, payload=b"", retrans=False):
        src, dst, sp, dp = (cli, srv, cport, sport) if who == "c" else (srv, cli, sport, cport)
        ids[who] += 1
        out.append((t, "c2s" if who == "c" else "s2c", tcp_packet(src, dst, sp, dp, seq, ack, flags, payload, ids[who]), retrans))

    c, s = isn_c, isn_s
    pkt(t0, "c", c, 0, SYN)
    pkt(t0 + 0.001, "s", s, c + 1, SYN | ACK)
    pkt(t0 + 0.002, "c", c + 1, s + 1, ACK)
    data = [bytes([65 + i]) * 100 for i in range(4)]
    for i in range(4):
        seq = c + 1 + 100 * i
        pkt(t0 + 0.003 + 0.001 * i, "c", seq, s + 1, PSH | ACK, data[i])
        acked = c + 1 + 100 * (i + 1)
        if lost and i >= 1:
            acked = c + 1 + 100  # segment 2 "lost" after the capture point: ACK stays at it
        pkt(t0 + 0.0035 + 0.001 * i, "s", s + 1, acked, ACK)
    end = 0.0
    if lost:
        pkt(t0 + 0.260, "c", c + 101, s + 1, PSH | ACK, data[1], retrans=True)
        pkt(t0 + 0.261, "s", s + 1, c + 401, ACK)
        end = 0.27
    pkt(t0 + end + 0.010, "c", c + 401, s + 1, FIN | ACK)
    pkt(t0 + end + 0.011, "s", s + 1, c + 402, FIN | ACK)
    pkt(t0 + end + 0.012, "c", c + 402, s + 2, ACK)
    return out


class Capture:
    def __init__(self, path, linktype):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, linktype))  # ns resolution
        self.rows = []

    def add(self, t, frame, tcp=True, copy=False, retrans=False):
        self.rows.append((t, frame, tcp, copy, retrans))

    def close(self):
        self.rows.sort(key=lambda r: r[0])
        truth = {"frames": 0, "tcp_segments": 0, "copies": 0, "real_retransmission_frames": []}
        for n, (t, frame, tcp, copy, retrans) in enumerate(self.rows, 1):
            ns = int(round(t * 1e9))
            self.f.write(struct.pack("<IIII", ns // 10**9, ns % 10**9, len(frame), len(frame)) + frame)
            truth["frames"] += 1
            truth["tcp_segments"] += tcp
            truth["copies"] += copy
            if retrans and not copy:
                truth["real_retransmission_frames"].append(n)
        self.f.close()
        return truth


T0 = 1_760_000_000.0


def vlan_replay(path):
    cap = Capture(path, 1)
    for k, vlans in enumerate([(), (10,), (100, 20)]):
        for t, d, ip, rt in connection("10.1.0.5", "10.2.0.9", 40000, 443, T0 + 0.030 * k, lost=(vlans == (10,))):
            a, b = (b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02")
            src, dst = (a, b) if d == "c2s" else (b, a)
            cap.add(t, eth(0x0800, ip, src=src, dst=dst, vlans=vlans), retrans=rt)
    t = cap.close()
    t.update(real_retransmissions=1, real_dup_acks=3, conversations_real=3, conversations_wireshark=1)
    return t


def vlan_trunk_any(path):
    cap = Capture(path, 276)
    for t, d, ip, rt in connection("192.168.10.4", "192.168.10.1", 51000, 8080, T0, lost=True):
        tagged = sll2(0x8100, struct.pack("!HH", 10, 0x0800) + ip, 2, 0 if d == "s2c" else 4)
        bare = sll2(0x0800, ip, 5, 0 if d == "s2c" else 4)
        first, second = (tagged, bare) if d == "s2c" else (bare, tagged)
        cap.add(t, first, retrans=rt)
        cap.add(t + 0.000004, second, copy=True, retrans=rt)
    tr = cap.close()
    tr.update(real_retransmissions=1, real_dup_acks=3, conversations_real=1)
    return tr


NODE_A, NODE_B = "172.16.0.11", "172.16.0.12"


def encapsulate(kind, ip, inner_v6=False):
    """The outer IP packet carrying `ip` (node A <-> node B)."""
    ether_inner = eth(0x86DD if inner_v6 else 0x0800, ip, src=b"\x0a\x00\x00\x00\x00\x0a", dst=b"\x0a\x00\x00\x00\x00\x0b")
    if kind == "vxlan8472":
        return ipv4(NODE_A, NODE_B, 17, udp(33333, 8472, struct.pack("!BBBBI", 0x08, 0, 0, 0, 1 << 8) + ether_inner), 7)
    if kind == "vxlan4789":
        return ipv4(NODE_A, NODE_B, 17, udp(33334, 4789, struct.pack("!BBBBI", 0x08, 0, 0, 0, 42 << 8) + ether_inner), 7)
    if kind == "geneve":
        opt = struct.pack("!HBBI", 0x0102, 0x80, 1, 0xDEADBEEF)  # one 8-byte option
        hdr = struct.pack("!BBHI", len(opt) // 4, 0, 0x6558, 7 << 8) + opt
        return ipv4(NODE_A, NODE_B, 17, udp(33335, 6081, hdr + ether_inner), 7)
    if kind == "ipip":
        return ipv4(NODE_A, NODE_B, 4, ip, 7)
    if kind == "gre-key":
        return ipv4(NODE_A, NODE_B, 47, struct.pack("!HHI", 0x2000, 0x0800, 99) + ip, 7)
    if kind == "gre-csum-key-seq":
        return ipv4(NODE_A, NODE_B, 47, struct.pack("!HHHHII", 0xB000, 0x0800, 0, 0, 99, 1) + ip, 7)
    if kind == "erspan2":
        hdr = struct.pack("!HHI", 0x1000, 0x88BE, 5) + struct.pack("!HHI", 0x1000 | 5, 0x0001, 0)
        return ipv4(NODE_A, NODE_B, 47, hdr + ether_inner, 7)
    if kind == "erspan3":
        hdr = struct.pack("!HHI", 0x1000, 0x22EB, 5) + struct.pack("!HHIHBB", 0x2000 | 5, 0x0001, 123456, 0, 0, 0x01) + b"\0" * 8
        return ipv4(NODE_A, NODE_B, 47, hdr + ether_inner, 7)
    if kind == "gre-in-udp":
        return ipv4(NODE_A, NODE_B, 17, udp(33336, 4754, struct.pack("!HH", 0, 0x0800) + ip), 7)
    if kind == "gtpu":
        # flags: version 1, PT, E (extension header follows); G-PDU; length; TEID; seq, N-PDU, next=0x85
        body = struct.pack("!HBB", 0, 0, 0x85) + struct.pack("!BBBB", 1, 0x09, 0x00, 0x00) + ip
        return ipv4(NODE_A, NODE_B, 17, udp(2152, 2152, struct.pack("!BBHI", 0x34, 0xFF, len(body), 0x1234) + body), 7)
    if kind == "6in4":
        return ipv4(NODE_A, NODE_B, 41, ip, 7)
    if kind == "ip6ip6":
        return ipv6("fd00::a", "fd00::b", 41, ip)
    if kind == "pptp":
        gre = struct.pack("!HHHH", 0x3001, 0x880B, len(ip) + 4, 7) + struct.pack("!I", 1)
        return ipv4(NODE_A, NODE_B, 47, gre + b"\xff\x03\x00\x21" + ip, 7)
    raise ValueError(kind)


def overlay_any(path):
    cap = Capture(path, 276)
    kinds = ["vxlan8472", "geneve", "ipip", "gre-key"]
    for n, kind in enumerate(kinds):
        conn = connection("10.244.1.%d" % (5 + n), "10.244.2.%d" % (7 + n), 41000 + n, 8080, T0 + 0.5 * n, ipid0=100 * n, lost=True)
        for t, d, ip, rt in conn:
            outer = encapsulate(kind, ip)
            if d == "c2s":   # pod -> veth -> (encapsulated) eth0 out
                cap.add(t, sll2(0x0800, ip, 7, 0), retrans=rt)
                cap.add(t + 0.00002, sll2(0x0800, outer, 2, 4), copy=True, retrans=rt)
            else:            # eth0 in (encapsulated) -> veth out to the pod
                cap.add(t, sll2(0x0800, outer, 2, 0), retrans=rt)
                cap.add(t + 0.00003, sll2(0x0800, ip, 7, 4), copy=True, retrans=rt)
    tr = cap.close()
    tr.update(real_retransmissions=4, real_dup_acks=12, conversations_real=4)
    return tr


def tunnels_uplink(path):
    cap = Capture(path, 1)
    kinds = ["vxlan4789", "gre-csum-key-seq", "erspan2", "erspan3", "gre-in-udp", "gtpu", "6in4", "ip6ip6", "mpls", "pptp", "llc-snap"]
    for n, kind in enumerate(kinds):
        v6 = kind in ("6in4", "ip6ip6")
        cli, srv = ("fd10::%x" % (n + 1), "fd20::%x" % (n + 1)) if v6 else ("10.9.%d.1" % n, "10.8.%d.1" % n)
        for t, d, ip, rt in connection(cli, srv, 42000 + n, 80, T0 + 0.5 * n, ipid0=100 * n, lost=True):
            if kind == "mpls":
                frame = eth(0x8847, struct.pack("!II", (1000 << 12) | 64, (2000 << 12) | 0x100 | 64) + ip)
            elif kind == "llc-snap":
                body = b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + ip
                frame = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01" + struct.pack("!H", len(body)) + body
            else:
                outer = encapsulate(kind, ip, inner_v6=v6)
                frame = eth(0x86DD if kind == "ip6ip6" else 0x0800, outer)
            cap.add(t, frame, retrans=rt)
    tr = cap.close()
    tr.update(real_retransmissions=len(kinds), real_dup_acks=3 * len(kinds), conversations_real=len(kinds), kinds=kinds)
    return tr


def fragment(ip, first_len=48, reverse=False):
    """An IPv4 or IPv6 packet cut into two fragments (the first carrying `first_len` payload bytes)."""
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        hdr, payload = ip[:ihl], ip[ihl:]
        out = []
        for off, part, more in ((0, payload[:first_len], True), (first_len, payload[first_len:], False)):
            h = bytearray(hdr)
            struct.pack_into("!H", h, 2, ihl + len(part))
            struct.pack_into("!H", h, 6, (0x2000 if more else 0) | (off // 8))
            struct.pack_into("!H", h, 10, 0)
            struct.pack_into("!H", h, 10, _csum(bytes(h)))
            out.append(bytes(h) + part)
    else:
        fixed, payload = ip[:40], ip[40:]
        out = []
        for off, part, more in ((0, payload[:first_len], True), (first_len, payload[first_len:], False)):
            h = bytearray(fixed)
            struct.pack_into("!H", h, 4, 8 + len(part))
            h[6] = 44
            frag = struct.pack("!BBHI", fixed[6], 0, off | (1 if more else 0), 0x5EED)
            out.append(bytes(h) + frag + part)
    return out[::-1] if reverse else out


def fragments(path):
    """Data segments sent as two IP fragments each (IPv4, IPv6, and IPv4 fragments of a GRE packet
    carrying the segment); one datagram's fragments arrive last-first; one datagram loses its
    second fragment (never reassembled: its segment is never seen)."""
    cap = Capture(path, 1)
    n_conn = 0
    for cli, srv, how in (("10.5.0.1", "10.6.0.1", "v4"), ("fd30::1", "fd40::1", "v6"), ("10.5.1.1", "10.6.1.1", "gre")):
        conn = connection(cli, srv, 44000 + n_conn, 80, T0 + 0.5 * n_conn, ipid0=300 * n_conn, lost=True)
        for i, (t, d, ip, rt) in enumerate(conn):
            v6 = ":" in cli
            et = 0x86DD if v6 else 0x0800
            payload_len = len(ip) - (40 if v6 else 20) - 20
            if payload_len > 0:
                inner = encapsulate("gre-key", ip) if how == "gre" else ip
                parts = fragment(inner, reverse=(i == 4 and how == "v4"))
                for k, part in enumerate(parts):
                    last = k == len(parts) - 1
                    cap.add(t + 0.00001 * k, eth(et, part), tcp=last, retrans=rt and last)
            else:
                cap.add(t, eth(et, encapsulate("gre-key", ip) if how == "gre" else ip))
        n_conn += 1
    # a lone first fragment: its datagram never completes
    lone = fragment(tcp_packet("10.5.9.1", "10.6.9.1", 45000, 80, 1, 1, ACK | PSH, b"z" * 100, 77))[0]
    cap.add(T0 + 5, eth(0x0800, lone), tcp=False)
    tr = cap.close()
    tr.update(real_retransmissions=3, real_dup_acks=9, conversations_real=3)
    return tr


def tfo(path):
    """TCP Fast Open: a SYN with a cookie (option 34) and 50 bytes the SYN-ACK acknowledges
    (tshark: tfo_syn, tfo_ack); then one whose SYN-ACK acknowledges only the SYN (tfo_ignored), the
    data resent after it; then the experimental option 254 (magic F989) with a cookie."""
    cap = Capture(path, 1)
    cookie34 = b"\x22\x0a" + b"\x11" * 8 + b"\x01\x01"          # kind 34, length 10, NOP NOP
    cookie254 = b"\xfe\x0c\xf9\x89" + b"\x22" * 8                 # kind 254, length 12, magic F989
    data = b"q" * 50
    for n, (opt, accepted) in enumerate(((cookie34, True), (cookie34, False), (cookie254, True))):
        c, s_ = 7000 + n, 9000 + n
        t = T0 + n
        cli, srv, cp = "10.11.0.1", "10.12.0.1", 46000 + n
        def add(dt, frm, seq, ack, fl, payload=b"", options=b"", rt=False):
            src, dst, sp, dp = (cli, srv, cp, 80) if frm == "c" else (srv, cli, 80, cp)
            cap.add(t + dt, eth(0x0800, tcp_packet(src, dst, sp, dp, seq, ack, fl, payload, 50 + int(dt * 1e4), options)), retrans=rt)
        add(0, "c", c, 0, SYN, data, opt)
        add(0.001, "s", s_, c + 1 + (len(data) if accepted else 0), SYN | ACK)
        if accepted:
            add(0.002, "c", c + 51, s_ + 1, ACK)
        else:
            add(0.002, "c", c + 1, s_ + 1, PSH | ACK, data, rt=True)   # the data again: a retransmission
        add(0.003, "s", s_ + 1, c + 51, ACK)
        add(0.010, "c", c + 51, s_ + 1, FIN | ACK)
        add(0.011, "s", s_ + 1, c + 52, FIN | ACK)
        add(0.012, "c", c + 52, s_ + 2, ACK)
    tr = cap.close()
    tr.update(real_retransmissions=1, real_dup_acks=2, conversations_real=3)
    return tr


def radiotap(frame):
    # version 0, length 17: present = TSFT | flags; TSFT (8, aligned at 8), flags 0x20 (data pad)
    return struct.pack("<BBHI", 0, 0, 17, 0x3) + struct.pack("<Q", 0) + b"\x20" + frame


def dot11_data(ip, qos=False, pad=False):
    fc = struct.pack("BB", 0x88 if qos else 0x08, 0x01)  # data (QoS data), ToDS
    hdr = fc + b"\0\0" + b"\x02\x00\x00\x00\x00\x01" * 3 + b"\0\0"
    if qos:
        hdr += b"\0\0"
    if pad:
        hdr += b"\0" * ((4 - len(hdr) % 4) % 4)
    return hdr + b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + ip


def linktype_frames():
    def nflog(ip):
        tlv_hw = struct.pack("<HH", 8, 1) + b"\x08\x00\x03\x00"      # NFULA_PACKET_HDR (padded 8)
        prefix = b"test\0"
        tlv_prefix = struct.pack("<HH", 4 + len(prefix), 10) + prefix + b"\0" * 3
        tlv_payload = struct.pack("<HH", 4 + len(ip), 9) + ip
        return struct.pack("!BBH", 2, 0, 0) + tlv_hw + tlv_prefix + tlv_payload

    def arcnet(ip):
        return struct.pack("!BBH", 1, 2, 0) + b"\xd4\x00\x00\x00" + ip

    def pflog(ip):
        hdr = struct.pack("!BBBx", 61, 2, 0) + b"\0" * 57 + b"\0\0\0"  # 61 -> padded to 64
        return hdr + ip

    def ppi(ip):
        return struct.pack("<BBHI", 0, 0, 8, 105) + dot11_data(ip)

    return {
        "ppp": (9, lambda ip: b"\xff\x03\x00\x21" + ip),
        "ppp_hdlc": (50, lambda ip: b"\xff\x03\x00\x21" + ip),
        "c_hdlc": (104, lambda ip: b"\x0f\x00\x08\x00" + ip),
        "ppp_ether": (51, lambda ip: struct.pack("!BBHH", 0x11, 0, 1, len(ip) + 2) + b"\x00\x21" + ip),
        "fddi": (10, lambda ip: b"\x50" + b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + ip),
        # the 44-byte form tshark 4.0 reads: a 40-byte address header, then type and reserved
        "ipoib": (242, lambda ip: b"\x60\x00\x00\x00" + b"\x00\x00\x00\x28" + b"\xfe\x80" + b"\0" * 13 + b"\x01" + b"\xfe\x80" + b"\0" * 13 + b"\x02" + b"\x08\x00\x00\x00" + ip),
        "nflog": (239, nflog),
        "ieee802_11": (105, lambda ip: dot11_data(ip)),
        "radiotap": (127, lambda ip: radiotap(dot11_data(ip, qos=True, pad=True))),
        "ppi": (192, ppi),
        "arcnet_linux": (129, arcnet),
        "pflog": (117, pflog),
        "atm_rfc1483": (100, lambda ip: b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + ip),
        # Juniper "MGC" header with one extension TLV (interface index), then an Ethernet frame
        "juniper_ether": (178, lambda ip: b"MGC\x81" + struct.pack("!HBBH", 4, 4, 2, 0x0102) + eth(0x0800, ip)),
        "sll_vlan": (113, lambda ip: struct.pack("!HHH", 0, 1, 6) + b"\x02\x00\x00\x00\x00\x01\0\0" + struct.pack("!HHH", 0x8100, 7, 0x0800) + ip),
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pcap", "encap")
    os.makedirs(out, exist_ok=True)
    truth = {
        "vlan_replay.pcap": vlan_replay(os.path.join(out, "vlan_replay.pcap")),
        "vlan_trunk_any.pcap": vlan_trunk_any(os.path.join(out, "vlan_trunk_any.pcap")),
        "overlay_any.pcap": overlay_any(os.path.join(out, "overlay_any.pcap")),
        "tunnels_uplink.pcap": tunnels_uplink(os.path.join(out, "tunnels_uplink.pcap")),
        "fragments.pcap": fragments(os.path.join(out, "fragments.pcap")),
        "tfo.pcap": tfo(os.path.join(out, "tfo.pcap")),
    }
    for name, (lt, frame) in linktype_frames().items():
        fn = "linktype_%s.pcap" % name
        cap = Capture(os.path.join(out, fn), lt)
        for t, d, ip, rt in connection("10.7.0.1", "10.7.0.2", 43000, 22, T0, lost=True):
            cap.add(t, frame(ip), retrans=rt)
        tr = cap.close()
        tr.update(real_retransmissions=1, real_dup_acks=3, conversations_real=1, linktype=lt)
        truth[fn] = tr
    with open(os.path.join(out, "TRUTH.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
