/* SPDX-License-Identifier: MIT */
/* Hostname matching and intersection for listeners and routes (rules in gs_hostname.h). Every
 * comparison goes through name_len (one trailing dot dropped) and covered_labels (what a
 * wildcard may stand for), so malformed names are handled the same way everywhere. */
#include "gs_hostname.h"

#include <string.h>
#include <strings.h>

static bool name_absent(const char *h)
{
    return h == NULL || h[0] == '\0';
}

/* Length of the first |len| bytes of |h| without one trailing dot. */
static size_t name_len(const char *h, size_t len)
{
    return len > 1 && h[len - 1] == '.' ? len - 1 : len;
}

static bool name_wildcard(const char *h, size_t len)
{
    return len > 2 && h[0] == '*' && h[1] == '.';
}

/* True when |h| (|len| bytes) is one or more non-empty labels: what a wildcard may cover. */
static bool covered_labels(const char *h, size_t len)
{
    if (len == 0 || h[0] == '.' || h[len - 1] == '.')
        return false;
    for (size_t i = 1; i < len; i++)
        if (h[i] == '.' && h[i - 1] == '.')
            return false;
    return true;
}

static bool name_equal(const char *a, size_t al, const char *b, size_t bl)
{
    return al == bl && strncasecmp(a, b, al) == 0;
}

/* Wildcard |w| (|wl| bytes, "*.s") matches precise-or-wildcard text |h| (|hl| bytes) when |h|
 * is "<labels>.s". */
static bool wildcard_covers(const char *w, size_t wl, const char *h, size_t hl)
{
    const char *suffix = w + 1; /* ".s" */
    size_t sl = wl - 1;
    if (hl <= sl || strncasecmp(h + hl - sl, suffix, sl) != 0)
        return false;
    return covered_labels(h, hl - sl);
}

bool gs_hostname_is_wildcard(const char *h)
{
    return h != NULL && name_wildcard(h, name_len(h, strlen(h)));
}

bool gs_hostname_matches(const char *pattern, const char *host, size_t len)
{
    if (name_absent(pattern))
        return true;
    size_t pl = name_len(pattern, strlen(pattern));
    len = name_len(host, len);
    if (!name_wildcard(pattern, pl))
        return name_equal(pattern, pl, host, len);
    return wildcard_covers(pattern, pl, host, len);
}

bool gs_hostname_intersect(const char *listener, const char *route, const char **out)
{
    if (name_absent(listener) || name_absent(route)) {
        *out = !name_absent(route) ? route : !name_absent(listener) ? listener : NULL;
        return true;
    }
    size_t ll = name_len(listener, strlen(listener)), rl = name_len(route, strlen(route));
    bool lw = name_wildcard(listener, ll), rw = name_wildcard(route, rl);
    if (name_equal(listener, ll, route, rl)) {
        *out = route;
        return true;
    }
    if (lw && (rw ? wildcard_covers(listener, ll, route + 2, rl - 2)
                  : wildcard_covers(listener, ll, route, rl))) {
        *out = route; /* the precise route host, or the longer route wildcard */
        return true;
    }
    if (rw && (lw ? wildcard_covers(route, rl, listener + 2, ll - 2)
                  : wildcard_covers(route, rl, listener, ll))) {
        *out = listener;
        return true;
    }
    return false;
}

size_t gs_hostname_strip_port(const char *host, size_t len)
{
    if (len > 0 && host[0] == '[') {
        const char *close = memchr(host, ']', len);
        return close ? (size_t)(close - host) + 1 : len;
    }
    const char *colon = memchr(host, ':', len);
    return colon ? (size_t)(colon - host) : len;
}

static bool hostname_label_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool gs_hostname_valid(const char *h)
{
    if (h == NULL)
        return false;
    size_t n = strlen(h);
    if (n == 0 || n > 253)
        return false;
    if (h[0] == '*' && h[1] == '.')
        h += 2;
    /* Labels: [a-z0-9]([-a-z0-9]*[a-z0-9])? separated by dots. */
    const char *label = h;
    for (const char *p = h;; p++) {
        if (*p == '.' || *p == '\0') {
            size_t ll = (size_t)(p - label);
            if (ll == 0 || label[0] == '-' || label[ll - 1] == '-')
                return false;
            if (*p == '\0')
                return true;
            label = p + 1;
        } else if (!hostname_label_char(*p)) {
            return false;
        }
    }
}
