#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# An exec-target adapter written from docs/targets/exec.md alone, in another language than the
# shell examples: it holds gatesim to what the page promises. Each verb first checks the
# environment the page describes (file paths, the JSON backends file and its text twin, the
# work folder, the seed, the working directory) and fails loudly when it differs. Its
# "implementation" is gatesim's own gateway (the page names $GATESIM), but the adapter reads the
# backends from the JSON file, not the --backend text, and prints the ready line itself.
#   serve     start the gateway, print each ready line it reports; SIGHUP: reload
#   status    the status as gatesim explain --output json prints it
#   features  a JSON list of upstream FeatureNames
# Knobs for the test (integration/run/exec-doc), all optional:
#   DOC_ADAPTER_TRACE=FILE     append one line per verb and per SIGHUP received
#   DOC_ADAPTER_CWD=DIR        the working directory gatesim must run the adapter in
#   DOC_ADAPTER_SEED=N         the GATESIM_SEED gatesim must pass
#   DOC_ADAPTER_REFUSE_RELOAD  answer every SIGHUP with a "reloadError" ready line
#   DOC_ADAPTER_STATUS_FAIL    `status` exits 3 with a message on stderr
#   DOC_ADAPTER_STATUS_GARBAGE `status` prints a line that is not JSON and exits 0
import json
import os
import signal
import subprocess
import sys


def die(msg):
    sys.stderr.write("exec-doc-adapter: %s\n" % msg)
    sys.exit(3)


def trace(what):
    path = os.environ.get("DOC_ADAPTER_TRACE")
    if path:
        with open(path, "a") as f:
            f.write(what + "\n")


def check_environment():
    """What docs/targets/exec.md says every verb gets; returns the backends."""
    for name in ("GATESIM", "GATESIM_OBJECTS", "GATESIM_BACKENDS", "GATESIM_BACKENDS_TXT",
                 "GATESIM_WORKDIR", "GATESIM_CONTROLLER_NAMES", "GATESIM_SEED"):
        if name not in os.environ:
            die("%s is not set" % name)
    if not os.path.isdir(os.environ["GATESIM_WORKDIR"]):
        die("GATESIM_WORKDIR is not a folder")
    if not os.access(os.environ["GATESIM"], os.X_OK):
        die("GATESIM is not an executable")
    for name in ("GATESIM_OBJECTS", "GATESIM_BACKENDS", "GATESIM_BACKENDS_TXT"):
        if not os.path.isfile(os.environ[name]):
            die("%s is not the path of a file: %r" % (name, os.environ[name][:60]))
    with open(os.environ["GATESIM_OBJECTS"]) as f:
        if "kind:" not in f.read():
            die("GATESIM_OBJECTS holds no object")
    with open(os.environ["GATESIM_BACKENDS"]) as f:
        backends = json.load(f)["backends"]
    lines = []
    for b in backends:
        if sorted(b) != ["address", "name", "namespace", "port"] or \
                not isinstance(b["port"], int) or ":" not in b["address"]:
            die("a GATESIM_BACKENDS entry is not {namespace,name,port,address}: %r" % b)
        lines.append("%s/%s:%d=%s" % (b["namespace"], b["name"], b["port"], b["address"]))
    with open(os.environ["GATESIM_BACKENDS_TXT"]) as f:
        txt = [line for line in f.read().splitlines() if line]
    if txt != lines:
        die("GATESIM_BACKENDS_TXT %r is not GATESIM_BACKENDS %r" % (txt, lines))
    if not os.environ["GATESIM_SEED"].isdigit():
        die("GATESIM_SEED is not a number: %r" % os.environ["GATESIM_SEED"])
    want_seed = os.environ.get("DOC_ADAPTER_SEED")
    if want_seed and os.environ["GATESIM_SEED"] != want_seed:
        die("GATESIM_SEED is %s, not the run's --seed %s" % (os.environ["GATESIM_SEED"], want_seed))
    want_cwd = os.environ.get("DOC_ADAPTER_CWD")
    if want_cwd and os.path.realpath(os.getcwd()) != os.path.realpath(want_cwd):
        die("run in %s, not in gatesim's working directory %s" % (os.getcwd(), want_cwd))
    return backends


def controller_flags():
    flags = []
    for name in os.environ["GATESIM_CONTROLLER_NAMES"].split(","):
        if name:
            flags += ["--controller-name", name]
    return flags


def serve(backends):
    args = [os.environ["GATESIM"], "gateway", os.environ["GATESIM_OBJECTS"],
            "--seed", os.environ["GATESIM_SEED"]] + controller_flags()
    for b in backends:
        args += ["--backend", "%s/%s:%d=%s" % (b["namespace"], b["name"], b["port"], b["address"])]
    proxy = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    reloads = [0]

    def on_hup(signum, frame):
        trace("sighup")
        reloads[0] += 1
        proxy.send_signal(signal.SIGHUP)

    def on_term(signum, frame):
        proxy.terminate()
        proxy.wait()
        sys.exit(0)

    signal.signal(signal.SIGHUP, on_hup)
    signal.signal(signal.SIGTERM, on_term)
    print("adapter: starting the proxy (a line gatesim ignores)", flush=True)
    for line in proxy.stdout:
        msg = json.loads(line)
        if not msg.get("ready"):
            continue
        ready = {"ready": True, "listeners": [
            {k: l[k] for k in ("gateway", "listener", "port", "address")}
            for l in msg["listeners"]]}
        if reloads[0] and os.environ.get("DOC_ADAPTER_REFUSE_RELOAD"):
            ready["reloadError"] = "the proxy refused reload %d" % reloads[0]
        print(json.dumps(ready), flush=True)
    die("the proxy exited with status %d" % proxy.wait())


def status():
    if os.environ.get("DOC_ADAPTER_STATUS_FAIL"):
        sys.stderr.write("asking the controller for its status\n")
        die("the controller is unreachable")
    if os.environ.get("DOC_ADAPTER_STATUS_GARBAGE"):
        print("status: all good")
        return
    p = subprocess.run([os.environ["GATESIM"], "explain", os.environ["GATESIM_OBJECTS"],
                        "--output", "json"] + controller_flags(),
                       stdout=subprocess.PIPE, text=True)
    doc = json.loads(p.stdout)
    if not isinstance(doc.get("objects"), list):
        die("explain printed no objects list")
    sys.stdout.write(json.dumps(doc) + "\n")


def main():
    verb = sys.argv[1] if len(sys.argv) > 1 else ""
    if verb not in ("serve", "status", "features"):
        die("usage: exec-doc-adapter.py serve|status|features")
    trace(verb)
    backends = check_environment()
    if verb == "serve":
        serve(backends)
    elif verb == "status":
        status()
    else:
        print(json.dumps(["Gateway", "HTTPRoute", "ReferenceGrant"]))


if __name__ == "__main__":
    main()
