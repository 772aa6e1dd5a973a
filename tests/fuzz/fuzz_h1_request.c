/* SPDX-License-Identifier: MIT */
/* Fuzz target for the HTTP/1.1 request-head parser and the chunked decoder: whole-buffer and
 * split parses must agree, and parsed spans must lie inside the input. */
#include "gs_chunked.h"
#include "gs_error.h"
#include "gs_h1_request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_spans(const gs_h1_request *req, const char *data, size_t len)
{
    const char *end = data + len;
    if (req->method < data || req->method + req->method_len > end)
        abort();
    if (req->target < data || req->target + req->target_len > end)
        abort();
    for (size_t i = 0; i < req->num_headers; i++) {
        const gs_h1_header *h = &req->headers[i];
        if (h->name < data || h->name + h->name_len > end || h->value < data ||
            h->value + h->value_len > end)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    /* A private copy so reads past |size| are caught by ASan. */
    char *data = malloc(size ? size : 1);
    memcpy(data, bytes, size);

    gs_h1_request whole;
    gs_h1_request_reset(&whole);
    gs_h1_limits small = {
        .max_request_line = 256, .max_field_line = 256, .max_head = 1024, .max_headers = 8};
    ssize_t rc = gs_h1_request_parse(&whole, data, size, NULL);

    /* The same bytes in two pieces (resuming the scan) must give the same answer, unless the
     * first piece already broke a limit. */
    size_t cut = size / 2;
    gs_h1_request split;
    gs_h1_request_reset(&split);
    ssize_t first = gs_h1_request_parse(&split, data, cut, NULL);
    if (first == GS_ERR_INCOMPLETE) {
        ssize_t second = gs_h1_request_parse(&split, data, size, NULL);
        if (second != rc && rc != GS_ERR_RANGE && second != GS_ERR_RANGE)
            abort();
    }

    if (rc > 0) {
        if ((size_t)rc > size)
            abort();
        check_spans(&whole, data, size);
        if (gs_h1_error_status(whole.error) != 0)
            abort();
        if (whole.body == GS_H1_BODY_CHUNKED) {
            gs_chunked c;
            gs_chunked_init(&c);
            gs_buf out = {0};
            ssize_t n = gs_chunked_decode(&c, data + rc, size - (size_t)rc, &out);
            if (n >= 0 && (size_t)n > size - (size_t)rc)
                abort();
            if (out.len != c.total)
                abort();
            gs_buf_clear(&out);
        }
    } else if (rc != GS_ERR_INCOMPLETE) {
        if (gs_h1_error_status(whole.error) < 400)
            abort();
    }

    gs_h1_request lim;
    gs_h1_request_reset(&lim);
    if (gs_h1_request_parse(&lim, data, size, &small) > 0)
        check_spans(&lim, data, size);
    free(data);
    return 0;
}
