/* SPDX-License-Identifier: MIT */
/* HTTP status codes as text: the reason phrases of RFC 9110 §15, for status lines and plain-text
 * error bodies written by the gateway and the echo backend. */
#ifndef GS_HTTP_STATUS_H
#define GS_HTTP_STATUS_H

/* The reason phrase of |status| ("Not Found"), or "Unknown" for a code RFC 9110 does not name. */
const char *gs_http_reason(int status);

#endif
