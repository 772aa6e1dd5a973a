/* SPDX-License-Identifier: MIT */
/* HdrHistogram's V2 encoding and interval log. The byte layout follows HdrHistogram's
 * AbstractHistogram.encodeIntoByteBuffer (big-endian header, then the counts up to the bucket of
 * the maximum) and encodeIntoCompressedByteBuffer (cookie, length, zlib deflate). */
#include "gs_hdrlog.h"

#include "gs_alloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

/* Cookies: base | 0x10 says "8-byte word size, ZigZag LEB128 counts" (the V2 encoding). */
#define HDR_V2_COOKIE (0x1c849303u | 0x10u)
#define HDR_V2_COMPRESSED_COOKIE (0x1c849304u | 0x10u)
#define HDR_HEADER_LEN 40u

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

/* HdrHistogram's ZigZagEncoding.putLong: zigzag, then 7 bits a byte, least significant first;
 * the ninth byte carries 8 bits. */
static void put_zigzag(gs_buf *out, int64_t value)
{
    uint64_t v = ((uint64_t)value << 1) ^ (uint64_t)(value >> 63);
    uint8_t bytes[9];
    size_t n = 0;
    while (n < 8 && v >= 0x80) {
        bytes[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    bytes[n++] = (uint8_t)v;
    gs_buf_append(out, bytes, n);
}

void gs_hdrlog_encode(const gs_histogram *h, gs_buf *out)
{
    size_t start = out->len;
    uint8_t head[HDR_HEADER_LEN];
    put_be32(head, HDR_V2_COOKIE);
    put_be32(head + 4, 0); /* payload length, filled in below */
    put_be32(head + 8, 0); /* normalizing index offset */
    put_be32(head + 12, GS_HISTOGRAM_SIGNIFICANT_DIGITS);
    put_be64(head + 16, 1); /* lowest discernible value */
    put_be64(head + 24, GS_HISTOGRAM_MAX_VALUE);
    double ratio = 1.0; /* integer to double conversion ratio */
    uint64_t bits;
    memcpy(&bits, &ratio, sizeof(bits));
    put_be64(head + 32, bits);
    gs_buf_append(out, head, sizeof(head));

    size_t limit = gs_histogram_count(h) ? gs_histogram_bucket_of(gs_histogram_max(h)) + 1 : 0;
    for (size_t i = 0; i < limit;) {
        uint64_t c = gs_histogram_bucket_count(h, i++);
        if (c != 0) {
            put_zigzag(out, (int64_t)c);
            continue;
        }
        int64_t zeros = 1;
        while (i < limit && gs_histogram_bucket_count(h, i) == 0) {
            zeros++;
            i++;
        }
        put_zigzag(out, zeros > 1 ? -zeros : 0);
    }
    put_be32((uint8_t *)out->data + start + 4, (uint32_t)(out->len - start - HDR_HEADER_LEN));
}

/* RFC 4648 §4 base64 with padding (HdrHistogram logs use the standard alphabet). */
static void base64_append(gs_buf *out, const uint8_t *in, size_t len)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        char quad[4] = {abc[v >> 18 & 63], abc[v >> 12 & 63], i + 1 < len ? abc[v >> 6 & 63] : '=',
                        i + 2 < len ? abc[v & 63] : '='};
        gs_buf_append(out, quad, 4);
    }
}

int gs_hdrlog_encode_compressed_base64(const gs_histogram *h, gs_buf *out, gs_error *err)
{
    gs_buf plain = {0};
    gs_hdrlog_encode(h, &plain);
    uLongf zlen = compressBound((uLong)plain.len);
    uint8_t *packed = gs_xmalloc(8 + zlen);
    int zrc = compress2(packed + 8, &zlen, (const Bytef *)plain.data, (uLong)plain.len,
                        Z_DEFAULT_COMPRESSION);
    gs_buf_clear(&plain);
    if (zrc != Z_OK) {
        free(packed);
        return gs_error_set(err, GS_ERR_IO, "zlib compress failed (%d)", zrc);
    }
    put_be32(packed, HDR_V2_COMPRESSED_COOKIE);
    put_be32(packed + 4, (uint32_t)zlen);
    base64_append(out, packed, 8 + zlen);
    free(packed);
    return 0;
}

static int hdrlog_flush(FILE *f, gs_error *err)
{
    if (fflush(f) != 0 || ferror(f))
        return gs_error_set(err, GS_ERR_IO, "write failed");
    return 0;
}

int gs_hdrlog_write_header(FILE *f, double base_unix_s, gs_error *err)
{
    time_t secs = (time_t)base_unix_s;
    struct tm tm;
    char human[64];
    gmtime_r(&secs, &tm);
    strftime(human, sizeof(human), "%a %b %d %H:%M:%S UTC %Y", &tm);
    fprintf(f, "#[Histogram log format version 1.3]\n");
    fprintf(f, "#[StartTime: %.3f (seconds since epoch), %s]\n", base_unix_s, human);
    fprintf(f, "#[BaseTime: %.3f (seconds since epoch)]\n", base_unix_s);
    fprintf(f, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
               "\"Interval_Compressed_Histogram\"\n");
    return hdrlog_flush(f, err);
}

int gs_hdrlog_write_interval(FILE *f, const gs_hdrlog_interval *iv, gs_error *err)
{
    gs_buf line = {0};
    if (iv->tag != NULL)
        gs_buf_printf(&line, "Tag=%s,", iv->tag);
    gs_buf_printf(&line, "%.3f,%.3f,%.3f,", iv->start_s, iv->length_s,
                  (double)gs_histogram_max(iv->hist) / 1e6);
    int rc = gs_hdrlog_encode_compressed_base64(iv->hist, &line, err);
    if (rc == 0)
        fprintf(f, "%.*s\n", (int)line.len, line.data);
    gs_buf_clear(&line);
    return rc == 0 ? hdrlog_flush(f, err) : rc;
}

int gs_hdrlog_write(FILE *f, double base_unix_s, const gs_hdrlog_interval *iv, size_t n,
                    gs_error *err)
{
    int rc = gs_hdrlog_write_header(f, base_unix_s, err);
    for (size_t k = 0; k < n && rc == 0; k++)
        rc = gs_hdrlog_write_interval(f, &iv[k], err);
    return rc;
}
