/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 request-head parser (RFC 9112 §2–§7). Pure: bytes in, a struct out. It first finds
 * the end of the head (resuming where the last call stopped), then validates every line, so a
 * head is either fully accepted or rejected with one reason. No I/O, no allocation. */
#include "gs_h1_request.h"

#include "gs_error.h"

#include <string.h>

#define H1_DEFAULT_REQUEST_LINE 8192
#define H1_DEFAULT_FIELD_LINE 8192
#define H1_DEFAULT_HEAD 32768
#define H1_DEFAULT_HEADERS 100
#define H1_MAX_LEADING_EMPTY 2

typedef struct h1_limits_eff {
    size_t request_line, field_line, head, headers;
} h1_limits_eff;

static h1_limits_eff h1_limits_resolve(const gs_h1_limits *l)
{
    h1_limits_eff e = {H1_DEFAULT_REQUEST_LINE, H1_DEFAULT_FIELD_LINE, H1_DEFAULT_HEAD,
                       H1_DEFAULT_HEADERS};
    if (l != NULL) {
        if (l->max_request_line)
            e.request_line = l->max_request_line;
        if (l->max_field_line)
            e.field_line = l->max_field_line;
        if (l->max_head)
            e.head = l->max_head;
        if (l->max_headers)
            e.headers = l->max_headers;
    }
    if (e.headers > GS_H1_MAX_HEADERS)
        e.headers = GS_H1_MAX_HEADERS;
    return e;
}

void gs_h1_request_reset(gs_h1_request *req)
{
    req->method = NULL;
    req->method_len = 0;
    req->target = NULL;
    req->target_len = 0;
    req->version_minor = 0;
    req->num_headers = 0;
    req->host = NULL;
    req->host_len = 0;
    req->body = GS_H1_BODY_NONE;
    req->content_length = 0;
    req->keep_alive = false;
    req->expect_continue = false;
    req->upgrade = false;
    req->error = GS_H1_OK;
    req->scanned = 0;
}

/* |n| bytes at |s| are the name |lit| (a literal), any case; lengths first. */
#define H1_NAME_IS(s, n, lit) ((n) == sizeof(lit) - 1 && gs_h1_strieq((s), (n), (lit)))

static bool h1_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Calls |fn| on each trimmed element of a comma-separated list; stops when |fn| returns false.
 * Empty elements are skipped (RFC 9110 §5.6.1 lets recipients ignore them). */
typedef bool (*h1_list_fn)(const char *s, size_t n, void *arg);

static bool h1_list_each(const char *v, size_t len, h1_list_fn fn, void *arg)
{
    size_t i = 0;
    while (i <= len) {
        size_t start = i;
        while (i < len && v[i] != ',')
            i++;
        size_t end = i;
        while (start < end && h1_is_ows(v[start]))
            start++;
        while (end > start && h1_is_ows(v[end - 1]))
            end--;
        if (end > start && !fn(v + start, end - start, arg))
            return false;
        i++;
    }
    return true;
}

typedef struct h1_token_find {
    const char *token;
    bool found;
} h1_token_find;

static bool h1_token_cmp(const char *s, size_t n, void *arg)
{
    h1_token_find *f = arg;
    if (gs_h1_strieq(s, n, f->token)) {
        f->found = true;
        return false;
    }
    return true;
}

bool gs_h1_token_list_has(const char *value, size_t value_len, const char *token)
{
    h1_token_find f = {token, false};
    h1_list_each(value, value_len, h1_token_cmp, &f);
    return f.found;
}

const gs_h1_header *gs_h1_request_header(const gs_h1_request *req, const char *name)
{
    for (size_t i = 0; i < req->num_headers; i++)
        if (gs_h1_strieq(req->headers[i].name, req->headers[i].name_len, name))
            return &req->headers[i];
    return NULL;
}

static ssize_t h1_fail(gs_h1_request *req, gs_h1_error e)
{
    req->error = e;
    switch (e) {
    case GS_H1_ERR_URI_TOO_LONG:
    case GS_H1_ERR_HEADERS_TOO_LARGE:
    case GS_H1_ERR_TOO_MANY_HEADERS:
        return GS_ERR_RANGE;
    default:
        return GS_ERR_PARSE;
    }
}

/* Finds the end of the head: the index just past the empty line, or 0 when not yet present.
 * Resumes from req->scanned; the scan never looks at a byte twice except the last LF. */
static size_t h1_find_head_end(gs_h1_request *req, const char *data, size_t len, size_t start)
{
    size_t i = req->scanned > start ? req->scanned : start;
    while (i < len) {
        const char *lf = memchr(data + i, '\n', len - i);
        if (lf == NULL) {
            req->scanned = len;
            return 0;
        }
        size_t p = (size_t)(lf - data);
        if (p + 1 >= len) {
            req->scanned = p;
            return 0;
        }
        if (data[p + 1] == '\n')
            return p + 2;
        if (data[p + 1] == '\r') {
            if (p + 2 >= len) {
                req->scanned = p;
                return 0;
            }
            if (data[p + 2] == '\n')
                return p + 3;
        }
        i = p + 1;
    }
    req->scanned = len;
    return 0;
}

/* One line in [s, s+n) without its terminator. A CR is allowed only as the last byte (the CR
 * of CRLF); it is removed from the length. Returns false on a bare CR. */
static bool h1_line_strip_cr(const char *s, size_t *n)
{
    if (*n > 0 && s[*n - 1] == '\r')
        (*n)--;
    return memchr(s, '\r', *n) == NULL;
}

static ssize_t h1_parse_request_line(gs_h1_request *req, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && gs_h1_tchar[(unsigned char)s[i]])
        i++;
    if (i == 0 || i >= n || s[i] != ' ')
        return h1_fail(req, GS_H1_ERR_REQUEST_LINE);
    req->method = s;
    req->method_len = i;
    size_t t = ++i;
    while (i < n && (unsigned char)s[i] > 0x20 && (unsigned char)s[i] < 0x7f)
        i++;
    if (i == t || i >= n || s[i] != ' ')
        return h1_fail(req, GS_H1_ERR_REQUEST_LINE);
    req->target = s + t;
    req->target_len = i - t;
    i++;
    if (n - i != 8 || memcmp(s + i, "HTTP/", 5) != 0 || s[i + 6] != '.')
        return h1_fail(req, GS_H1_ERR_REQUEST_LINE);
    char major = s[i + 5], minor = s[i + 7];
    if (major < '0' || major > '9' || minor < '0' || minor > '9')
        return h1_fail(req, GS_H1_ERR_REQUEST_LINE);
    if (major != '1' || (minor != '0' && minor != '1'))
        return h1_fail(req, GS_H1_ERR_VERSION);
    req->version_minor = minor - '0';
    return 0;
}

/* Framing facts gathered across all field lines. */
typedef struct h1_framing {
    bool have_cl;
    bool cl_bad;
    int cl_elements;
    uint64_t cl;
    bool have_te;
    int te_chunked_count;
    bool te_chunked_last;
    bool te_other;
    int hosts;
    bool conn_close, conn_keep_alive, conn_upgrade, have_upgrade;
} h1_framing;

static bool h1_cl_element(const char *s, size_t n, void *arg)
{
    h1_framing *f = arg;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10) {
            f->cl_bad = true;
            return false;
        }
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    f->cl_elements++;
    if (f->have_cl && v != f->cl) {
        f->cl_bad = true;
        return false;
    }
    f->have_cl = true;
    f->cl = v;
    return true;
}

static bool h1_te_element(const char *s, size_t n, void *arg)
{
    h1_framing *f = arg;
    /* A coding may carry parameters (";q=..." is not allowed in TE, but ext params are); the
     * coding name is what precedes them. */
    size_t k = 0;
    while (k < n && s[k] != ';' && !h1_is_ows(s[k]))
        k++;
    if (gs_h1_strieq(s, k, "chunked")) {
        f->te_chunked_count++;
        f->te_chunked_last = true;
    } else {
        f->te_other = true;
        f->te_chunked_last = false;
    }
    return true;
}

static bool h1_conn_element(const char *s, size_t n, void *arg)
{
    h1_framing *f = arg;
    if (gs_h1_strieq(s, n, "close"))
        f->conn_close = true;
    else if (gs_h1_strieq(s, n, "keep-alive"))
        f->conn_keep_alive = true;
    else if (gs_h1_strieq(s, n, "upgrade"))
        f->conn_upgrade = true;
    return true;
}

static ssize_t h1_parse_field(gs_h1_request *req, const char *s, size_t n, h1_framing *f,
                              size_t max_headers)
{
    if (n > 0 && h1_is_ows(s[0]))
        return h1_fail(req, GS_H1_ERR_HEADER_SYNTAX); /* obs-fold or leading whitespace */
    size_t i = 0;
    while (i < n && gs_h1_tchar[(unsigned char)s[i]])
        i++;
    if (i == 0 || i >= n || s[i] != ':')
        return h1_fail(req, GS_H1_ERR_HEADER_SYNTAX);
    size_t name_len = i++;
    while (i < n && h1_is_ows(s[i]))
        i++;
    size_t vstart = i, vend = n;
    while (vend > vstart && h1_is_ows(s[vend - 1]))
        vend--;
    if (!gs_h1_value_valid(s + vstart, vend - vstart))
        return h1_fail(req, GS_H1_ERR_HEADER_SYNTAX);
    if (req->num_headers >= max_headers)
        return h1_fail(req, GS_H1_ERR_TOO_MANY_HEADERS);
    gs_h1_header *h = &req->headers[req->num_headers++];
    h->name = s;
    h->name_len = name_len;
    h->value = s + vstart;
    h->value_len = vend - vstart;

    if (H1_NAME_IS(s, name_len, "content-length")) {
        int before = f->cl_elements;
        h1_list_each(h->value, h->value_len, h1_cl_element, f);
        if (f->cl_elements == before)
            f->cl_bad = true; /* empty, or only commas */
        if (f->cl_bad)
            return h1_fail(req, GS_H1_ERR_CONTENT_LENGTH);
    } else if (H1_NAME_IS(s, name_len, "transfer-encoding")) {
        f->have_te = true;
        int before = f->te_chunked_count;
        bool before_other = f->te_other;
        h1_list_each(h->value, h->value_len, h1_te_element, f);
        if (f->te_chunked_count == before && f->te_other == before_other)
            return h1_fail(req, GS_H1_ERR_TRANSFER_ENCODING); /* empty list */
    } else if (H1_NAME_IS(s, name_len, "host")) {
        f->hosts++;
        req->host = h->value;
        req->host_len = h->value_len;
    } else if (H1_NAME_IS(s, name_len, "connection")) {
        h1_list_each(h->value, h->value_len, h1_conn_element, f);
    } else if (H1_NAME_IS(s, name_len, "upgrade")) {
        f->have_upgrade = true;
    } else if (H1_NAME_IS(s, name_len, "expect")) {
        if (gs_h1_strieq(h->value, h->value_len, "100-continue"))
            req->expect_continue = true;
    }
    return 0;
}

static ssize_t h1_apply_framing(gs_h1_request *req, const h1_framing *f)
{
    if (f->have_te && f->have_cl)
        return h1_fail(req, GS_H1_ERR_CL_AND_TE);
    if (f->have_te) {
        if (req->version_minor == 0 || f->te_chunked_count != 1 || !f->te_chunked_last)
            return h1_fail(req, GS_H1_ERR_TRANSFER_ENCODING);
        if (f->te_other)
            return h1_fail(req, GS_H1_ERR_TE_UNSUPPORTED);
        req->body = GS_H1_BODY_CHUNKED;
    } else if (f->have_cl) {
        req->body = GS_H1_BODY_LENGTH;
        req->content_length = f->cl;
    }
    if (f->hosts > 1 || (req->version_minor == 1 && f->hosts == 0))
        return h1_fail(req, GS_H1_ERR_HOST);
    if (req->version_minor == 1)
        req->keep_alive = !f->conn_close;
    else
        req->keep_alive = f->conn_keep_alive && !f->conn_close;
    req->upgrade = f->conn_upgrade && f->have_upgrade;
    return 0;
}

/* True when the first bytes of a request line already show it is not one: a byte before the
 * first space that is not a token character (methods are tokens, RFC 9110 §9.1). Only the first
 * H1_METHOD_SCAN bytes are looked at, so a trickled line costs no rescans of the whole line. */
#define H1_METHOD_SCAN 32

static bool h1_method_prefix_bad(const char *s, size_t n)
{
    for (size_t i = 0; i < n && i < H1_METHOD_SCAN; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\r' || c == '\n')
            return false;
        if (!gs_h1_tchar[c])
            return true;
    }
    return false;
}

ssize_t gs_h1_request_parse(gs_h1_request *req, const char *data, size_t len,
                            const gs_h1_limits *limits)
{
    h1_limits_eff lim = h1_limits_resolve(limits);

    /* Skip a few empty lines that some clients send after a body (RFC 9112 §2.2). */
    size_t start = 0;
    for (int k = 0; k < H1_MAX_LEADING_EMPTY; k++) {
        if (start < len && data[start] == '\n')
            start++;
        else if (start + 1 < len && data[start] == '\r' && data[start + 1] == '\n')
            start += 2;
        else
            break;
    }
    if (start < len && data[start] == '\r' && start + 1 == len)
        return GS_ERR_INCOMPLETE;

    size_t end = h1_find_head_end(req, data, len, start);
    if (end == 0) {
        /* Not complete yet: enforce the limits on what has arrived so far, and refuse at once
         * what cannot become a request line (a TLS ClientHello on a cleartext port). */
        if (h1_method_prefix_bad(data + start, len - start))
            return h1_fail(req, GS_H1_ERR_REQUEST_LINE);
        const char *lf = memchr(data + start, '\n', len - start);
        if (lf == NULL && len - start > lim.request_line + 1)
            return h1_fail(req, GS_H1_ERR_URI_TOO_LONG);
        if (len - start > lim.head)
            return h1_fail(req, GS_H1_ERR_HEADERS_TOO_LARGE);
        if (lf != NULL) {
            size_t last = len;
            while (last > start && data[last - 1] != '\n')
                last--;
            if (len - last > lim.field_line + 1)
                return h1_fail(req, GS_H1_ERR_HEADERS_TOO_LARGE);
        }
        return GS_ERR_INCOMPLETE;
    }

    h1_framing f;
    memset(&f, 0, sizeof(f));
    req->num_headers = 0;
    req->error = GS_H1_OK;
    bool first = true;
    size_t pos = start;
    while (pos < end) {
        const char *lf = memchr(data + pos, '\n', end - pos);
        size_t n = (size_t)(lf - (data + pos));
        const char *line = data + pos;
        size_t next = pos + n + 1;
        if (!h1_line_strip_cr(line, &n))
            return h1_fail(req, GS_H1_ERR_BARE_CR);
        if (first) {
            if (n > lim.request_line)
                return h1_fail(req, GS_H1_ERR_URI_TOO_LONG);
            ssize_t rc = h1_parse_request_line(req, line, n);
            if (rc < 0)
                return rc;
            first = false;
        } else if (n == 0) {
            break; /* the empty line ending the head */
        } else {
            if (n > lim.field_line)
                return h1_fail(req, GS_H1_ERR_HEADERS_TOO_LARGE);
            ssize_t rc = h1_parse_field(req, line, n, &f, lim.headers);
            if (rc < 0)
                return rc;
        }
        pos = next;
    }
    if (end - start > lim.head)
        return h1_fail(req, GS_H1_ERR_HEADERS_TOO_LARGE);
    ssize_t rc = h1_apply_framing(req, &f);
    if (rc < 0)
        return rc;
    return (ssize_t)end;
}

int gs_h1_error_status(gs_h1_error error)
{
    switch (error) {
    case GS_H1_OK:
        return 0;
    case GS_H1_ERR_VERSION:
        return 505;
    case GS_H1_ERR_URI_TOO_LONG:
        return 414;
    case GS_H1_ERR_HEADERS_TOO_LARGE:
    case GS_H1_ERR_TOO_MANY_HEADERS:
        return 431;
    case GS_H1_ERR_TE_UNSUPPORTED:
        return 501;
    default:
        return 400;
    }
}

const char *gs_h1_error_str(gs_h1_error error)
{
    switch (error) {
    case GS_H1_OK:
        return "ok";
    case GS_H1_ERR_REQUEST_LINE:
        return "malformed request line";
    case GS_H1_ERR_VERSION:
        return "unsupported HTTP version";
    case GS_H1_ERR_URI_TOO_LONG:
        return "request line too long";
    case GS_H1_ERR_HEADER_SYNTAX:
        return "malformed header field";
    case GS_H1_ERR_HEADERS_TOO_LARGE:
        return "header fields too large";
    case GS_H1_ERR_TOO_MANY_HEADERS:
        return "too many header fields";
    case GS_H1_ERR_CONTENT_LENGTH:
        return "invalid content-length";
    case GS_H1_ERR_CL_AND_TE:
        return "content-length and transfer-encoding both present";
    case GS_H1_ERR_TRANSFER_ENCODING:
        return "invalid transfer-encoding";
    case GS_H1_ERR_TE_UNSUPPORTED:
        return "unsupported transfer coding";
    case GS_H1_ERR_HOST:
        return "missing or repeated host";
    case GS_H1_ERR_BARE_CR:
        return "bare CR in head";
    }
    return "unknown";
}
