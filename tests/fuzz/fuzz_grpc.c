/* SPDX-License-Identifier: MIT */
/* Fuzz target for gRPC framing and the EchoResponse decoder: every decoded string must be
 * NUL-terminated inside its owned block, and re-encoding a decoded message must decode again. */
#include "gs_grpc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    uint8_t *data = malloc(size ? size : 1);
    memcpy(data, bytes, size);
    const uint8_t *msg = data;
    size_t msg_len = size;
    bool compressed;
    ssize_t n = gs_grpc_frame_parse(data, size, &msg, &msg_len, &compressed, 1 << 16);
    if (n > 0 && (size_t)n > size)
        abort();
    if (n <= 0) {
        msg = data;
        msg_len = size;
    }
    gs_grpc_echo echo;
    if (gs_grpc_echo_decode(&echo, msg, msg_len) == 0) {
        size_t total = strlen(echo.path) + strlen(echo.host) + strlen(echo.backend);
        for (size_t i = 0; i < echo.n_headers; i++)
            for (size_t k = 0; k < echo.headers[i].n_values; k++)
                total += strlen(echo.headers[i].values[k]);
        if (total > 2 * msg_len + 1)
            abort();
        gs_buf b = {0};
        gs_grpc_echo_encode(&echo, &b);
        gs_grpc_echo again;
        if (gs_grpc_echo_decode(&again, b.data, b.len) != 0)
            abort();
        if (strcmp(again.path, echo.path) != 0 || again.n_headers != echo.n_headers)
            abort();
        gs_grpc_echo_free(&again);
        gs_buf_clear(&b);
        gs_grpc_echo_free(&echo);
    }
    free(data);
    return 0;
}
