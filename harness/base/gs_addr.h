/* SPDX-License-Identifier: MIT */
/* Network address text: telling an IP literal from a host name (SNI, certificate SANs, the
 * BackendTLSPolicy hostname rule). */
#ifndef GS_ADDR_H
#define GS_ADDR_H

#include <stdbool.h>

/* True when |s| is an IPv4 dotted quad or an IPv6 address (no brackets, no port). */
bool gs_addr_is_ip_literal(const char *s);

#endif
