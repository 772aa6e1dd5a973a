/* SPDX-License-Identifier: MIT */
/* Fuzz target for the h2c upgrade decision: the input is parsed as an HTTP/1.1 request head and,
 * when one parses, gs_gw_h2c_decide runs for a cleartext and a TLS connection. Invariants (abort
 * on violation): never TAKE over TLS; TAKE only without a body, with exactly one HTTP2-Settings
 * field whose base64url decodes to the SETTINGS payload reported, a multiple of 6 bytes; and the
 * stripping done for a non-NONE verdict leaves no HTTP2-Settings field and no h2c token. */
#include "gs_base64.h"
#include "gs_error.h"
#include "gs_gw_h2c.h"
#include "gs_gw_headers.h"
#include "gs_h1_request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size);

/* Non-empty comma-separated elements of |v| (trimmed of spaces and tabs) other than h2c. */
static size_t count_non_h2c(const char *v, size_t len)
{
    size_t n = 0, i = 0;
    while (i <= len) {
        size_t a = i;
        while (i < len && v[i] != ',')
            i++;
        size_t b = i++;
        while (a < b && (v[a] == ' ' || v[a] == '\t'))
            a++;
        while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
            b--;
        if (b > a && !gs_h1_strieq(v + a, b - a, "h2c"))
            n++;
    }
    return n;
}

static void check_take(const gs_h1_request *req, const gs_gw_h2c *d)
{
    if (req->version_minor != 1)
        abort();
    if (req->body == GS_H1_BODY_CHUNKED ||
        (req->body == GS_H1_BODY_LENGTH && req->content_length != 0))
        abort();
    if (d->settings_len % 6 != 0 || d->settings_len > sizeof(d->settings))
        abort();
    const gs_h1_header *settings = NULL;
    size_t n = 0;
    bool h2c = false;
    for (size_t i = 0; i < req->num_headers; i++) {
        const gs_h1_header *f = &req->headers[i];
        if (gs_h1_strieq(f->name, f->name_len, "http2-settings")) {
            settings = f;
            n++;
        } else if (gs_h1_strieq(f->name, f->name_len, "upgrade")) {
            h2c = h2c || gs_gw_h2c_in_upgrade(f->value, f->value_len);
        }
    }
    if (n != 1 || !h2c)
        abort();
    /* The payload is what the one field decodes to. */
    uint8_t *dec = malloc(d->settings_len ? d->settings_len : 1);
    ssize_t len = gs_base64_url_decode(settings->value, settings->value_len, dec, d->settings_len);
    if (len != (ssize_t)d->settings_len || memcmp(dec, d->settings, d->settings_len) != 0)
        abort();
    free(dec);
}

/* What the HTTP/1.1 connection does for a verdict other than NONE (gs_gw_h1_conn.c): the fields
 * minus Host go into a header list, HTTP2-Settings is removed, and h2c leaves the Upgrade value. */
static void check_strip(const gs_h1_request *req)
{
    gs_gw_headers h = {0};
    for (size_t i = 0; i < req->num_headers; i++) {
        const gs_h1_header *f = &req->headers[i];
        if (!gs_h1_strieq(f->name, f->name_len, "host"))
            gs_gw_headers_add_n(&h, f->name, f->name_len, f->value, f->value_len);
    }
    gs_gw_headers_remove(&h, "http2-settings");
    if (gs_gw_headers_count(&h, "HTTP2-Settings") != 0 || gs_gw_headers_get(&h, "http2-settings"))
        abort();
    for (size_t i = 0; i < h.len; i++)
        if (gs_h1_strieq(h.items[i].name, h.items[i].name_len, "http2-settings"))
            abort();
    gs_gw_headers_clear(&h);

    for (size_t i = 0; i < req->num_headers; i++) {
        const gs_h1_header *f = &req->headers[i];
        if (!gs_h1_strieq(f->name, f->name_len, "upgrade"))
            continue;
        char *rest = gs_gw_h2c_strip_upgrade(f->value, f->value_len);
        size_t others = count_non_h2c(f->value, f->value_len);
        if (rest == NULL) {
            if (others != 0) /* NULL only when nothing but h2c (or nothing) was there */
                abort();
            continue;
        }
        size_t rlen = strlen(rest);
        if (rlen == 0 || gs_gw_h2c_in_upgrade(rest, rlen) || count_non_h2c(rest, rlen) != others)
            abort();
        free(rest);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    /* A private copy so reads past |size| are caught by ASan. */
    char *data = malloc(size ? size : 1);
    memcpy(data, bytes, size);
    gs_h1_request *req = malloc(sizeof(*req));
    gs_h1_request_reset(req);
    if (gs_h1_request_parse(req, data, size, NULL) > 0) {
        gs_gw_h2c clear, tls;
        gs_gw_h2c_decide(req, false, &clear);
        gs_gw_h2c_decide(req, true, &tls);
        if (tls.verdict == GS_GW_H2C_TAKE)
            abort();
        /* Whether h2c was asked for does not depend on TLS. */
        if ((clear.verdict == GS_GW_H2C_NONE) != (tls.verdict == GS_GW_H2C_NONE))
            abort();
        if (clear.verdict == GS_GW_H2C_TAKE)
            check_take(req, &clear);
        if (clear.verdict == GS_GW_H2C_IGNORE && (clear.why == NULL || clear.settings_len != 0))
            abort();
        if (clear.verdict != GS_GW_H2C_NONE)
            check_strip(req);
    }
    free(req);
    free(data);
    return 0;
}
