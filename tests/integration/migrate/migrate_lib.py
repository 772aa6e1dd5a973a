# SPDX-License-Identifier: MIT
"""What the migrate integration scripts share: a private TMPDIR for the gatesim they start (so
its work folders, and the nginx and echo processes naming them, are told apart from other
tests'), failing with the output, and finding processes left behind."""
import os
import shutil
import sys
import tempfile

WORK_ROOT = tempfile.mkdtemp(prefix="gatesim-migrate-")
ENV = {**os.environ, "NO_COLOR": "1", "TMPDIR": WORK_ROOT}


def fail(msg, proc=None):
    print("FAIL:", msg)
    if proc is not None:
        print(proc.stdout[-6000:])
        print(proc.stderr[-4000:])
    shutil.rmtree(WORK_ROOT, ignore_errors=True)
    sys.exit(1)


def left_behind():
    """(pid, program) of every process whose command line names a path under WORK_ROOT."""
    root = WORK_ROOT.encode()
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        if any(root in a for a in cmd):
            pids.append((int(d), cmd[0]))
    return pids


def done(msg):
    shutil.rmtree(WORK_ROOT, ignore_errors=True)
    print(msg)
