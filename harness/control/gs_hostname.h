/* SPDX-License-Identifier: MIT */
/* Gateway API hostname rules: wildcard matching (a leading "*." covers one or more labels),
 * listener/route hostname intersection (semantics digest §5.2) and specificity. Pure functions,
 * ASCII case-insensitive. */
#ifndef GS_HOSTNAME_H
#define GS_HOSTNAME_H

#include <stdbool.h>
#include <stddef.h>

bool gs_hostname_is_wildcard(const char *h);

/* True when |pattern| (precise or "*.suffix") matches the precise |host| (|len| bytes, no port). */
bool gs_hostname_matches(const char *pattern, const char *host, size_t len);

/* Intersects listener hostname |listener| with route hostname |route| (either NULL = absent,
 * meaning "any"). Returns true and sets |*out| to the effective hostname (one of the two inputs,
 * NULL meaning "any") when they intersect; false when they do not. */
bool gs_hostname_intersect(const char *listener, const char *route, const char **out);

/* Length of |host| without a trailing ":port" (IPv6 literals "[..]:p" keep their brackets). */
size_t gs_hostname_strip_port(const char *host, size_t len);

/* True when |h| is a syntactically valid Gateway API Hostname (lower-case, optional "*."). */
bool gs_hostname_valid(const char *h);

#endif
