/* SPDX-License-Identifier: MIT */
/* Fuzz target for base64url: strict decoding of arbitrary text into exactly-sized heap buffers
 * (so ASan sees any write past |cap|), canonical round trips (what decodes re-encodes to the same
 * characters, minus padding), and encode-then-decode of arbitrary bytes. abort() on a mismatch. */
#include "gs_base64.h"
#include "gs_error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes |text| into a heap buffer of exactly |cap| bytes; the result bytes go to |keep|
 * (when not NULL, at least |cap| bytes). */
static ssize_t decode_exact(const char *text, size_t len, size_t cap, uint8_t *keep)
{
    uint8_t *out = malloc(cap ? cap : 1);
    ssize_t n = gs_base64_url_decode(text, len, cap ? out : out + 1, cap);
    if (n > 0 && keep)
        memcpy(keep, out, (size_t)n);
    free(out);
    return n;
}

/* Text side: decode |text|; when it decodes, it must be canonical base64url. */
static void check_text(const char *text, size_t len)
{
    size_t max = gs_base64_decoded_max(len);
    uint8_t *bytes = malloc(max ? max : 1);
    ssize_t n = decode_exact(text, len, max, bytes);
    if (n == GS_ERR_RANGE || (n < 0 && n != GS_ERR_PARSE) || (n >= 0 && (size_t)n > max))
        abort();
    if (n >= 0) {
        /* Exactly n bytes of room suffice; one less is a range error, not an overflow. */
        uint8_t *again = malloc((size_t)n ? (size_t)n : 1);
        if (decode_exact(text, len, (size_t)n, again) != n || memcmp(again, bytes, (size_t)n) != 0)
            abort();
        if (n > 0 && decode_exact(text, len, (size_t)n - 1, NULL) != GS_ERR_RANGE)
            abort();
        free(again);

        /* Strict decoding means canonical text: the re-encoding is the input without padding. */
        size_t elen = gs_base64_url_encoded_len((size_t)n);
        char *enc = malloc(elen ? elen : 1);
        if (gs_base64_url_encode(bytes, (size_t)n, enc) != elen)
            abort();
        size_t unpadded = len;
        while (unpadded > 0 && text[unpadded - 1] == '=')
            unpadded--;
        if (elen != unpadded || memcmp(enc, text, elen) != 0)
            abort();
        uint8_t *back = malloc((size_t)n ? (size_t)n : 1);
        if (decode_exact(enc, elen, (size_t)n, back) != n || memcmp(back, bytes, (size_t)n) != 0)
            abort();
        free(back);
        free(enc);
    }
    free(bytes);
}

/* Byte side: any bytes encode to text of the announced length that decodes back to them,
 * also with the '=' padding that completes the last quantum. */
static void check_bytes(const uint8_t *bytes, size_t len)
{
    size_t elen = gs_base64_url_encoded_len(len);
    char *enc = malloc(elen + 2);
    if (gs_base64_url_encode(bytes, len, enc) != elen)
        abort();
    for (size_t i = 0; i < elen; i++)
        if (!((enc[i] >= 'A' && enc[i] <= 'Z') || (enc[i] >= 'a' && enc[i] <= 'z') ||
              (enc[i] >= '0' && enc[i] <= '9') || enc[i] == '-' || enc[i] == '_'))
            abort();
    uint8_t *back = malloc(len ? len : 1);
    if (decode_exact(enc, elen, len, back) != (ssize_t)len || memcmp(back, bytes, len) != 0)
        abort();
    size_t padded = elen;
    while (padded % 4)
        enc[padded++] = '=';
    if (decode_exact(enc, padded, len, back) != (ssize_t)len || memcmp(back, bytes, len) != 0)
        abort();
    free(back);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy so reads past |size| are caught by ASan. */
    char *text = malloc(size ? size : 1);
    memcpy(text, data, size);
    check_text(text, size);
    check_bytes((const uint8_t *)text, size);
    free(text);
    return 0;
}
