#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The data plane of exec-sticky-gatesim.sh: a TCP proxy that pins each client connection to one
# backend. It starts gatesim's gateway on the objects only to learn the listeners (its ready
# line), opens a listening socket of its own for each of them, and prints the same ready line
# with its own addresses. Connection i goes to backend i mod n of $GATESIM_BACKENDS_TXT, and all
# its bytes, both ways, are piped unchanged: every request of a connection reaches one backend.
# SIGHUP prints the ready line again (the listeners do not change); SIGTERM stops it and the
# gateway.
import json
import os
import signal
import socket
import subprocess
import sys
import threading


def backends():
    """The echo addresses ("host:port") of $GATESIM_BACKENDS_TXT, in order."""
    out = []
    with open(os.environ["GATESIM_BACKENDS_TXT"]) as f:
        for line in f:
            line = line.strip()
            if line:
                host, port = line.split("=", 1)[1].rsplit(":", 1)
                out.append((host.strip("[]"), int(port)))
    return out


def start_gateway():
    """gatesim's gateway on the objects: returns the process and its first ready line."""
    args = [os.environ["GATESIM"], "gateway", os.environ["GATESIM_OBJECTS"]]
    with open(os.environ["GATESIM_BACKENDS_TXT"]) as f:
        for line in f:
            if line.strip():
                args += ["--backend", line.strip()]
    gw = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    for line in gw.stdout:
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("ready"):
            return gw, msg
    sys.exit("sticky-proxy: the gateway exited before its ready line (status %s)" % gw.wait())


def pipe(src, dst):
    """Copies src to dst until src ends, then half-closes dst."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve_connection(client, upstream):
    try:
        server = socket.create_connection(upstream)
    except OSError:
        client.close()
        return
    back = threading.Thread(target=pipe, args=(server, client), daemon=True)
    back.start()
    pipe(client, server)
    back.join()
    client.close()
    server.close()


def accept_loop(listener, ups, counter, lock):
    while True:
        client, _ = listener.accept()
        with lock:
            i = counter[0]
            counter[0] += 1
        threading.Thread(target=serve_connection, args=(client, ups[i % len(ups)]),
                         daemon=True).start()


def main():
    ups = backends()
    if not ups:
        sys.exit("sticky-proxy: no backends")
    gw, ready = start_gateway()

    def stop(signum, frame):
        gw.terminate()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    counter, lock = [0], threading.Lock()
    for listener in ready.get("listeners", []):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        listener["address"] = "127.0.0.1:%d" % sock.getsockname()[1]
        threading.Thread(target=accept_loop, args=(sock, ups, counter, lock), daemon=True).start()
    line = json.dumps({"ready": True, "listeners": ready.get("listeners", [])})

    def announce(signum=None, frame=None):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    signal.signal(signal.SIGHUP, announce)
    announce()
    gw.wait()  # the gateway lives as long as the target: its death ends it too
    sys.exit("sticky-proxy: the gateway exited (status %s)" % gw.returncode)


if __name__ == "__main__":
    main()
