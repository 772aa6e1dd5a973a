/* SPDX-License-Identifier: MIT */
/* Base64url encoding and strict decoding (see gs_base64.h). A 256-entry table maps characters
 * to their 6-bit values; everything outside the alphabet is refused. */
#include "gs_base64.h"

#include "gs_error.h"

#define B64_BAD 0xff

static const char b64_url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The 6-bit value of a base64url character, or B64_BAD. */
static uint8_t b64_url_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return (uint8_t)(ch - 'A');
    if (ch >= 'a' && ch <= 'z')
        return (uint8_t)(ch - 'a' + 26);
    if (ch >= '0' && ch <= '9')
        return (uint8_t)(ch - '0' + 52);
    if (ch == '-')
        return 62;
    if (ch == '_')
        return 63;
    return B64_BAD;
}

size_t gs_base64_decoded_max(size_t len)
{
    return len / 4 * 3 + (len % 4 ? 3 : 0);
}

size_t gs_base64_url_encoded_len(size_t len)
{
    return len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
}

ssize_t gs_base64_url_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    /* Padding, when present, completes the last quantum to 4 characters: 1 or 2 '='. */
    size_t pad = 0;
    while (pad < len && pad < 3 && in[len - 1 - pad] == '=')
        pad++;
    if (pad) {
        if (len % 4 != 0 || pad > 2)
            return GS_ERR_PARSE;
        len -= pad;
    }
    size_t rem = len % 4;
    if (rem == 1 || (pad && 4 - rem != pad))
        return GS_ERR_PARSE;
    size_t need = len / 4 * 3 + (rem ? rem - 1 : 0);
    if (need > cap)
        return GS_ERR_RANGE;
    size_t o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t v = b64_url_value((unsigned char)in[i]);
        if (v == B64_BAD)
            return GS_ERR_PARSE;
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) /* the last character carries bits beyond the data: not canonical */
        return GS_ERR_PARSE;
    return (ssize_t)o;
}

size_t gs_base64_url_encode(const uint8_t *in, size_t len, char *out)
{
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_url_alphabet[v >> 18];
        out[o++] = b64_url_alphabet[(v >> 12) & 63];
        out[o++] = b64_url_alphabet[(v >> 6) & 63];
        out[o++] = b64_url_alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64_url_alphabet[v >> 18];
        out[o++] = b64_url_alphabet[(v >> 12) & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64_url_alphabet[v >> 18];
        out[o++] = b64_url_alphabet[(v >> 12) & 63];
        out[o++] = b64_url_alphabet[(v >> 6) & 63];
    }
    return o;
}
