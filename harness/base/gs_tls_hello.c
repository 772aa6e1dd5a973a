/* SPDX-License-Identifier: MIT */
/* The ClientHello reader (gs_tls_hello.h). Two steps: gather the handshake message from the
 * records it came in (RFC 8446 5.1: a handshake message may be split over records), then walk
 * the ClientHello's fields (RFC 8446 4.1.2) and extensions (RFC 6066 3 server_name, RFC 7301
 * ALPN) with a bounds-checked cursor. */
#include "gs_tls_hello.h"

#include "gs_error.h"

#include <string.h>

#define TLS_RECORD_HANDSHAKE 22
#define TLS_HANDSHAKE_CLIENT_HELLO 1
#define TLS_RECORD_MAX 16384 /* plaintext record fragment limit (2^14) */
#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_ALPN 16
#define TLS_SNI_HOST_NAME 0

/* A read-only cursor over bytes; a read past the end sets |bad| and yields zeros. */
typedef struct hello_cur {
    const uint8_t *p;
    size_t left;
    bool bad;
} hello_cur;

static uint32_t cur_uint(hello_cur *c, size_t n)
{
    if (c->bad || c->left < n) {
        c->bad = true;
        return 0;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | c->p[i];
    c->p += n;
    c->left -= n;
    return v;
}

/* A sub-cursor over the next |n| bytes (which it skips in |c|). */
static hello_cur cur_sub(hello_cur *c, size_t n)
{
    hello_cur s = {.p = c->p, .left = n, .bad = c->bad || c->left < n};
    if (s.bad) {
        c->bad = true;
        s.left = 0;
        return s;
    }
    c->p += n;
    c->left -= n;
    return s;
}

static int hello_fail(const char **why, int rc, const char *reason)
{
    if (why != NULL)
        *why = reason;
    return rc;
}

/* Gathers the handshake message body from the records at |data| into |msg| (|*msg_len| bytes).
 * Returns 0, or an error as gs_tls_hello_parse. */
static int hello_gather(const uint8_t *data, size_t len, uint8_t *msg, size_t *msg_len,
                        size_t *record_bytes, const char **why)
{
    size_t off = 0, have = 0, want = 0; /* want: 4 + body length, once the header is known */
    for (int rec = 0;; rec++) {
        if (rec == GS_TLS_HELLO_MAX_RECORDS)
            return hello_fail(why, GS_ERR_RANGE, "ClientHello spans too many records");
        if (len - off < 5) {
            if (len - off >= 1 && data[off] != TLS_RECORD_HANDSHAKE)
                return hello_fail(why, GS_ERR_PARSE, "not a TLS handshake record");
            return hello_fail(why, GS_ERR_INCOMPLETE, "truncated record header");
        }
        const uint8_t *h = data + off;
        size_t frag = (size_t)h[3] << 8 | h[4];
        if (h[0] != TLS_RECORD_HANDSHAKE)
            return hello_fail(why, GS_ERR_PARSE, "not a TLS handshake record");
        if (h[1] != 3 || h[2] > 4)
            return hello_fail(why, GS_ERR_PARSE, "unknown record version");
        if (frag == 0 || frag > TLS_RECORD_MAX)
            return hello_fail(why, GS_ERR_PARSE, "bad record length");
        size_t avail = len - off - 5;
        size_t take = frag < avail ? frag : avail;
        if (have + take > 4 + GS_TLS_HELLO_MAX)
            return hello_fail(why, GS_ERR_RANGE, "ClientHello too large");
        memcpy(msg + have, h + 5, take);
        have += take;
        if (want == 0 && have >= 4) {
            if (msg[0] != TLS_HANDSHAKE_CLIENT_HELLO)
                return hello_fail(why, GS_ERR_PARSE,
                                  "first handshake message is not a ClientHello");
            size_t body = (size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3];
            if (body > GS_TLS_HELLO_MAX)
                return hello_fail(why, GS_ERR_RANGE, "ClientHello too large");
            want = 4 + body;
        }
        if (take < frag) /* the record is not complete yet */
            return hello_fail(why, GS_ERR_INCOMPLETE, "truncated record");
        off += 5 + frag;
        if (want != 0 && have >= want) {
            if (have > want) /* another message shares the record: not what a client sends */
                return hello_fail(why, GS_ERR_PARSE, "data after the ClientHello");
            *msg_len = have;
            *record_bytes = off;
            return 0;
        }
    }
}

/* A host name as SNI carries it (RFC 6066: ASCII, no trailing dot): letters, digits, '-', '.'
 * and '_' (seen in the wild), at most 255 bytes, not empty. */
static bool hello_sni_ok(const uint8_t *p, size_t n)
{
    if (n == 0 || n > 255 || p[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_';
        if (!ok)
            return false;
    }
    return true;
}

static int hello_server_name(hello_cur ext, gs_tls_hello *out, const char **why)
{
    hello_cur list = cur_sub(&ext, cur_uint(&ext, 2));
    if (ext.bad || ext.left != 0 || list.left == 0)
        return hello_fail(why, GS_ERR_PARSE, "malformed server_name extension");
    while (list.left > 0) {
        uint32_t type = cur_uint(&list, 1);
        hello_cur name = cur_sub(&list, cur_uint(&list, 2));
        if (list.bad)
            return hello_fail(why, GS_ERR_PARSE, "malformed server_name extension");
        if (type != TLS_SNI_HOST_NAME || out->has_sni)
            continue; /* RFC 6066: one host_name; other types are ignored */
        if (!hello_sni_ok(name.p, name.left))
            return hello_fail(why, GS_ERR_PARSE, "server name is not a host name");
        for (size_t i = 0; i < name.left; i++) {
            uint8_t ch = name.p[i];
            out->sni[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
        }
        out->sni[name.left] = '\0';
        out->has_sni = true;
    }
    return 0;
}

/* The extensions block: each type at most once (RFC 8446 4.2). Only server_name and ALPN are
 * read; the rest are skipped by length. */
static int hello_extensions(hello_cur exts, gs_tls_hello *out, const char **why)
{
    uint16_t seen[64];
    size_t n_seen = 0;
    while (exts.left > 0) {
        uint16_t type = (uint16_t)cur_uint(&exts, 2);
        hello_cur ext = cur_sub(&exts, cur_uint(&exts, 2));
        if (exts.bad)
            return hello_fail(why, GS_ERR_PARSE, "extension overruns the ClientHello");
        for (size_t i = 0; i < n_seen; i++)
            if (seen[i] == type)
                return hello_fail(why, GS_ERR_PARSE, "duplicate extension");
        if (n_seen < sizeof seen / sizeof seen[0])
            seen[n_seen++] = type;
        if (type == TLS_EXT_SERVER_NAME) {
            int rc = hello_server_name(ext, out, why);
            if (rc < 0)
                return rc;
        } else if (type == TLS_EXT_ALPN) {
            out->has_alpn = true;
        }
    }
    return 0;
}

int gs_tls_hello_parse(const uint8_t *data, size_t len, gs_tls_hello *out, const char **why)
{
    static _Thread_local uint8_t msg[4 + GS_TLS_HELLO_MAX + TLS_RECORD_MAX];
    memset(out, 0, sizeof *out);
    size_t msg_len = 0, record_bytes = 0;
    int rc = hello_gather(data, len, msg, &msg_len, &record_bytes, why);
    if (rc < 0)
        return rc;
    hello_cur c = {.p = msg + 4, .left = msg_len - 4};
    out->version = (uint16_t)cur_uint(&c, 2);
    cur_sub(&c, 32);                                 /* random */
    hello_cur sid = cur_sub(&c, cur_uint(&c, 1));    /* legacy_session_id */
    hello_cur suites = cur_sub(&c, cur_uint(&c, 2)); /* cipher_suites */
    hello_cur comp = cur_sub(&c, cur_uint(&c, 1));   /* legacy_compression_methods */
    if (c.bad || sid.left > 32 || suites.left < 2 || suites.left % 2 != 0 || comp.left < 1)
        return hello_fail(why, GS_ERR_PARSE, "malformed ClientHello");
    if (c.left > 0) {
        hello_cur exts = cur_sub(&c, cur_uint(&c, 2));
        if (c.bad || c.left != 0)
            return hello_fail(why, GS_ERR_PARSE, "malformed extensions block");
        rc = hello_extensions(exts, out, why);
        if (rc < 0)
            return rc;
    }
    out->record_bytes = record_bytes;
    return 0;
}
