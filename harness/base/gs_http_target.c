/* SPDX-License-Identifier: MIT */
/* Request-target and authority splitting over (pointer, length). Never reads past |len|: every
 * search is a bounded loop or memchr, never a string function (the bytes usually sit inside a
 * socket buffer with no NUL after them). */
#include "gs_http_target.h"

#include "gs_hex.h"

#include <string.h>

static bool target_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool target_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool target_hex(unsigned char c)
{
    return gs_hex_value((char)c) >= 0;
}

bool gs_http_target_scheme_is(const char *s, size_t n, const char *lit)
{
    size_t i = 0;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + ('a' - 'A'));
        if (lit[i] == '\0' || c != (unsigned char)lit[i])
            return false;
    }
    return lit[i] == '\0';
}

/* RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). Returns its length at the
 * start of |t| when "://" follows it, else 0. */
static size_t target_scheme_len(const char *t, size_t len)
{
    size_t i = 0;
    if (len == 0 || !target_alpha((unsigned char)t[0]))
        return 0;
    while (i < len) {
        unsigned char c = (unsigned char)t[i];
        if (!(target_alpha(c) || target_digit(c) || c == '+' || c == '-' || c == '.'))
            break;
        i++;
    }
    if (len - i < 3 || memcmp(t + i, "://", 3) != 0)
        return 0;
    return i;
}

const char *gs_http_target_split(const char *t, size_t len, gs_http_target *out)
{
    memset(out, 0, sizeof(*out));
    if (len == 0)
        return "empty request target";
    if (t[0] == '/') {
        out->form = GS_HTTP_TARGET_ORIGIN;
        out->path = t;
        out->path_len = len;
        return NULL;
    }
    if (len == 1 && t[0] == '*') {
        out->form = GS_HTTP_TARGET_ASTERISK;
        return NULL;
    }
    size_t sl = target_scheme_len(t, len);
    if (sl == 0) {
        /* No scheme: an authority (CONNECT's form) when it holds no path, query or fragment. */
        for (size_t i = 0; i < len; i++)
            if (t[i] == '/' || t[i] == '?' || t[i] == '#')
                return "request target is neither a path nor an absolute URI";
        out->form = GS_HTTP_TARGET_AUTHORITY;
        out->authority = t;
        out->authority_len = len;
        return NULL;
    }
    out->form = GS_HTTP_TARGET_ABSOLUTE;
    out->scheme = t;
    out->scheme_len = sl;
    const char *auth = t + sl + 3;
    const char *end = t + len;
    const char *p = auth;
    while (p < end && *p != '/' && *p != '?' && *p != '#')
        p++;
    out->authority = auth;
    out->authority_len = (size_t)(p - auth);
    out->path = p;
    out->path_len = (size_t)(end - p);
    return NULL;
}

/* RFC 3986 §2.2 sub-delims and RFC 3986 §2.3 unreserved: what a reg-name holds besides escapes. */
static bool target_regname_char(unsigned char c)
{
    return target_alpha(c) || target_digit(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
           c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' ||
           c == '+' || c == ',' || c == ';' || c == '=';
}

/* The host part [0, n): a bracketed IPv6 literal or a reg-name (IPv4 addresses are reg-names
 * by their characters). */
static const char *target_host_check(const char *h, size_t n)
{
    if (n == 0)
        return "empty host";
    if (h[0] == '[') {
        if (n < 3 || h[n - 1] != ']')
            return "bad IPv6 literal in host";
        for (size_t i = 1; i + 1 < n; i++) {
            unsigned char c = (unsigned char)h[i];
            if (!(target_hex(c) || c == ':' || c == '.'))
                return "bad IPv6 literal in host";
        }
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (c == '%') {
            if (i + 2 >= n || !target_hex((unsigned char)h[i + 1]) ||
                !target_hex((unsigned char)h[i + 2]))
                return "bad percent-encoding in host";
            i += 2;
        } else if (c == '@') {
            return "userinfo in authority";
        } else if (!target_regname_char(c)) {
            return "bad character in host";
        }
    }
    return NULL;
}

/* The port after the ':' ([0, n) digits): empty is allowed (RFC 3986 §3.2.3), else 0-65535. */
static const char *target_port_check(const char *p, size_t n)
{
    if (n > 5)
        return "port out of range";
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!target_digit((unsigned char)p[i]))
            return "bad port";
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    return v > 65535 ? "port out of range" : NULL;
}

const char *gs_http_authority_check(const char *a, size_t len)
{
    if (len == 0)
        return "empty authority";
    if (memchr(a, '@', len) != NULL)
        return "userinfo in authority";
    size_t host_len = len;
    if (a[0] == '[') {
        const char *close = memchr(a, ']', len);
        if (close == NULL)
            return "bad IPv6 literal in host";
        host_len = (size_t)(close - a) + 1;
        if (host_len < len && a[host_len] != ':')
            return "bad character after IPv6 literal";
    } else {
        const char *colon = memchr(a, ':', len);
        if (colon)
            host_len = (size_t)(colon - a);
    }
    const char *why = target_host_check(a, host_len);
    if (why)
        return why;
    if (host_len == len)
        return NULL;
    return target_port_check(a + host_len + 1, len - host_len - 1);
}
