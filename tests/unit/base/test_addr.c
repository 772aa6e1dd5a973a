/* SPDX-License-Identifier: MIT */
/* gs_addr: IP literals, the one "host:port" parser (every accepted form and each error message)
 * and resolving numeric addresses. */
#include "gs_addr.h"
#include "gs_test.h"

#include <netinet/in.h>
#include <string.h>

static char host[64];
static uint16_t port;
static gs_error err;

static int parse(const char *s, unsigned flags)
{
    memset(host, 'x', sizeof(host));
    port = 7;
    memset(&err, 0, sizeof(err));
    return gs_addr_parse_hostport(s, flags, host, sizeof(host), &port, &err);
}

START_TEST(ip_literals)
{
    ck_assert(gs_addr_is_ip_literal("127.0.0.1"));
    ck_assert(gs_addr_is_ip_literal("::1"));
    ck_assert(!gs_addr_is_ip_literal("[::1]"));
    ck_assert(!gs_addr_is_ip_literal("example.com"));
}
END_TEST

START_TEST(parses_ipv4_names_and_ipv6)
{
    ck_assert_int_eq(parse("127.0.0.1:8080", 0), 0);
    ck_assert_str_eq(host, "127.0.0.1");
    ck_assert_uint_eq(port, 8080);
    ck_assert_int_eq(parse("backend.example:1", 0), 0);
    ck_assert_str_eq(host, "backend.example");
    ck_assert_uint_eq(port, 1);
    ck_assert_int_eq(parse("h:65535", 0), 0);
    ck_assert_uint_eq(port, 65535);
    ck_assert_int_eq(parse("h:00080", 0), 0);
    ck_assert_uint_eq(port, 80);
    ck_assert_int_eq(parse("[::1]:443", 0), 0);
    ck_assert_str_eq(host, "::1");
    ck_assert_uint_eq(port, 443);
    ck_assert_int_eq(parse("[fe80::1%lo]:9", 0), 0);
    ck_assert_str_eq(host, "fe80::1%lo");
    /* The unbracketed form command lines always took: IPv6 literal, last colon, port. */
    ck_assert_int_eq(parse("::1:80", 0), 0);
    ck_assert_str_eq(host, "::1");
    ck_assert_uint_eq(port, 80);
}
END_TEST

START_TEST(flags_widen_what_is_accepted)
{
    ck_assert_int_eq(parse(":9", GS_ADDR_EMPTY_HOST), 0);
    ck_assert_str_eq(host, "");
    ck_assert_uint_eq(port, 9);
    ck_assert_int_eq(parse("[]:9", GS_ADDR_EMPTY_HOST), 0);
    ck_assert_str_eq(host, "");
    ck_assert_int_eq(parse("[::1]:0", GS_ADDR_PORT_ZERO), 0);
    ck_assert_uint_eq(port, 0);
    ck_assert_int_eq(parse("a.com", GS_ADDR_PORT_OPTIONAL), 0);
    ck_assert_str_eq(host, "a.com");
    ck_assert_uint_eq(port, 7); /* untouched */
    ck_assert_int_eq(parse("[::1]", GS_ADDR_PORT_OPTIONAL), 0);
    ck_assert_str_eq(host, "::1");
    ck_assert_uint_eq(port, 7);
    ck_assert_int_eq(parse("[::1]:5", GS_ADDR_PORT_OPTIONAL), 0);
    ck_assert_uint_eq(port, 5);
}
END_TEST

static void refused(const char *s, unsigned flags, const char *msg)
{
    ck_assert_msg(parse(s, flags) == GS_ERR_INVALID, "accepted %s", s);
    ck_assert_str_eq(err.msg, msg);
    ck_assert_uint_eq(port, 7); /* outputs untouched on failure */
    ck_assert_int_eq(host[0], 'x');
}

START_TEST(errors_say_what_is_wrong)
{
    refused("a.com", 0, "\"a.com\": missing \":port\"");
    refused("[::1]", 0, "\"[::1]\": missing \":port\"");
    refused("a.com:", 0, "\"a.com:\": empty port");
    refused("a.com:http", 0, "\"a.com:http\": port \"http\" is not a number");
    refused("a.com:-1", 0, "\"a.com:-1\": port \"-1\" is not a number");
    refused("a.com:+80", 0, "\"a.com:+80\": port \"+80\" is not a number");
    refused("a.com: 80", 0, "\"a.com: 80\": port \" 80\" is not a number");
    refused("a.com:0", 0, "\"a.com:0\": port 0 is out of range (1-65535)");
    refused("a.com:65536", 0, "\"a.com:65536\": port 65536 is out of range (1-65535)");
    refused("a.com:65536", GS_ADDR_PORT_ZERO,
            "\"a.com:65536\": port 65536 is out of range (0-65535)");
    refused("a.com:1000000", 0, "\"a.com:1000000\": port 1000000 is out of range (1-65535)");
    refused(":80", 0, "\":80\": empty host");
    refused("[]:80", 0, "\"[]:80\": empty host");
    refused("[::1:80", 0, "\"[::1:80\": missing \"]\" after the IPv6 address");
    refused("[::1]80", 0, "\"[::1]80\": expected \":port\" after \"]\"");
    refused("[a.com]:80", 0, "\"[a.com]:80\": \"a.com\" in brackets is not an IPv6 address");
    refused("a:b:80", 0,
            "\"a:b:80\": a host with ':' must be an IPv6 address in brackets, like "
            "\"[::1]:8080\"");
    refused("::1:80", GS_ADDR_STRICT_V6,
            "\"::1:80\": a host with ':' must be an IPv6 address in brackets, like "
            "\"[::1]:8080\"");
    refused("::1", GS_ADDR_PORT_OPTIONAL | GS_ADDR_STRICT_V6,
            "\"::1\": a host with ':' must be an IPv6 address in brackets, like \"[::1]:8080\"");
    refused("", 0, "\"\": missing \":port\"");
    refused("", GS_ADDR_PORT_OPTIONAL, "\"\": empty host");
    char longer[100];
    memset(longer, 'a', 70);
    strcpy(longer + 70, ":80");
    ck_assert_int_eq(parse(longer, 0), GS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "host is longer than 63 bytes"));
}
END_TEST

START_TEST(resolves_numeric_addresses)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    ck_assert_int_eq(gs_addr_resolve_hostport("127.0.0.1:8081", 0, &ss, &len, &err), 0);
    ck_assert_int_eq(ss.ss_family, AF_INET);
    ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
    const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
    ck_assert_uint_eq(ntohs(in->sin_port), 8081);
    ck_assert_uint_eq(ntohl(in->sin_addr.s_addr), 0x7f000001u);
    ck_assert_int_eq(gs_addr_resolve_hostport("[::1]:9", 0, &ss, &len, &err), 0);
    ck_assert_int_eq(ss.ss_family, AF_INET6);
    ck_assert_uint_eq(ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port), 9);
    /* "" is every local address (listening). */
    ck_assert_int_eq(gs_addr_resolve("", 0, &ss, &len, &err), 0);
    /* Parse errors come through unchanged. */
    ck_assert_int_eq(gs_addr_resolve_hostport("127.0.0.1", 0, &ss, &len, &err), GS_ERR_INVALID);
    ck_assert_str_eq(err.msg, "\"127.0.0.1\": missing \":port\"");
    /* An unresolvable name: ".invalid" never resolves (RFC 6761). */
    ck_assert_int_eq(gs_addr_resolve_hostport("no-such-host.invalid:80", 0, &ss, &len, &err),
                     GS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "\"no-such-host.invalid:80\": cannot resolve "
                                          "\"no-such-host.invalid\": "));
}
END_TEST

START_TEST(formats_addresses_with_ports)
{
    char out[64];
    struct sockaddr_storage ss;
    socklen_t len;
    ck_assert_int_eq(gs_addr_resolve_hostport("127.0.0.1:8080", 0, &ss, &len, &err), 0);
    ck_assert_int_eq(gs_addr_format((struct sockaddr *)&ss, out, sizeof(out)), 8080);
    ck_assert_str_eq(out, "127.0.0.1:8080");
    ck_assert_int_eq(gs_addr_resolve_hostport("[::1]:53", 0, &ss, &len, &err), 0);
    ck_assert_int_eq(gs_addr_format((struct sockaddr *)&ss, out, sizeof(out)), 53);
    ck_assert_str_eq(out, "[::1]:53");
    struct sockaddr unix_like = {.sa_family = AF_UNIX};
    ck_assert_int_eq(gs_addr_format(&unix_like, out, sizeof(out)), -1);
    ck_assert_str_eq(out, "?");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("addr");
    TCase *tc = tcase_create("addr");
    tcase_add_test(tc, ip_literals);
    tcase_add_test(tc, parses_ipv4_names_and_ipv6);
    tcase_add_test(tc, flags_widen_what_is_accepted);
    tcase_add_test(tc, errors_say_what_is_wrong);
    tcase_add_test(tc, resolves_numeric_addresses);
    tcase_add_test(tc, formats_addresses_with_ports);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
