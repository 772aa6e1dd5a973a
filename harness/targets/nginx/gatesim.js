// SPDX-License-Identifier: MIT
// The njs half of gatesim's nginx target (docs/targets/nginx.md). nginx picks a location by path
// alone; where the Gateway API also asks for a method, headers, query parameters or a regular
// expression, the location sets $gs_loc and runs gatesim.route, which tries that location's
// candidates in the route table's precedence order and jumps to the named location of the first
// that holds (404 when none does). The generator writes two tables in front of this code:
//   GS_C[i] = [pathType (0 Exact, 1 PathPrefix without its trailing '/', 2 RegularExpression),
//              path, method or null, headers [[lower-case name, type, value]],
//              query [[name, type, value]], named location]   (type 0 Exact, 1 RegularExpression)
//   GS_L[loc] = [candidate indexes, best first]

// Regular expressions match the whole value, as the route table's (anchored at both ends).
function gsRegex(v) {
    return new RegExp('^(?:' + v + ')$');
}

function gsPrepare(c) {
    if (c[0] === 2)
        c[1] = gsRegex(c[1]);
    c[3].forEach(function (h) { if (h[1] === 1) h[2] = gsRegex(h[2]); });
    c[4].forEach(function (q) { if (q[1] === 1) q[2] = gsRegex(q[2]); });
}
GS_C.forEach(gsPrepare);

function gsValueMatches(m, s) {
    return m[1] === 0 ? s === m[2] : m[2].test(s);
}

function gsPathMatches(c, uri) {
    if (c[0] === 0)
        return uri === c[1];
    if (c[0] === 1)
        return c[1] === '' || uri === c[1] || uri.startsWith(c[1] + '/');
    return c[1].test(uri);
}

// A header match holds when any field line of that name matches (names case-insensitive).
function gsHeaderMatches(r, h) {
    var raw = r.rawHeadersIn;
    for (var i = 0; i < raw.length; i++)
        if (raw[i][0].toLowerCase() === h[0] && gsValueMatches(h, raw[i][1]))
            return true;
    return false;
}

// Query parameters compare undecoded; for a repeated name only the first occurrence counts.
function gsQueryValue(args, name) {
    if (args === undefined || args === null)
        return null;
    var parts = args.split('&');
    for (var i = 0; i < parts.length; i++) {
        var eq = parts[i].indexOf('=');
        var n = eq < 0 ? parts[i] : parts[i].substring(0, eq);
        if (n === name)
            return eq < 0 ? '' : parts[i].substring(eq + 1);
    }
    return null;
}

function gsCandidateMatches(r, c, uri) {
    if (!gsPathMatches(c, uri))
        return false;
    if (c[2] !== null && r.method !== c[2])
        return false;
    for (var i = 0; i < c[3].length; i++)
        if (!gsHeaderMatches(r, c[3][i]))
            return false;
    for (var j = 0; j < c[4].length; j++) {
        var v = gsQueryValue(r.variables.args, c[4][j][0]);
        if (v === null || !gsValueMatches(c[4][j], v))
            return false;
    }
    return true;
}

function route(r) {
    var list = GS_L[r.variables.gs_loc];
    if (list === undefined) {
        r.error('gatesim: no candidates for location ' + r.variables.gs_loc);
        r.return(500);
        return;
    }
    for (var i = 0; i < list.length; i++) {
        var c = GS_C[list[i]];
        if (gsCandidateMatches(r, c, r.uri)) {
            r.internalRedirect(c[5]);
            return;
        }
    }
    r.return(404);
}

export default { route };
