/* SPDX-License-Identifier: MIT */
/* One gRPC call of `gatesim diff` (gs_diff.c): a unary call over h2c or TLS (ALPN h2, the host as
 * SNI, no verification: the answer is compared, not trusted), and what the echo backend that
 * answered it saw (docs/echo.md, "gRPC"). */
#ifndef GS_DIFF_GRPC_H
#define GS_DIFF_GRPC_H

#include <stdbool.h>

typedef struct gs_diff_grpc_answer {
    int http_status;   /* 0: no answer (refused, reset, timed out) */
    int grpc_status;   /* from the trailers, else mapped from the HTTP status; -1: no answer */
    char backend[320]; /* the Service that answered, "ns/name", or "none" */
    char path[512];    /* the :path the backend saw ("" without a backend) */
    char host[256];    /* the :authority the backend saw */
} gs_diff_grpc_answer;

/* Calls |path| ("/package.Service/Method") on |address| ("ip:port") with :authority |host| and
 * the metadata |header| ("Name: value", or ""), an empty request message; the answer into
 * |ans|. A call that got no answer is made once more (a refused connection on a loaded
 * machine is not what the side does). */
void gs_diff_grpc_call(const char *address, bool tls, const char *host, const char *path,
                       const char *header, gs_diff_grpc_answer *ans);

#endif
