/* SPDX-License-Identifier: MIT */
/* Fuzz target for the WebSocket frame parser: frames are read one after another from the input
 * as a client reads a server's; each one parsed must lie inside the input, obey RFC 6455's
 * rules for control frames and lengths, and write back (same mask) to the very same bytes. */
#include "gs_error.h"
#include "gs_ws.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    uint8_t *data = malloc(size ? size : 1);
    memcpy(data, bytes, size);
    size_t at = 0;
    while (at < size) {
        gs_ws_frame f;
        int64_t n = gs_ws_frame_parse(data + at, size - at, 1u << 16, &f);
        if (n < 0) {
            if (n != GS_ERR_INCOMPLETE && n != GS_ERR_PARSE && n != GS_ERR_RANGE)
                abort();
            break;
        }
        if (n < 2 || (size_t)n > size - at || f.len > (1u << 16))
            abort();
        if (f.payload < data + at || f.payload + f.len != data + at + (size_t)n)
            abort();
        if (f.opcode >= GS_WS_CLOSE && (!f.fin || f.len > 125))
            abort();
        gs_buf b = {0};
        gs_ws_frame_write(&b, f.fin, f.opcode, f.masked ? f.mask : NULL, f.payload, (size_t)f.len);
        /* the payload is copied as it is on the wire: writing masks it once more */
        if (f.masked)
            gs_ws_unmask((uint8_t *)b.data + b.len - f.len, (size_t)f.len, f.mask);
        if (b.len != (size_t)n || memcmp(b.data, data + at, b.len) != 0)
            abort();
        gs_buf_clear(&b);
        at += (size_t)n;
    }
    free(data);
    return 0;
}
