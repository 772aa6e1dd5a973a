# SPDX-License-Identifier: MIT
# count.py ADDR HOST PATH N [HEADER=VALUE...]: sends N GETs over one keep-alive connection and
# prints a JSON object {"status:<code>": n, "backend:<x-gatesim-backend>": n}.
import http.client
import json
import sys

addr, host, path, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
extra = dict(h.split("=", 1) for h in sys.argv[5:])
h, p = addr.rsplit(":", 1)
conn = http.client.HTTPConnection(h, int(p), timeout=10)
counts = {}
for i in range(n):
    headers = {"Host": host}
    for k, v in extra.items():
        headers[k] = v.replace("{i}", str(i))
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    r.read()
    for key in ("status:%d" % r.status, "backend:%s" % r.getheader("x-gatesim-backend", "none")):
        counts[key] = counts.get(key, 0) + 1
print(json.dumps(counts))
