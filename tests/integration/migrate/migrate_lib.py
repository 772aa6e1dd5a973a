# SPDX-License-Identifier: MIT
"""What the migrate integration scripts share: a private TMPDIR for the gatesim they start (so
its work folders, and the nginx and echo processes naming them, are told apart from other
tests'), failing with the output, and finding processes left behind."""
import os
import shutil
import subprocess
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


def run_diff(gatesim, data, *args):
    """`gatesim diff ARGS`, file arguments relative to |data|; fails if a process outlives it."""
    argv = [gatesim, "diff"] + [a if a.startswith("-") else os.path.join(data, a) for a in args]
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=600, env=ENV)
    left = left_behind()
    if left:
        fail(f"processes left behind: {left}", proc)
    return proc


def expect(proc, rc, *texts):
    """Exit code |rc| and every one of |texts| in the output."""
    if proc.returncode != rc:
        fail(f"{proc.args[2:]}: exit {proc.returncode}, want {rc}", proc)
    for t in texts:
        if t not in proc.stdout + proc.stderr:
            fail(f"{proc.args[2:]}: no {t!r} in the output", proc)
