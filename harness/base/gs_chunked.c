/* SPDX-License-Identifier: MIT */
/* Chunked transfer-coding decoder: a byte-at-a-time state machine for the framing, with chunk
 * data copied in runs. Trailer fields are checked for size only and dropped (RFC 9110 §6.5 lets
 * a recipient discard them). */
#include "gs_chunked.h"

#include "gs_error.h"
#include "gs_hex.h"

#include <string.h>

void gs_chunked_init(gs_chunked *c)
{
    memset(c, 0, sizeof(*c));
    c->state = GS_CHUNKED_SIZE;
}

bool gs_chunked_done(const gs_chunked *c)
{
    return c->state == GS_CHUNKED_DONE;
}

static ssize_t chunked_fail(gs_chunked *c)
{
    c->state = GS_CHUNKED_ERROR;
    return GS_ERR_PARSE;
}

/* The size line ended: go to the data, or to the trailer after the last chunk. */
static void chunked_size_line_done(gs_chunked *c)
{
    c->line_len = 0;
    c->size_digits = 0;
    if (c->remaining == 0) {
        c->state = GS_CHUNKED_TRAILER;
        c->trailer_len = 0;
        c->line_empty = true;
    } else {
        c->state = GS_CHUNKED_DATA;
    }
}

ssize_t gs_chunked_decode(gs_chunked *c, const char *in, size_t len, gs_buf *out)
{
    size_t i = 0;
    while (i < len) {
        char ch = in[i];
        switch (c->state) {
        case GS_CHUNKED_SIZE: {
            int h = gs_hex_value(ch);
            if (h >= 0) {
                if (c->size_digits == 16)
                    return chunked_fail(c);
                c->remaining = (c->remaining << 4) | (uint64_t)h;
                c->size_digits++;
                c->line_len++;
                i++;
                break;
            }
            if (c->size_digits == 0)
                return chunked_fail(c);
            c->state = GS_CHUNKED_EXT;
            break; /* re-examine |ch| as part of the extension/line end */
        }
        case GS_CHUNKED_EXT:
            if (++c->line_len > GS_CHUNKED_MAX_LINE)
                return chunked_fail(c);
            i++;
            if (ch == '\r') {
                c->state = GS_CHUNKED_SIZE_LF;
            } else if (ch == '\n') {
                chunked_size_line_done(c);
            } else if ((unsigned char)ch < 0x20 && ch != '\t') {
                return chunked_fail(c);
            } else if (ch != ';' && ch != ' ' && ch != '\t' && c->line_len == c->size_digits + 1) {
                /* After the hex digits only BWS or ';' may start the extension. */
                return chunked_fail(c);
            }
            break;
        case GS_CHUNKED_SIZE_LF:
            if (ch != '\n')
                return chunked_fail(c);
            i++;
            chunked_size_line_done(c);
            break;
        case GS_CHUNKED_DATA: {
            size_t n = len - i;
            if ((uint64_t)n > c->remaining)
                n = (size_t)c->remaining;
            if (out != NULL)
                gs_buf_append(out, in + i, n);
            c->remaining -= n;
            c->total += n;
            i += n;
            if (c->remaining == 0)
                c->state = GS_CHUNKED_DATA_CR;
            break;
        }
        case GS_CHUNKED_DATA_CR:
            i++;
            if (ch == '\r')
                c->state = GS_CHUNKED_DATA_LF;
            else if (ch == '\n')
                c->state = GS_CHUNKED_SIZE;
            else
                return chunked_fail(c);
            break;
        case GS_CHUNKED_DATA_LF:
            if (ch != '\n')
                return chunked_fail(c);
            i++;
            c->state = GS_CHUNKED_SIZE;
            break;
        case GS_CHUNKED_TRAILER:
        case GS_CHUNKED_TRAILER_LINE:
            if (++c->trailer_len > GS_CHUNKED_MAX_TRAILER)
                return chunked_fail(c);
            i++;
            if (ch == '\r') {
                c->state = GS_CHUNKED_TRAILER_LF;
            } else if (ch == '\n') {
                if (c->line_empty) {
                    c->state = GS_CHUNKED_DONE;
                    return (ssize_t)i;
                }
                c->line_empty = true;
                c->state = GS_CHUNKED_TRAILER;
            } else if ((unsigned char)ch < 0x20 && ch != '\t') {
                return chunked_fail(c);
            } else {
                c->line_empty = false;
                c->state = GS_CHUNKED_TRAILER_LINE;
            }
            break;
        case GS_CHUNKED_TRAILER_LF:
            if (ch != '\n')
                return chunked_fail(c);
            i++;
            if (c->line_empty) {
                c->state = GS_CHUNKED_DONE;
                return (ssize_t)i;
            }
            c->line_empty = true;
            c->state = GS_CHUNKED_TRAILER;
            break;
        case GS_CHUNKED_DONE:
            return (ssize_t)i;
        case GS_CHUNKED_ERROR:
            return GS_ERR_PARSE;
        }
    }
    if (c->state == GS_CHUNKED_ERROR)
        return GS_ERR_PARSE;
    return (ssize_t)i;
}
