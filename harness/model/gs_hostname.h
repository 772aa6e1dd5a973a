/* SPDX-License-Identifier: MIT */
/* Gateway API hostname rules, the one implementation shared by the model (cross-object checks),
 * control (attachment, route table) and scenario: wildcard matching (a leading "*." covers one
 * or more labels), listener/route intersection (docs/semantics.md), validity, Host ports.
 * Pure functions on strings; no allocation, no I/O.
 *
 * Names are compared ASCII case-insensitively and one trailing dot is ignored ("a.com." is
 * "a.com", as the route lookup treats a Host header). Malformed names (see gs_hostname_valid;
 * control rejects them before they reach a table) still get a total, symmetric answer:
 * only "*.S" with a non-empty S is a wildcard ("*" and "*." are literal names that match only
 * themselves), and a wildcard covers only non-empty labels (".a.com" and "x..a.com" are not
 * covered by "*.a.com"). */
#ifndef GS_HOSTNAME_H
#define GS_HOSTNAME_H

#include <stdbool.h>
#include <stddef.h>

/* True when |h| is a wildcard hostname: "*." followed by at least one character other than a
 * lone trailing dot. NULL is not. */
bool gs_hostname_is_wildcard(const char *h);

/* True when |pattern| (precise or "*.suffix"; NULL or "" = absent, matching every host) matches
 * the precise |host| (|len| bytes, no port). */
bool gs_hostname_matches(const char *pattern, const char *host, size_t len);

/* Intersects listener hostname |listener| with route hostname |route| (NULL or "" = absent,
 * meaning "any"). Returns true and sets |*out| to the effective hostname when they intersect:
 * one of the two inputs (the route's when both are equal), or NULL meaning "any" when both are
 * absent. Two wildcards intersect when one extends the other's suffix by whole labels; the
 * longer (more specific) one is the result. Returns false (|*out| untouched) when they do not
 * intersect. */
bool gs_hostname_intersect(const char *listener, const char *route, const char **out);

/* Length of |host| without a trailing ":port" (IPv6 literals "[..]:p" keep their brackets). */
size_t gs_hostname_strip_port(const char *host, size_t len);

/* True when |h| is a syntactically valid Gateway API Hostname: lower-case RFC 1123 labels, an
 * optional leading "*." label, no empty label, no trailing dot, at most 253 bytes. */
bool gs_hostname_valid(const char *h);

#endif
