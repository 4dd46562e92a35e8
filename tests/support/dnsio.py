"""DNS messages as bytes over UDP and TCP for the Python tests and load scripts: the wire
form of a simple query, and one exchange over a socket the caller holds (no dnspython)."""

import socket
import struct

SOA = 6
SERVFAIL = 2


def query_wire(qname, qtype=SOA, qid=0x4242, rd=False):
    """A query for qname (text such as "www.example.com.", no escapes) of type qtype
    (a number), class IN, without EDNS."""
    labels = [label.encode() for label in qname.rstrip(".").split(".") if label]
    name = b"".join(bytes([len(label)]) + label for label in labels) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100 if rd else 0, 1, 0, 0, 0) + name + struct.pack("!HH", qtype, 1)


def rcode(response):
    """The RCODE of a response's header."""
    return response[3] & 0x0F


def udp_exchange(sock, addr, wire, timeout=2.0, tries=3, match_id=True):
    """Sends wire to addr from sock and returns the first datagram back whose ID (first two
    bytes) is the query's, or any datagram when match_id is False; sends again after
    `timeout` seconds of silence, `tries` times in all. None when nothing answered."""
    sock.settimeout(timeout)
    for _ in range(tries):
        sock.sendto(wire, addr)
        try:
            while True:
                data, _ = sock.recvfrom(65535)
                if not match_id or data[:2] == wire[:2]:
                    return data
        except socket.timeout:
            continue
    return None


def tcp_exchange(sock, wire, timeout=3.0):
    """Sends wire with its two-byte length on the connected sock and returns the response;
    None when the peer closes first. Raises socket.timeout after `timeout` seconds without data."""
    sock.settimeout(timeout)
    sock.sendall(struct.pack("!H", len(wire)) + wire)
    head = _read(sock, 2)
    if head is None:
        return None
    return _read(sock, struct.unpack("!H", head)[0])


def _read(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data
