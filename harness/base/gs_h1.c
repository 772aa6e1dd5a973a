/* SPDX-License-Identifier: MIT */
/* Tables shared by the HTTP/1.1 request and response parsers. */
#include "gs_h1.h"

#include <stdint.h>
#include <string.h>

/* tchar of RFC 9110 §5.6.2: the bytes of a token (method, field name). */
const unsigned char gs_h1_tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,  ['~'] = 1, ['0'] = 1,
    ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,  ['7'] = 1, ['8'] = 1,
    ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,  ['F'] = 1, ['G'] = 1,
    ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,  ['N'] = 1, ['O'] = 1,
    ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,  ['V'] = 1, ['W'] = 1,
    ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,  ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,  ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,  ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* Controls but HTAB, and DEL: what a field value may not hold (RFC 9110 §5.5; obs-text is
 * allowed). */
const unsigned char gs_h1_value_bad[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
    [0x08] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1,
    [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1,
    [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, [0x7f] = 1,
};

static int h1_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

bool gs_h1_strieq(const char *s, size_t n, const char *lit)
{
    size_t i = 0;
    for (; i < n; i++) {
        if (lit[i] == '\0' || h1_lower((unsigned char)s[i]) != h1_lower((unsigned char)lit[i]))
            return false;
    }
    return lit[i] == '\0';
}

/* Any byte below 0x20 or equal to 0x7f in |x| makes this non-zero (the classic "has a byte less
 * than n" and "has a zero byte" word tricks; exact when asking whether any byte qualifies, and
 * bytes of 0x80 and above, obs-text, never qualify). */
static uint64_t h1_word_suspect(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t del = x ^ (ones * 0x7f);
    return ((x - ones * 0x20) & ~x & highs) | ((del - ones) & ~del & highs);
}

/* The eight bytes at |p| as a word whose least significant byte is p[0]: borrows in
 * h1_word_suspect run from lower to higher addresses, so its lowest flagged byte is a true one. */
static uint64_t h1_load_le(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}

size_t gs_h1_value_span(const char *s, size_t n)
{
    size_t k = 0;
    while (k + 8 <= n) {
        uint64_t m = h1_word_suspect(h1_load_le(s + k));
        if (m == 0) {
            k += 8;
            continue;
        }
        size_t j = k + (size_t)__builtin_ctzll(m) / 8; /* the first byte below 0x20 or DEL */
        if (s[j] != '\t')
            return j;
        k = j + 1; /* HTAB is allowed: go on after it */
    }
    for (; k < n; k++) {
        if (gs_h1_value_bad[(unsigned char)s[k]])
            return k;
    }
    return n;
}

bool gs_h1_value_valid(const char *s, size_t n)
{
    return gs_h1_value_span(s, n) == n;
}
