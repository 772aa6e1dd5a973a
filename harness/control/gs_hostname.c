/* SPDX-License-Identifier: MIT */
/* Hostname matching and intersection for listeners and routes. A wildcard "*.s" matches a host
 * that ends in ".s" and has at least one more label; hosts compare case-insensitively. */
#include "gs_hostname.h"

#include <string.h>
#include <strings.h>

bool gs_hostname_is_wildcard(const char *h)
{
    return h && h[0] == '*' && h[1] == '.';
}

bool gs_hostname_matches(const char *pattern, const char *host, size_t len)
{
    if (!gs_hostname_is_wildcard(pattern))
        return strlen(pattern) == len && strncasecmp(pattern, host, len) == 0;
    const char *suffix = pattern + 1; /* ".s" */
    size_t slen = strlen(suffix);
    /* At least one character of label before ".s". */
    if (len <= slen)
        return false;
    return strncasecmp(host + len - slen, suffix, slen) == 0 && host[0] != '.';
}

bool gs_hostname_intersect(const char *listener, const char *route, const char **out)
{
    if (listener == NULL) {
        *out = route;
        return true;
    }
    if (route == NULL) {
        *out = listener;
        return true;
    }
    bool lw = gs_hostname_is_wildcard(listener), rw = gs_hostname_is_wildcard(route);
    if (!lw && !rw) {
        if (strcasecmp(listener, route) != 0)
            return false;
        *out = route;
        return true;
    }
    if (lw && !rw) {
        if (!gs_hostname_matches(listener, route, strlen(route)))
            return false;
        *out = route;
        return true;
    }
    if (!lw && rw) {
        if (!gs_hostname_matches(route, listener, strlen(listener)))
            return false;
        *out = listener;
        return true;
    }
    /* Two wildcards: the longer must extend the shorter's suffix ("*.com" ∩ "*.a.com"). */
    size_t ll = strlen(listener), rl = strlen(route);
    if (ll == rl) {
        if (strcasecmp(listener, route) != 0)
            return false;
        *out = route;
        return true;
    }
    const char *lng = ll > rl ? listener : route, *shrt = ll > rl ? route : listener;
    /* "*.a.com" extends "*.com" when it ends with ".com" (the shorter's suffix incl. its dot). */
    size_t sl = strlen(shrt + 1);
    if (strncasecmp(lng + strlen(lng) - sl, shrt + 1, sl) != 0)
        return false;
    *out = lng;
    return true;
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
    if (gs_hostname_is_wildcard(h))
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
