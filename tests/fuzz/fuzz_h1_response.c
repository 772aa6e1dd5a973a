/* SPDX-License-Identifier: MIT */
/* Fuzz target for gs_h1_response_parse: any bytes, every flag combination. The first byte picks
 * the flags; the parser must never read past the input nor return a size beyond it. */
#include "gs_h1_response.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned flags = data[0] & 3u;
    /* a private copy so ASan catches reads past the end */
    char *copy = malloc(size - 1 ? size - 1 : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data + 1, size - 1);
    static gs_h1_response r;
    size_t off = 0;
    for (int k = 0; k < 4 && off < size - 1; k++) {
        int n = gs_h1_response_parse(&r, copy + off, size - 1 - off, flags);
        if (n <= 0)
            break;
        if ((size_t)n > size - 1 - off)
            abort();
        for (size_t h = 0; h < r.num_headers; h++) {
            if (r.headers[h].name < copy + off ||
                r.headers[h].value + r.headers[h].value_len > copy + off + (size_t)n)
                abort();
        }
        (void)gs_h1_response_header(&r, "content-length");
        off += (size_t)n;
    }
    free(copy);
    return 0;
}
