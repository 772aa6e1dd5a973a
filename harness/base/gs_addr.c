/* SPDX-License-Identifier: MIT */
/* Network address text (gs_addr.h). */
#include "gs_addr.h"

#include <arpa/inet.h>
#include <sys/socket.h>

bool gs_addr_is_ip_literal(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}
