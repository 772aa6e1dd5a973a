#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Reads back every report format of a sample (partial) run with independent parsers: json,
# xml.etree for JUnit, and Debian's headless Chromium for the HTML (a screenshot whose pixels
# must show the chart colours, and the DOM, which must hold the SVG bars).
# usage: check_reports.py REPORT_SAMPLE_BINARY CHROMIUM
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib


def fail(msg):
    print("check_reports: FAIL: " + msg)
    sys.exit(1)


def check_json(path):
    d = json.load(open(path, encoding="utf-8"))
    s = d["summary"]
    if (s["scenarios"], s["passed"], s["failed"], s["errors"]) != (4, 1, 1, 1):
        fail("summary %r" % s)
    if d["state"] != "running" or d["scenarios"][3]["result"] != "skipped":
        fail("partial run not marked: %r" % d["state"])
    for sc in d["scenarios"]:
        for k in ("name", "file", "result", "durationMs", "steps"):
            if k not in sc:
                fail("scenario lacks %s" % k)


def check_junit(path):
    root = ET.parse(path).getroot()
    if root.tag != "testsuites" or root.get("failures") != "1" or root.get("errors") != "1":
        fail("testsuites %r" % root.attrib)
    suites = root.findall("testsuite")
    if [s.get("name") for s in suites] != ["canary-95-5", "wrong-split <75/25>", "gateway-dies", "not-yet"]:
        fail("suite names %r" % [s.get("name") for s in suites])
    failure = suites[1].find("testcase/failure")
    if failure is None or not failure.get("message").startswith("backend shares differ"):
        fail("no failure with its message in %r" % suites[1])
    if "<script>" not in failure.text or "GET /checkout?a=1&b=<2>" not in failure.text:
        fail("failure text lost its evidence: %r" % failure.text[:200])
    if suites[2].find("testcase/error") is None or suites[3].find("testcase/skipped") is None:
        fail("error/skipped testcases missing")


def run_chromium(chromium, args, timeout=90):
    profile = tempfile.mkdtemp(prefix="gatesim-chromium-")
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run",
           "--user-data-dir=" + profile] + args
    # Its own process group, so every helper process it starts can be stopped together.
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        fail("chromium timed out: %s" % " ".join(args))
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # leftovers (zygote, utility) if any
        except ProcessLookupError:
            pass
        shutil.rmtree(profile, ignore_errors=True)
    if p.returncode != 0:
        fail("chromium exited %d: %s" % (p.returncode, err.decode(errors="replace")[-2000:]))
    return out.decode("utf-8", errors="replace")


def png_pixels(path):
    # A minimal PNG reader: 8-bit RGB/RGBA, non-interlaced (what Chromium writes).
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if ctype == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace != 0:
                fail("unsupported PNG format depth=%d colour=%d" % (depth, colour))
            bpp = 3 if colour == 2 else 4
        elif ctype == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def check_screenshot(path):
    if not os.path.exists(path) or os.path.getsize(path) < 1000:
        fail("no screenshot at %s" % path)
    width, height, bpp, rows = png_pixels(path)
    colours, non_white = {}, 0
    for line in rows:
        for x in range(0, len(line), bpp):
            px = bytes(line[x:x + 3])
            colours[px] = colours.get(px, 0) + 1
            if px != b"\xff\xff\xff":
                non_white += 1
    total = width * height
    # Chart colours from the template: bars #3b6fd8, failing bars #cf222e, latency #8250df.
    bar, bad, lat = bytes([0x3b, 0x6f, 0xd8]), bytes([0xcf, 0x22, 0x2e]), bytes([0x82, 0x50, 0xdf])
    print("screenshot %dx%d: %d colours, %.1f%% non-white, bar px %d, failing-bar px %d, latency px %d"
          % (width, height, len(colours), 100.0 * non_white / total, colours.get(bar, 0),
             colours.get(bad, 0), colours.get(lat, 0)))
    if len(colours) < 50 or non_white < total // 50:
        fail("the screenshot is (nearly) blank")
    if colours.get(bad, 0) < 500 or colours.get(lat, 0) < 500:
        fail("chart bars are not visible in the screenshot")


def main():
    sample, chromium = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="gatesim-reports-")
    try:
        out = os.path.join(work, "out")
        subprocess.run([sample, out], check=True, timeout=30)
        names = sorted(os.listdir(out))
        if names != ["junit.xml", "report.html", "results.json", "summary.md"]:
            fail("report files %r" % names)
        check_json(os.path.join(out, "results.json"))
        check_junit(os.path.join(out, "junit.xml"))
        url = "file://" + os.path.join(out, "report.html")
        png = os.path.join(work, "report.png")
        run_chromium(chromium, ["--window-size=1100,2600", "--hide-scrollbars", "--screenshot=" + png, url])
        check_screenshot(png)
        dom = run_chromium(chromium, ["--dump-dom", url])
        if dom.count('<rect class="gs-bar') < 6 or '<svg class="chart split"' not in dom:
            fail("the DOM lacks the SVG bars")
        if "<script" in dom:
            fail("a script element made it into the DOM")
        print("check_reports: ok")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
