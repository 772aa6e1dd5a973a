/* SPDX-License-Identifier: MIT */
/* gatesim-echo command line: defaults, every value kind, and the usage errors. */
#include "echo_config.h"
#include "gs_test.h"
#include "gs_time.h"

#include <stdio.h>
#include <string.h>

static int parse(gs_echo_config *cfg, gs_error *err, int argc, const char **args)
{
    char *argv[32];
    argv[0] = (char *)(uintptr_t) "gatesim-echo";
    for (int i = 0; i < argc; i++)
        argv[i + 1] = (char *)(uintptr_t)args[i];
    argv[argc + 1] = NULL;
    FILE *devnull = fopen("/dev/null", "w");
    int rc = gs_echo_config_parse(cfg, argc + 1, argv, devnull, err);
    fclose(devnull);
    return rc;
}

START_TEST(defaults)
{
    gs_echo_config cfg;
    gs_error err;
    ck_assert_int_eq(parse(&cfg, &err, 0, NULL), 0);
    ck_assert_str_eq(cfg.ns, "default");
    ck_assert_str_eq(cfg.name, "echo");
    ck_assert_str_eq(cfg.replica, "0");
    ck_assert_str_eq(cfg.listen, "127.0.0.1:0");
    ck_assert_ptr_null(cfg.tls_listen);
    ck_assert_int_eq(cfg.threads, 1);
    ck_assert_int_eq(cfg.faults.error_status, 503);
    ck_assert(!cfg.has_seed);
    gs_echo_config_clear(&cfg);
}
END_TEST

START_TEST(all_values)
{
    const char *args[] = {
        "--service",      "team-a/app", "--replica",    "r2",    "--listen",     "[::1]:0",
        "--tls-listen",   ":8443",      "--cert",       "c.pem", "--key",        "k.pem",
        "--delay",        "5ms",        "--delay-max",  "1.5s",  "--error-rate", "0.25",
        "--error-status", "500",        "--reset-rate", "1",     "--slow-body",  "10ms",
        "--seed",         "42",         "--threads",    "2",     "--log-size",   "10"};
    gs_echo_config cfg;
    gs_error err;
    ck_assert_int_eq(parse(&cfg, &err, (int)(sizeof(args) / sizeof(args[0])), args), 0);
    ck_assert_str_eq(cfg.ns, "team-a");
    ck_assert_str_eq(cfg.name, "app");
    ck_assert_str_eq(cfg.replica, "r2");
    ck_assert_str_eq(cfg.tls_listen, ":8443");
    ck_assert(cfg.faults.delay_ns == 5 * GS_NS_PER_MS);
    ck_assert(cfg.faults.delay_max_ns == 1500 * GS_NS_PER_MS);
    ck_assert(cfg.faults.error_rate == 0.25);
    ck_assert_int_eq(cfg.faults.error_status, 500);
    ck_assert(cfg.faults.reset_rate == 1.0);
    ck_assert(cfg.faults.slow_body_ns == 10 * GS_NS_PER_MS);
    ck_assert(cfg.has_seed);
    ck_assert_uint_eq(cfg.seed, 42);
    ck_assert_int_eq(cfg.threads, 2);
    ck_assert_uint_eq(cfg.log_size, 10);
    gs_echo_config_clear(&cfg);
}
END_TEST

/* 0 is a seed like any other: it must not mean "draw one from the clock". */
START_TEST(seed_zero_is_a_seed)
{
    const char *args[] = {"--seed", "0"};
    gs_echo_config cfg;
    gs_error err;
    ck_assert_int_eq(parse(&cfg, &err, 2, args), 0);
    ck_assert(cfg.has_seed);
    ck_assert_uint_eq(cfg.seed, 0);
    gs_echo_config_clear(&cfg);
}
END_TEST

START_TEST(usage_errors)
{
    static const char *const cases[][3] = {
        {"--service", "noslash", NULL}, {"--service", "a/b/c", NULL},
        {"--listen", "nowhere", NULL},  {"--listen", "h:70000", NULL},
        {"--error-rate", "1.5", NULL},  {"--error-rate", "x", NULL},
        {"--error-status", "99", NULL}, {"--delay", "5 parsecs", NULL},
        {"--tls-listen", ":0", NULL},   {"--cert", "c.pem", NULL},
        {"--no-listen", NULL, NULL},    {"--bogus", NULL, NULL},
        {"--threads", "0", NULL},       {"--delay", "2s", "--delay-max"},
        {"stray", NULL, NULL},          {"--replica", "", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *args[4];
        int n = 0;
        for (int k = 0; k < 3 && cases[i][k] != NULL; k++)
            args[n++] = cases[i][k];
        if (i == 13)
            args[n++] = "1s";
        gs_echo_config cfg;
        gs_error err = {0};
        ck_assert_msg(parse(&cfg, &err, n, args) == GS_ERR_USAGE, "case %zu accepted", i);
        ck_assert_msg(strlen(err.msg) > 0, "case %zu: no message", i);
        gs_echo_config_clear(&cfg);
    }
    const char *help[] = {"--help"};
    gs_echo_config cfg;
    gs_error err;
    ck_assert_int_eq(parse(&cfg, &err, 1, help), 1);
    gs_echo_config_clear(&cfg);
}
END_TEST

/* The layer-4 listeners: each alone is enough with --no-listen; the TLS one needs the
 * certificate, which then no longer needs --tls-listen. */
START_TEST(l4_listeners)
{
    const char *args[] = {
        "--no-listen", "--tcp-listen", ":7000", "--udp-listen", "[::1]:0", "--tcp-tls-listen",
        "127.0.0.1:0", "--cert",       "c.pem", "--key",        "k.pem"};
    gs_echo_config cfg;
    gs_error err = {0};
    ck_assert_int_eq(parse(&cfg, &err, 11, args), 0);
    ck_assert_str_eq(cfg.tcp_listen, ":7000");
    ck_assert_str_eq(cfg.udp_listen, "[::1]:0");
    ck_assert_str_eq(cfg.tcp_tls_listen, "127.0.0.1:0");
    ck_assert_ptr_null(cfg.tls_listen);
    gs_echo_config_clear(&cfg);
    ck_assert_int_eq(parse(&cfg, &err, 3, args), 0); /* --no-listen --tcp-listen :7000 */
    gs_echo_config_clear(&cfg);
    const char *udp_only[] = {"--no-listen", "--udp-listen", ":0"};
    ck_assert_int_eq(parse(&cfg, &err, 3, udp_only), 0);
    gs_echo_config_clear(&cfg);
    const char *no_cert[] = {"--tcp-tls-listen", ":0"};
    ck_assert_int_eq(parse(&cfg, &err, 2, no_cert), GS_ERR_USAGE);
    ck_assert_str_eq(err.msg, "--tcp-tls-listen needs --cert and --key (or --tls-names)");
    gs_echo_config_clear(&cfg);
    const char *named[] = {"--tcp-tls-listen", ":0", "--tls-names", "a.example.com,b.example.com"};
    ck_assert_int_eq(parse(&cfg, &err, 4, named), 0);
    ck_assert_str_eq(cfg.tls_names, "a.example.com,b.example.com");
    gs_echo_config_clear(&cfg);
    const char *names_alone[] = {"--tls-names", "a.example.com"};
    ck_assert_int_eq(parse(&cfg, &err, 2, names_alone), GS_ERR_USAGE);
    ck_assert_str_eq(err.msg, "--tls-names given without --tls-listen or --tcp-tls-listen");
    gs_echo_config_clear(&cfg);
    const char *bad_port[] = {"--udp-listen", "h:70000"};
    ck_assert_int_eq(parse(&cfg, &err, 2, bad_port), GS_ERR_USAGE);
    ck_assert_str_eq(err.msg, "--udp-listen \"h:70000\": port 70000 is out of range (0-65535)");
    gs_echo_config_clear(&cfg);
}
END_TEST

/* The listen addresses take ":port" and port 0 (gs_addr_parse_hostport with
 * GS_ECHO_ADDR_FLAGS) and say precisely what is wrong otherwise. */
START_TEST(listen_addresses)
{
    static const char *const good[] = {"127.0.0.1:80", "[::1]:0", ":9", "0.0.0.0:65535"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        const char *args[] = {"--listen", good[i]};
        gs_echo_config cfg;
        gs_error err = {0};
        ck_assert_msg(parse(&cfg, &err, 2, args) == 0, "%s: %s", good[i], err.msg);
        ck_assert_str_eq(cfg.listen, good[i]);
        gs_echo_config_clear(&cfg);
    }
    static const char *const bad[][2] = {
        {"[::1]0", "--listen \"[::1]0\": expected \":port\" after \"]\""},
        {"h:", "--listen \"h:\": empty port"},
        {"h:-1", "--listen \"h:-1\": port \"-1\" is not a number"},
        {"h:70000", "--listen \"h:70000\": port 70000 is out of range (0-65535)"},
        {"nowhere", "--listen \"nowhere\": missing \":port\""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *args[] = {"--listen", bad[i][0]};
        gs_echo_config cfg;
        gs_error err = {0};
        ck_assert_int_eq(parse(&cfg, &err, 2, args), GS_ERR_USAGE);
        ck_assert_str_eq(err.msg, bad[i][1]);
        gs_echo_config_clear(&cfg);
    }
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("echo_config");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, all_values);
    tcase_add_test(tc, seed_zero_is_a_seed);
    tcase_add_test(tc, usage_errors);
    tcase_add_test(tc, listen_addresses);
    tcase_add_test(tc, l4_listeners);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(config_suite());
}
