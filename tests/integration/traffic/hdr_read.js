// SPDX-License-Identifier: MIT
// An independent reader for `gatesim load --hdr-log`: HdrHistogram's JavaScript port
// (npm hdr-histogram-js, installed by scripts/install-deps.sh into .deps/npm) decodes the
// interval log and prints one JSON line: per interval its tag, total count, min, max and
// percentiles ("intervals"), and the same for all intervals of a tag added up ("totals"),
// for the test to compare with gatesim's own JSON.
// usage: node hdr_read.js LOGFILE
"use strict";
const fs = require("fs");
const path = require("path");
const where = path.join(__dirname, "..", "..", "..", ".deps", "npm", "node_modules", "hdr-histogram-js");
let hdr;
try {
    hdr = require(where);
} catch (e) {
    console.error(`hdr_read.js: hdr-histogram-js is not installed at ${where}: run scripts/install-deps.sh`);
    process.exit(3);
}
const reader = new hdr.HistogramLogReader(fs.readFileSync(process.argv[2], "utf8"));

function describe(h, tag) {
    const p = {};
    for (const q of [50, 90, 99, 99.9, 99.99, 100]) p[String(q)] = h.getValueAtPercentile(q);
    return {
        tag: tag,
        totalCount: h.totalCount,
        min: h.minNonZeroValue,
        max: h.maxValue,
        startMs: h.startTimeStampMsec,
        endMs: h.endTimeStampMsec,
        percentiles: p,
    };
}

const intervals = [];
const sums = {};
for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
    intervals.push(describe(h, h.tag));
    if (!(h.tag in sums)) sums[h.tag] = hdr.build({ numberOfSignificantValueDigits: 3 });
    sums[h.tag].add(h);
}
const totals = {};
for (const tag of Object.keys(sums)) totals[tag] = describe(sums[tag], tag);
console.log(JSON.stringify({ intervals: intervals, totals: totals }));
