/* SPDX-License-Identifier: MIT */
/* Fuzz target for the ClientHello reader: no read past the input, a success consumes no more
 * than it was given and yields a NUL-terminated, lower-case SNI, and every prefix of an
 * accepted input is incomplete (a reader must never decide before the bytes are there). */
#include "gs_error.h"
#include "gs_tls_hello.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    uint8_t *data = malloc(size ? size : 1); /* exact size: ASan sees any overread */
    memcpy(data, bytes, size);
    gs_tls_hello h;
    const char *why = NULL;
    int rc = gs_tls_hello_parse(data, size, &h, &why);
    if (rc != 0 && rc != GS_ERR_INCOMPLETE && rc != GS_ERR_PARSE && rc != GS_ERR_RANGE)
        abort();
    if (rc != 0 && why == NULL)
        abort();
    if (rc == 0) {
        if (h.record_bytes == 0 || h.record_bytes > size)
            abort();
        size_t n = strnlen(h.sni, sizeof h.sni);
        if (n == sizeof h.sni || (h.has_sni != (n > 0)))
            abort();
        for (size_t i = 0; i < n; i++)
            if (h.sni[i] >= 'A' && h.sni[i] <= 'Z')
                abort();
        gs_tls_hello again;
        for (size_t k = 0; k < h.record_bytes; k += 1 + k / 8)
            if (gs_tls_hello_parse(data, k, &again, &why) != GS_ERR_INCOMPLETE)
                abort();
    }
    free(data);
    return 0;
}
