"""Sockets inside a network namespace, for tests and load scripts that query a server
from the client side of a veth pair."""

import ctypes
import os
import socket

_CLONE_NEWNET = 0x40000000


def socket_in(netns, family, kind):
    """A socket created inside the namespace `netns` (a name under /run/netns): this thread
    enters it, makes the socket, and comes back. The socket stays in the namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/proc/self/ns/net") as home, open(f"/run/netns/{netns}") as target:
        if libc.setns(target.fileno(), _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {netns}: {os.strerror(ctypes.get_errno())}")
        try:
            return socket.socket(family, kind)
        finally:
            libc.setns(home.fileno(), _CLONE_NEWNET)
