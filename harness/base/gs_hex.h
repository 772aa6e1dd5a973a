/* SPDX-License-Identifier: MIT */
/* The value of one hexadecimal digit, shared by the byte parsers (chunked sizes, JSON \u
 * escapes, percent-decoding, YAML integers). */
#ifndef GS_HEX_H
#define GS_HEX_H

/* 0..15 for '0'-'9', 'a'-'f', 'A'-'F'; -1 for any other byte. */
static inline int gs_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
