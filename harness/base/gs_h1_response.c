/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 response head parser (RFC 9112 §4, §5, §6.3). Finds the end of the head first, then
 * walks its lines once; the framing decision is made from the fields collected on the way.
 * It must not allocate or read past |len|: it parses bytes from servers we do not trust. */
#include "gs_h1_response.h"

#include "gs_error.h"

#include <string.h>

/* c | 0x20 over each byte of the |w|-byte word at |p| (w is 4 or 8). */
static uint64_t response_fold(const char *p, size_t w)
{
    if (w == 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        return x | 0x2020202020202020u;
    }
    uint32_t x;
    memcpy(&x, p, 4);
    return x | 0x20202020u;
}

/* The |n| bytes at |s| are |lower| (|len| bytes of lower-case letters, digits and '-'), any
 * case. |s| must be a name or value this parser accepted (no control but HTAB): then c | 0x20
 * equals such a byte only for that byte or its upper-case letter, so an OR compares. Two
 * overlapping words cover 4 to 16 bytes; a byte loop was most of the cost of a parse. */
static bool response_is(const char *s, size_t n, const char *lower, size_t len)
{
    if (n != len)
        return false;
    if (n >= 4 && n <= 16) {
        size_t w = n >= 8 ? 8 : 4;
        return response_fold(s, w) == response_fold(lower, w) &&
               response_fold(s + n - w, w) == response_fold(lower + n - w, w);
    }
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] | 0x20) != (unsigned char)lower[i])
            return false;
    }
    return true;
}

/* Parses a Content-Length value: 1*DIGIT, or a comma-separated list of identical ones
 * (RFC 9110 §8.6). Returns 0 or GS_ERR_PARSE. */
static int response_parse_length(const char *v, size_t n, uint64_t *out)
{
    bool have = false;
    uint64_t first = 0;
    size_t i = 0;
    while (i <= n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t'))
            i++;
        size_t digits = 0;
        uint64_t x = 0;
        while (i < n && v[i] >= '0' && v[i] <= '9') {
            unsigned d = (unsigned)(v[i] - '0');
            if (x > (UINT64_MAX - d) / 10)
                return GS_ERR_PARSE;
            x = x * 10 + d;
            i++;
            digits++;
        }
        if (digits == 0)
            return GS_ERR_PARSE;
        while (i < n && (v[i] == ' ' || v[i] == '\t'))
            i++;
        if (have && x != first)
            return GS_ERR_PARSE;
        first = x;
        have = true;
        if (i == n)
            break;
        if (v[i] != ',')
            return GS_ERR_PARSE;
        i++;
    }
    *out = first;
    return 0;
}

bool gs_h1_header_has_token(const gs_h1_header *h, const char *token)
{
    return gs_h1_token_list_has(h->value, h->value_len, token);
}

/* True when the last transfer coding listed in |h| is "chunked". */
static bool response_te_final_chunked(const gs_h1_header *h)
{
    const char *v = h->value;
    size_t end = h->value_len;
    while (end > 0 && (v[end - 1] == ' ' || v[end - 1] == '\t' || v[end - 1] == ','))
        end--;
    size_t start = end;
    while (start > 0 && v[start - 1] != ',' && v[start - 1] != ' ' && v[start - 1] != '\t')
        start--;
    return gs_h1_strieq(v + start, end - start, "chunked");
}

/* "HTTP/1.x SP 3DIGIT [SP reason]" in line [0, n). */
static int response_parse_status_line(gs_h1_response *r, const char *s, size_t n)
{
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ')
        return GS_ERR_PARSE;
    r->minor_version = s[7] - '0';
    for (int k = 9; k < 12; k++) {
        if (s[k] < '0' || s[k] > '9')
            return GS_ERR_PARSE;
    }
    r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    if (r->status < 100)
        return GS_ERR_PARSE;
    r->reason = s + n;
    r->reason_len = 0;
    if (n > 12) {
        if (s[12] != ' ')
            return GS_ERR_PARSE;
        if (!gs_h1_value_valid(s + 13, n - 13))
            return GS_ERR_PARSE;
        r->reason = s + 13;
        r->reason_len = n - 13;
    }
    return 0;
}

/* The scan below stopped inside the line at |pos|: the line is malformed (|fail|) when it is
 * complete, else the head is incomplete, or too large once GS_H1_RESPONSE_MAX_HEAD bytes hold no
 * end. A malformed complete line fails at once, even before the rest of the head arrives. */
static int response_line_verdict(const char *data, size_t pos, size_t limit, size_t len, int fail)
{
    if (memchr(data + pos, '\n', limit - pos) == NULL)
        return len >= GS_H1_RESPONSE_MAX_HEAD ? GS_ERR_RANGE : GS_ERR_INCOMPLETE;
    return fail;
}

/* The field line "name: OWS value OWS" CRLF (or LF) at |*pos| of [0, limit), in one pass: the
 * name's tchar, then the value up to the first byte a value may not hold, which must be the line
 * end (no separate search for the LF; values are checked eight bytes at a time). Moves |*pos|
 * past the line. Anything else goes to response_line_verdict. */
static int response_parse_field(gs_h1_header *h, const char *data, size_t *pos, size_t limit,
                                size_t len)
{
    const unsigned char *u = (const unsigned char *)data;
    size_t start = *pos, i = start;
    /* four at a time: names are most of what is not a value */
    while (i + 4 <= limit && (gs_h1_tchar[u[i]] & gs_h1_tchar[u[i + 1]] & gs_h1_tchar[u[i + 2]] &
                              gs_h1_tchar[u[i + 3]]))
        i += 4;
    while (i < limit && gs_h1_tchar[u[i]])
        i++;
    if (i == start || i == limit || data[i] != ':') /* empty name, no colon, space before it */
        return response_line_verdict(data, start, limit, len, GS_ERR_PARSE);
    h->name = data + start;
    h->name_len = i - start;
    i++;
    while (i < limit && (data[i] == ' ' || data[i] == '\t'))
        i++;
    size_t vstart = i;
    size_t e = vstart + gs_h1_value_span(data + vstart, limit - vstart);
    size_t next;
    if (e < limit && data[e] == '\n')
        next = e + 1;
    else if (e + 1 < limit && data[e] == '\r' && data[e + 1] == '\n')
        next = e + 2;
    else /* a control or bare CR in the value, or the line is not all here yet */
        return response_line_verdict(data, start, limit, len, GS_ERR_PARSE);
    while (e > vstart && (data[e - 1] == ' ' || data[e - 1] == '\t'))
        e--;
    h->value = data + vstart;
    h->value_len = e - vstart;
    *pos = next;
    return 0;
}

/* RFC 9112 §6.3, in order. */
static int response_decide_framing(gs_h1_response *r, unsigned flags)
{
    const gs_h1_header *te = NULL;
    bool have_length = false, conn_close = false, conn_keep = false;
    for (size_t k = 0; k < r->num_headers; k++) {
        const gs_h1_header *h = &r->headers[k];
        if (response_is(h->name, h->name_len, "content-length", 14)) {
            uint64_t v;
            if (response_parse_length(h->value, h->value_len, &v) != 0)
                return GS_ERR_PARSE;
            if (have_length && v != r->content_length)
                return GS_ERR_PARSE;
            r->content_length = v;
            have_length = true;
        } else if (response_is(h->name, h->name_len, "transfer-encoding", 17)) {
            te = h; /* the final coding is the last one of the last field */
        } else if (response_is(h->name, h->name_len, "connection", 10)) {
            /* the usual values alone, without the list walk */
            if (response_is(h->value, h->value_len, "keep-alive", 10)) {
                conn_keep = true;
            } else if (response_is(h->value, h->value_len, "close", 5)) {
                conn_close = true;
            } else {
                conn_close |= gs_h1_header_has_token(h, "close");
                conn_keep |= gs_h1_header_has_token(h, "keep-alive");
            }
        }
    }
    r->keep_alive = r->minor_version >= 1 ? !conn_close : (conn_keep && !conn_close);

    if (r->status < 200) {
        r->body = GS_H1_BODY_NONE;
        r->upgrade = r->status == 101;
        r->informational = !r->upgrade;
        if (r->upgrade)
            r->keep_alive = false;
        return 0;
    }
    if ((flags & GS_H1_RESPONSE_TO_CONNECT) && r->status < 300) {
        r->body = GS_H1_BODY_NONE;
        r->upgrade = true;
        r->keep_alive = false;
        return 0;
    }
    if ((flags & GS_H1_RESPONSE_TO_HEAD) || r->status == 204 || r->status == 304) {
        r->body = GS_H1_BODY_NONE;
        return 0;
    }
    if (te != NULL) {
        r->body = response_te_final_chunked(te) ? GS_H1_BODY_CHUNKED : GS_H1_BODY_UNTIL_CLOSE;
        if (r->body == GS_H1_BODY_UNTIL_CLOSE || have_length || r->minor_version == 0)
            r->keep_alive = false;
        return 0;
    }
    if (have_length) {
        r->body = GS_H1_BODY_LENGTH;
        return 0;
    }
    r->body = GS_H1_BODY_UNTIL_CLOSE;
    r->keep_alive = false;
    return 0;
}

int gs_h1_response_parse(gs_h1_response *r, const char *data, size_t len, unsigned flags)
{
    r->num_headers = 0;
    r->content_length = 0;
    r->keep_alive = false;
    r->informational = false;
    r->upgrade = false;
    r->body = GS_H1_BODY_NONE;

    /* The status line, then the field lines up to the empty line. A line without its LF yet
     * means the head is incomplete (or too large, once GS_H1_RESPONSE_MAX_HEAD bytes hold no
     * end); a malformed complete line fails at once. A bare CR inside a line needs no scan of its
     * own: the status line's fixed part, the tchar name and the value check each refuse it. */
    size_t limit = len < GS_H1_RESPONSE_MAX_HEAD ? len : GS_H1_RESPONSE_MAX_HEAD;
    const char *nl = memchr(data, '\n', limit);
    if (nl == NULL)
        return len >= GS_H1_RESPONSE_MAX_HEAD ? GS_ERR_RANGE : GS_ERR_INCOMPLETE;
    size_t pos = (size_t)(nl - data);
    if (response_parse_status_line(r, data, pos > 0 && data[pos - 1] == '\r' ? pos - 1 : pos) != 0)
        return GS_ERR_PARSE;
    pos++;
    for (;;) {
        if (pos < limit && data[pos] == '\n') {
            pos++;
            break;
        }
        if (pos + 1 < limit && data[pos] == '\r' && data[pos + 1] == '\n') {
            pos += 2;
            break;
        }
        if (pos < limit && (data[pos] == ' ' || data[pos] == '\t')) /* obs-fold */
            return response_line_verdict(data, pos, limit, len, GS_ERR_PARSE);
        if (r->num_headers == GS_H1_RESPONSE_MAX_HEADERS)
            return response_line_verdict(data, pos, limit, len, GS_ERR_RANGE);
        int rc = response_parse_field(&r->headers[r->num_headers], data, &pos, limit, len);
        if (rc != 0)
            return rc;
        r->num_headers++;
    }
    int rc = response_decide_framing(r, flags);
    return rc < 0 ? rc : (int)pos;
}

const gs_h1_header *gs_h1_response_header(const gs_h1_response *r, const char *name)
{
    size_t n = strlen(name);
    for (size_t k = 0; k < r->num_headers; k++) {
        if (r->headers[k].name_len == n && gs_h1_strieq(r->headers[k].name, n, name))
            return &r->headers[k];
    }
    return NULL;
}
