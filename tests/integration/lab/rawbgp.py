"""A small BGP-4 speaker of our own, for crafted and malformed messages.

It connects from inside a namespace, does the OPEN/KEEPALIVE exchange,
then keeps the session alive from a background thread (KEEPALIVE every
keepalive seconds) and records every message it receives. Tests send
UPDATEs built here, valid or deliberately broken, with send_raw().
"""
import ipaddress
import socket
import struct
import threading
import time

from .netns import netns

MARKER = b"\xff" * 16
OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE_REFRESH = 1, 2, 3, 4, 5
AS_TRANS = 23456

# Attribute type codes and flags
ORIGIN, AS_PATH, NEXT_HOP, MED, LOCAL_PREF = 1, 2, 3, 4, 5
COMMUNITIES, MP_REACH, MP_UNREACH, LARGE_COMMUNITIES = 8, 14, 15, 32
F_OPT, F_TRANS, F_PARTIAL, F_EXT = 0x80, 0x40, 0x20, 0x10


def message(mtype, body, marker=MARKER, length=None):
    if length is None:
        length = 19 + len(body)
    return marker + struct.pack("!HB", length, mtype) + body


def attr(flags, code, value, ext=None):
    if ext is None:
        ext = len(value) > 255
    if ext:
        return struct.pack("!BBH", flags | F_EXT, code, len(value)) + value
    return struct.pack("!BBB", flags, code, len(value)) + value


def a_origin(v=0):
    return attr(F_TRANS, ORIGIN, bytes([v]))


def a_as_path(asns, four=True):
    if not asns:
        return attr(F_TRANS, AS_PATH, b"")
    fmt = "!I" if four else "!H"
    seg = bytes([2, len(asns)]) + b"".join(struct.pack(fmt, a) for a in asns)
    return attr(F_TRANS, AS_PATH, seg)


def a_next_hop(ip):
    return attr(F_TRANS, NEXT_HOP, ipaddress.IPv4Address(ip).packed)


def a_communities(comms):
    v = b"".join(struct.pack("!HH", *map(int, c.split(":"))) for c in comms)
    return attr(F_OPT | F_TRANS, COMMUNITIES, v)


def a_large(comms):
    v = b"".join(struct.pack("!III", *map(int, c.split(":"))) for c in comms)
    return attr(F_OPT | F_TRANS, LARGE_COMMUNITIES, v)


def nlri(prefixes):
    out = b""
    for p in prefixes:
        net = ipaddress.ip_network(p)
        n = (net.prefixlen + 7) // 8
        out += bytes([net.prefixlen]) + net.network_address.packed[:n]
    return out


def a_mp_reach(afi, nh, prefixes):
    nhb = ipaddress.ip_address(nh).packed
    v = struct.pack("!HBB", afi, 1, len(nhb)) + nhb + b"\x00" + nlri(prefixes)
    return attr(F_OPT, MP_REACH, v)


def update(withdrawn=b"", attrs=b"", nlri_bytes=b""):
    body = struct.pack("!H", len(withdrawn)) + withdrawn
    body += struct.pack("!H", len(attrs)) + attrs + nlri_bytes
    return body


def open_body(asn, hold, router_id, families=((1, 1), (2, 1))):
    caps = b""
    for afi, safi in families:
        caps += bytes([1, 4]) + struct.pack("!HBB", afi, 0, safi)
    caps += bytes([65, 4]) + struct.pack("!I", asn)       # 4-octet AS
    caps += bytes([2, 0])                                 # route refresh
    params = bytes([2, len(caps)]) + caps
    my_as = asn if asn <= 0xffff else AS_TRANS
    return struct.pack("!BHH4sB", 4, my_as, hold,
                       ipaddress.IPv4Address(router_id).packed,
                       len(params)) + params


class RawPeer:
    def __init__(self, ns, asn, router_id, hold=9, keepalive=3):
        self.ns = ns
        self.asn = asn
        self.router_id = router_id
        self.hold = hold
        self.keepalive = keepalive
        self.sock = None
        self.received = []          # (type, body) in arrival order
        self.closed = False
        self.lock = threading.Condition()
        self.thread = None
        self.running = False
        self.send_lock = threading.Lock()

    # ---- connection
    def connect(self, dst, port=179, src=None, timeout=20):
        fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            with netns(self.ns):
                s = socket.socket(fam, socket.SOCK_STREAM)
            try:
                s.settimeout(3)
                if src:
                    s.bind((src, 0))
                s.connect((dst, port))
                self.sock = s
                return self
            except OSError as e:
                last = e
                s.close()
                time.sleep(0.3)
        raise AssertionError("raw peer cannot connect to %s:%d: %r" % (dst, port, last))

    def send_raw(self, data):
        with self.send_lock:
            self.sock.sendall(data)

    def send(self, mtype, body):
        self.send_raw(message(mtype, body))

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def _read_msg(self):
        hdr = self._recv_exact(19)
        length, mtype = struct.unpack("!HB", hdr[16:19])
        body = self._recv_exact(length - 19) if length > 19 else b""
        return mtype, body

    def establish(self, timeout=20):
        """OPEN, wait for OPEN and KEEPALIVE, answer KEEPALIVE, then run the
        background thread. Returns the peer's OPEN body."""
        self.sock.settimeout(timeout)
        self.send(OPEN, open_body(self.asn, self.hold, self.router_id))
        mtype, body = self._read_msg()
        if mtype == NOTIFICATION:
            raise AssertionError("peer refused OPEN: NOTIFICATION %d/%d" % (body[0], body[1]))
        assert mtype == OPEN, "expected OPEN, got type %d" % mtype
        self.peer_open = body
        self.send(KEEPALIVE, b"")
        while True:
            mtype, b2 = self._read_msg()
            if mtype == KEEPALIVE:
                break
            if mtype == NOTIFICATION:
                raise AssertionError("NOTIFICATION %d/%d during OPENCONFIRM" % (b2[0], b2[1]))
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return body

    def _loop(self):
        self.sock.settimeout(0.2)
        next_ka = time.monotonic() + self.keepalive
        buf = b""
        while self.running:
            if time.monotonic() >= next_ka:
                try:
                    self.send(KEEPALIVE, b"")
                except OSError:
                    pass
                next_ka = time.monotonic() + self.keepalive
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                with self.lock:
                    self.closed = True
                    self.lock.notify_all()
                return
            buf += chunk
            while len(buf) >= 19:
                length = struct.unpack("!H", buf[16:18])[0]
                if length < 19 or len(buf) < length:
                    break
                mtype, body = buf[18], buf[19:length]
                buf = buf[length:]
                with self.lock:
                    self.received.append((mtype, body))
                    self.lock.notify_all()

    def notifications(self):
        with self.lock:
            return [(b[0], b[1], b[2:]) for t, b in self.received if t == NOTIFICATION]

    def wait_notification(self, timeout=15):
        """The first NOTIFICATION received: (code, subcode, data), or None
        when the connection closed (or the deadline passed) without one."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                n = [(b[0], b[1], b[2:]) for t, b in self.received if t == NOTIFICATION]
                if n:
                    return n[0]
                if self.closed:
                    return None
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.lock.wait(left)

    def wait_closed(self, timeout=15):
        deadline = time.monotonic() + timeout
        with self.lock:
            while not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.lock.wait(left)
        return True

    def close(self):
        self.running = False
        if self.thread:
            self.thread.join(2)
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
