/* SPDX-License-Identifier: MIT */
/* The h2c upgrade decision (see gs_gw_h2c.h): header checks, HTTP2-Settings decoding and the
 * SETTINGS value ranges of RFC 7540 §6.5.2 (so that nghttp2 accepts what was taken). */
#include "gs_gw_h2c.h"

#include "gs_alloc.h"
#include "gs_base64.h"
#include "gs_buf.h"
#include "gs_error.h"

#include <string.h>

static gs_gw_h2c_verdict h2c_ignore(gs_gw_h2c *out, const char *why)
{
    out->verdict = GS_GW_H2C_IGNORE;
    out->why = why;
    out->settings_len = 0;
    return out->verdict;
}

bool gs_gw_h2c_in_upgrade(const char *value, size_t len)
{
    return gs_h1_token_list_has(value, len, "h2c");
}

/* True when the SETTINGS payload |p| (|len| bytes) is whole entries with legal values. */
static bool h2c_settings_valid(const uint8_t *p, size_t len)
{
    if (len % 6 != 0)
        return false;
    for (size_t i = 0; i < len; i += 6) {
        uint16_t id = (uint16_t)(p[i] << 8 | p[i + 1]);
        uint32_t v = (uint32_t)p[i + 2] << 24 | (uint32_t)p[i + 3] << 16 | (uint32_t)p[i + 4] << 8 |
                     p[i + 5];
        switch (id) {
        case 0x2: /* ENABLE_PUSH */
        case 0x8: /* ENABLE_CONNECT_PROTOCOL (RFC 8441) */
        case 0x9: /* NO_RFC7540_PRIORITIES (RFC 9218) */
            if (v > 1)
                return false;
            break;
        case 0x4: /* INITIAL_WINDOW_SIZE */
            if (v > 0x7fffffffu)
                return false;
            break;
        case 0x5: /* MAX_FRAME_SIZE */
            if (v < (1u << 14) || v > (1u << 24) - 1)
                return false;
            break;
        default: /* others (and unknown ones, which HTTP/2 ignores) take any value */
            break;
        }
    }
    return true;
}

void gs_gw_h2c_decide(const gs_h1_request *req, bool tls, gs_gw_h2c *out)
{
    memset(out, 0, sizeof(*out));
    bool asked = false, conn_upgrade = false, conn_settings = false;
    const gs_h1_header *settings = NULL;
    size_t n_settings = 0;
    for (size_t i = 0; i < req->num_headers; i++) {
        const gs_h1_header *f = &req->headers[i];
        if (gs_h1_strieq(f->name, f->name_len, "upgrade")) {
            asked = asked || gs_gw_h2c_in_upgrade(f->value, f->value_len);
        } else if (gs_h1_strieq(f->name, f->name_len, "connection")) {
            conn_upgrade = conn_upgrade || gs_h1_token_list_has(f->value, f->value_len, "upgrade");
            conn_settings =
                conn_settings || gs_h1_token_list_has(f->value, f->value_len, "http2-settings");
        } else if (gs_h1_strieq(f->name, f->name_len, "http2-settings")) {
            settings = f;
            n_settings++;
        }
    }
    if (!asked)
        return; /* GS_GW_H2C_NONE */
    if (tls) {
        h2c_ignore(out, "h2c upgrade over TLS (HTTP/2 over TLS is negotiated with ALPN)");
        return;
    }
    if (req->version_minor != 1) {
        h2c_ignore(out, "upgrade in an HTTP/1.0 request");
        return;
    }
    if (!conn_upgrade || !conn_settings) {
        h2c_ignore(out, "Connection does not list both Upgrade and HTTP2-Settings");
        return;
    }
    if (n_settings != 1) {
        h2c_ignore(out,
                   n_settings ? "more than one HTTP2-Settings field" : "no HTTP2-Settings field");
        return;
    }
    if (req->body == GS_H1_BODY_CHUNKED ||
        (req->body == GS_H1_BODY_LENGTH && req->content_length > 0)) {
        h2c_ignore(out, "the request has a body");
        return;
    }
    ssize_t len = gs_base64_url_decode(settings->value, settings->value_len, out->settings,
                                       sizeof(out->settings));
    if (len < 0) {
        h2c_ignore(out, len == GS_ERR_RANGE ? "HTTP2-Settings holds too many settings"
                                            : "HTTP2-Settings is not base64url");
        return;
    }
    if (!h2c_settings_valid(out->settings, (size_t)len)) {
        h2c_ignore(out, "HTTP2-Settings is not a valid SETTINGS payload");
        return;
    }
    out->verdict = GS_GW_H2C_TAKE;
    out->settings_len = (size_t)len;
}

char *gs_gw_h2c_strip_upgrade(const char *value, size_t len)
{
    gs_buf rest = {0};
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && value[i] != ',')
            i++;
        size_t a = start, b = i;
        while (a < b && (value[a] == ' ' || value[a] == '\t'))
            a++;
        while (b > a && (value[b - 1] == ' ' || value[b - 1] == '\t'))
            b--;
        i++; /* past the comma */
        if (b == a || gs_h1_strieq(value + a, b - a, "h2c"))
            continue;
        if (rest.len)
            gs_buf_append(&rest, ", ", 2);
        gs_buf_append(&rest, value + a, b - a);
    }
    if (rest.len == 0) {
        gs_buf_clear(&rest);
        return NULL;
    }
    return rest.data; /* NUL-terminated, malloc'd */
}
