#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Load for bench/l4.sh: drives one layer-4 proxy (gatesim's or nginx's) in front of a
gatesim-echo layer-4 backend for a fixed time and prints one JSON line of figures.

  l4_load.py tcp PORT SECONDS CONNS       exchanges/s on CONNS persistent connections, and MB/s
                                         of echoed bytes (each exchange: one 1000-byte line, one
                                         JSON answer)
  l4_load.py tcpconn PORT SECONDS CONNS  new connection per exchange (connections/s)
  l4_load.py udp PORT SECONDS CONNS      datagram exchanges/s over CONNS sockets

Each worker is a thread with blocking sockets and a 10 s timeout; the same generator drives
both proxies, so its own cost cancels in the ratio bench/l4.sh prints."""
import json
import socket
import sys
import threading
import time

LINE = b"x" * 999 + b"\n"


def worker_tcp(port, until, out):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    f = s.makefile("rb")
    n = nbytes = 0
    while time.monotonic() < until:
        s.sendall(LINE)
        reply = f.readline()
        if not reply:
            break
        n += 1
        nbytes += len(LINE) + len(reply)
    s.close()
    out.append((n, nbytes))


def worker_tcpconn(port, until, out):
    n = nbytes = 0
    while time.monotonic() < until:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"c\n")
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            reply += chunk
        s.close()
        if reply:
            n += 1
            nbytes += len(reply)
    out.append((n, nbytes))


def worker_udp(port, until, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    n = nbytes = 0
    while time.monotonic() < until:
        s.send(b"u")
        try:
            reply = s.recv(65536)
        except socket.timeout:
            break  # a lost datagram: this worker stops (counted as fewer exchanges)
        n += 1
        nbytes += len(reply)
    out.append((n, nbytes))


def main():
    mode, port, seconds, conns = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    fn = {"tcp": worker_tcp, "tcpconn": worker_tcpconn, "udp": worker_udp}[mode]
    out = []
    start = time.monotonic()
    until = start + seconds
    threads = [threading.Thread(target=fn, args=(port, until, out)) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    n = sum(x[0] for x in out)
    nbytes = sum(x[1] for x in out)
    print(json.dumps({"mode": mode, "exchanges": n, "perSecond": n / elapsed,
                      "mbPerSecond": nbytes / elapsed / 1e6}))


if __name__ == "__main__":
    main()
