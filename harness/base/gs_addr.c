/* SPDX-License-Identifier: MIT */
/* Network address text (gs_addr.h): IP literals, "host:port" splitting and resolving. Parsing
 * is pure; only gs_addr_resolve* call the resolver. */
#include "gs_addr.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool gs_addr_is_ip_literal(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* True when the |len| bytes at |h| are an IPv6 literal (a "%zone" suffix allowed). */
static bool addr_is_v6(const char *h, size_t len)
{
    char tmp[INET6_ADDRSTRLEN + 1];
    unsigned char buf[16];
    const char *zone = memchr(h, '%', len);
    if (zone)
        len = (size_t)(zone - h);
    if (len >= sizeof(tmp))
        return false;
    memcpy(tmp, h, len);
    tmp[len] = '\0';
    return inet_pton(AF_INET6, tmp, buf) == 1;
}

static int addr_parse_port(const char *s, const char *p, unsigned flags, uint16_t *port,
                           gs_error *err)
{
    unsigned lo = (flags & GS_ADDR_PORT_ZERO) ? 0 : 1;
    if (*p == '\0')
        return gs_error_set(err, GS_ERR_INVALID, "\"%s\": empty port", s);
    size_t n = strspn(p, "0123456789");
    if (p[n] != '\0')
        return gs_error_set(err, GS_ERR_INVALID, "\"%s\": port \"%s\" is not a number", s, p);
    unsigned long v = n > 5 ? 100000 : strtoul(p, NULL, 10);
    if (v < lo || v > 65535)
        return gs_error_set(err, GS_ERR_INVALID, "\"%s\": port %s is out of range (%u-65535)", s, p,
                            lo);
    *port = (uint16_t)v;
    return 0;
}

int gs_addr_parse_hostport(const char *s, unsigned flags, char *host, size_t host_size,
                           uint16_t *port, gs_error *err)
{
    const char *h = s, *p = NULL; /* host start; port text after ':' (NULL: none) */
    size_t hlen;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL)
            return gs_error_set(err, GS_ERR_INVALID, "\"%s\": missing \"]\" after the IPv6 address",
                                s);
        h = s + 1;
        hlen = (size_t)(close - h);
        if (close[1] == ':')
            p = close + 2;
        else if (close[1] != '\0')
            return gs_error_set(err, GS_ERR_INVALID, "\"%s\": expected \":port\" after \"]\"", s);
        if (hlen > 0 && !addr_is_v6(h, hlen))
            return gs_error_set(err, GS_ERR_INVALID,
                                "\"%s\": \"%.*s\" in brackets is not an IPv6 address", s, (int)hlen,
                                h);
    } else {
        const char *colon = strrchr(s, ':');
        hlen = colon ? (size_t)(colon - s) : strlen(s);
        if (colon)
            p = colon + 1;
        if (memchr(s, ':', hlen) != NULL && ((flags & GS_ADDR_STRICT_V6) || !addr_is_v6(s, hlen)))
            return gs_error_set(err, GS_ERR_INVALID,
                                "\"%s\": a host with ':' must be an IPv6 address in brackets, "
                                "like \"[::1]:8080\"",
                                s);
    }
    if (p == NULL && !(flags & GS_ADDR_PORT_OPTIONAL))
        return gs_error_set(err, GS_ERR_INVALID, "\"%s\": missing \":port\"", s);
    if (hlen == 0 && !(flags & GS_ADDR_EMPTY_HOST))
        return gs_error_set(err, GS_ERR_INVALID, "\"%s\": empty host", s);
    if (hlen >= host_size)
        return gs_error_set(err, GS_ERR_INVALID, "\"%s\": host is longer than %zu bytes", s,
                            host_size ? host_size - 1 : 0);
    if (p != NULL) {
        int rc = addr_parse_port(s, p, flags, port, err);
        if (rc < 0)
            return rc;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    return 0;
}

int gs_addr_resolve(const char *host, uint16_t port, struct sockaddr_storage *out,
                    socklen_t *out_len, gs_error *err)
{
    char service[8];
    snprintf(service, sizeof(service), "%u", (unsigned)port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | (host[0] ? 0 : AI_PASSIVE)};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host[0] ? host : NULL, service, &hints, &res);
    if (rc != 0 || res == NULL) {
        if (res)
            freeaddrinfo(res);
        return gs_error_set(err, GS_ERR_INVALID, "cannot resolve \"%s\": %s", host,
                            rc ? gai_strerror(rc) : "no address");
    }
    memcpy(out, res->ai_addr, res->ai_addrlen);
    *out_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int gs_addr_resolve_hostport(const char *s, unsigned flags, struct sockaddr_storage *out,
                             socklen_t *out_len, gs_error *err)
{
    char host[256];
    uint16_t port = 0;
    int rc = gs_addr_parse_hostport(s, flags, host, sizeof(host), &port, err);
    if (rc < 0)
        return rc;
    gs_error sub;
    rc = gs_addr_resolve(host, port, out, out_len, &sub);
    if (rc < 0)
        return gs_error_set(err, rc, "\"%s\": %s", s, sub.msg);
    return 0;
}

int gs_addr_format(const struct sockaddr *sa, char *out, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "";
    int port;
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
        port = ntohs(a->sin6_port);
        snprintf(out, size, "[%s]:%d", ip, port);
    } else if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
        port = ntohs(a->sin_port);
        snprintf(out, size, "%s:%d", ip, port);
    } else {
        snprintf(out, size, "?");
        port = -1;
    }
    return port;
}
