/* SPDX-License-Identifier: MIT */
/* Command-line parsing for gatesim-echo (getopt_long). Validates values and combinations here
 * so the server can trust its configuration. */
#include "echo_config.h"

#include "gs_alloc.h"

#ifndef GS_VERSION
#define GS_VERSION "dev"
#endif
#include "gs_suggest.h"
#include "gs_time.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char echo_usage[] =
    "usage: gatesim-echo [options]\n"
    "\n"
    "The gatesim echo backend: answers every HTTP/1.1, h2c, HTTP/2-over-TLS and gRPC request\n"
    "with what it saw (JSON for HTTP, a protobuf EchoResponse for gRPC), and every line on a\n"
    "TCP or TLS stream and every UDP datagram with one JSON line. See docs/echo.md.\n"
    "\n"
    "identity:\n"
    "  --service NS/NAME        the Service this process stands in for (default default/echo)\n"
    "  --replica ID             replica id, echoed as \"pod\" (default 0)\n"
    "listeners (port 0 picks a free port; the ready line on stdout tells which):\n"
    "  --listen HOST:PORT       HTTP/1.1 + h2c (prior knowledge) + gRPC (default 127.0.0.1:0)\n"
    "  --no-listen              no HTTP/h2c listener\n"
    "  --tls-listen HOST:PORT   TLS listener, ALPN h2 and http/1.1 (needs --cert and --key)\n"
    "  --tcp-listen HOST:PORT   TCP line echo: each line gets one JSON line back\n"
    "  --tcp-tls-listen H:P     TLS (no ALPN), then the line echo (needs --cert and --key)\n"
    "  --udp-listen HOST:PORT   UDP echo: each datagram gets one JSON datagram back\n"
    "  --cert FILE --key FILE   PEM certificate (chain) and key for the TLS listeners\n"
    "  --tls-names H1[,H2..]    instead: generate a certificate for these names (own CA),\n"
    "                           its SHA-256 fingerprint in the ready line\n"
    "  --client-ca FILE         ask TLS clients for a certificate, verify it against FILE when\n"
    "                           given, echo it as tls.peerCertificates\n"
    "  --require-client-cert    with --client-ca: refuse the TLS handshake of a client that\n"
    "                           sends no certificate\n"
    "  --control-listen H:P     request log and counters (default 127.0.0.1:0)\n"
    "  --threads N              event loops sharing the ports (default 1)\n"
    "faults (a scenario's backends[].behaviour):\n"
    "  --delay DUR              delay every response (\"5ms\")\n"
    "  --delay-max DUR          random delay, uniform in [--delay, --delay-max]\n"
    "  --error-rate P           answer this fraction of requests with --error-status\n"
    "  --error-status N         status for injected errors (default 503)\n"
    "  --reset-rate P           reset this fraction of requests (h1: TCP RST; h2: RST_STREAM)\n"
    "  --slow-body DUR          send bodies in 64-byte pieces DUR apart\n"
    "  --seed N                 seed for the fault draws (default: from the clock)\n"
    "limits:\n"
    "  --log-size N             request ids kept in the log ring (default 65536)\n"
    "  --max-body BYTES         request body bytes kept for echoing (default 1048576)\n"
    "  --idle-timeout DUR       idle keep-alive and slow-header limit (default 30s)\n"
    "  --header-timeout DUR     total time for a TLS handshake, an HTTP/1.1 request head\n"
    "                           or an HTTP/2 header block, however its bytes trickle\n"
    "                           (default 10s)\n"
    "  --shutdown-timeout DUR   bound on draining at SIGTERM (default 5s)\n"
    "  --max-connections N      per thread (default 10000)\n"
    "  --quiet                  fewer diagnostics on stderr\n"
    "  --access-log             one line per request on stderr\n"
    "  --version                print the version and exit\n"
    "  -h, --help               this help\n";

enum {
    OPT_SERVICE = 256,
    OPT_REPLICA,
    OPT_LISTEN,
    OPT_NO_LISTEN,
    OPT_TLS_LISTEN,
    OPT_TCP_LISTEN,
    OPT_TCP_TLS_LISTEN,
    OPT_UDP_LISTEN,
    OPT_CERT,
    OPT_TLS_NAMES,
    OPT_KEY,
    OPT_CLIENT_CA,
    OPT_REQUIRE_CLIENT_CERT,
    OPT_CONTROL,
    OPT_THREADS,
    OPT_DELAY,
    OPT_DELAY_MAX,
    OPT_ERROR_RATE,
    OPT_ERROR_STATUS,
    OPT_RESET_RATE,
    OPT_SLOW_BODY,
    OPT_SEED,
    OPT_LOG_SIZE,
    OPT_MAX_BODY,
    OPT_IDLE_TIMEOUT,
    OPT_HEADER_TIMEOUT,
    OPT_SHUTDOWN_TIMEOUT,
    OPT_MAX_CONNECTIONS,
    OPT_QUIET,
    OPT_ACCESS_LOG,
};

static const struct option echo_options[] = {
    {"service", required_argument, NULL, OPT_SERVICE},
    {"replica", required_argument, NULL, OPT_REPLICA},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"no-listen", no_argument, NULL, OPT_NO_LISTEN},
    {"tls-listen", required_argument, NULL, OPT_TLS_LISTEN},
    {"tcp-listen", required_argument, NULL, OPT_TCP_LISTEN},
    {"tcp-tls-listen", required_argument, NULL, OPT_TCP_TLS_LISTEN},
    {"udp-listen", required_argument, NULL, OPT_UDP_LISTEN},
    {"cert", required_argument, NULL, OPT_CERT},
    {"tls-names", required_argument, NULL, OPT_TLS_NAMES},
    {"key", required_argument, NULL, OPT_KEY},
    {"client-ca", required_argument, NULL, OPT_CLIENT_CA},
    {"require-client-cert", no_argument, NULL, OPT_REQUIRE_CLIENT_CERT},
    {"control-listen", required_argument, NULL, OPT_CONTROL},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"delay", required_argument, NULL, OPT_DELAY},
    {"delay-max", required_argument, NULL, OPT_DELAY_MAX},
    {"error-rate", required_argument, NULL, OPT_ERROR_RATE},
    {"error-status", required_argument, NULL, OPT_ERROR_STATUS},
    {"reset-rate", required_argument, NULL, OPT_RESET_RATE},
    {"slow-body", required_argument, NULL, OPT_SLOW_BODY},
    {"seed", required_argument, NULL, OPT_SEED},
    {"log-size", required_argument, NULL, OPT_LOG_SIZE},
    {"max-body", required_argument, NULL, OPT_MAX_BODY},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
    {"shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN_TIMEOUT},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"access-log", no_argument, NULL, OPT_ACCESS_LOG},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int config_uint(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out,
                       gs_error *err)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min || v > max)
        return gs_error_set(err, GS_ERR_USAGE,
                            "--%s: expected a whole number in [%llu, %llu], got '%s'", opt,
                            (unsigned long long)min, (unsigned long long)max, s);
    *out = v;
    return 0;
}

static int config_prob(const char *opt, const char *s, double *out, gs_error *err)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= 0.0 && v <= 1.0))
        return gs_error_set(err, GS_ERR_USAGE, "--%s: expected a probability in [0, 1], got '%s'",
                            opt, s);
    *out = v;
    return 0;
}

static int config_duration(const char *opt, const char *s, int64_t *out, gs_error *err)
{
    gs_error sub;
    if (gs_duration_parse(s, out, &sub) < 0 || *out < 0)
        return gs_error_set(err, GS_ERR_USAGE, "--%s: %s", opt, sub.msg);
    return 0;
}

static int config_check_hostport(const char *opt, const char *s, gs_error *err)
{
    char host[256];
    uint16_t port;
    gs_error sub;
    if (gs_addr_parse_hostport(s, GS_ECHO_ADDR_FLAGS, host, sizeof(host), &port, &sub) < 0)
        return gs_error_set(err, GS_ERR_USAGE, "--%s %s", opt, sub.msg);
    return 0;
}

static void config_defaults(gs_echo_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ns = "default";
    cfg->name = "echo";
    cfg->replica = "0";
    cfg->listen = "127.0.0.1:0";
    cfg->control_listen = "127.0.0.1:0";
    cfg->threads = 1;
    cfg->faults.error_status = 503;
    cfg->log_size = 65536;
    cfg->max_body = 1024 * 1024;
    cfg->idle_timeout_ns = 30 * GS_NS_PER_S;
    cfg->header_timeout_ns = 10 * GS_NS_PER_S;
    cfg->shutdown_timeout_ns = 5 * GS_NS_PER_S;
    cfg->max_connections = 10000;
}

int gs_echo_config_parse(gs_echo_config *cfg, int argc, char **argv, FILE *out, gs_error *err)
{
    config_defaults(cfg);
    opterr = 0;
    optind = 1;
    int c;
    uint64_t u = 0;
    int rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, ":h", echo_options, NULL)) != -1) {
        const char *name = NULL;
        for (const struct option *o = echo_options; o->name != NULL; o++)
            if (o->val == c)
                name = o->name;
        switch (c) {
        case 'h':
            fputs(echo_usage, out);
            return 1;
        case 'V':
            fprintf(out, "gatesim-echo %s\n", GS_VERSION);
            return 1;
        case OPT_SERVICE: {
            const char *slash = strchr(optarg, '/');
            if (slash == NULL || slash == optarg || slash[1] == '\0' || strchr(slash + 1, '/'))
                return gs_error_set(err, GS_ERR_USAGE,
                                    "--service: expected NAMESPACE/NAME, got '%s'", optarg);
            free(cfg->owned_service);
            cfg->owned_service = gs_xstrdup(optarg);
            cfg->owned_service[slash - optarg] = '\0';
            cfg->ns = cfg->owned_service;
            cfg->name = cfg->owned_service + (slash - optarg) + 1;
            break;
        }
        case OPT_REPLICA:
            if (*optarg == '\0')
                return gs_error_set(err, GS_ERR_USAGE, "--replica: empty");
            cfg->replica = optarg;
            break;
        case OPT_LISTEN:
            rc = config_check_hostport(name, optarg, err);
            cfg->listen = optarg;
            break;
        case OPT_NO_LISTEN:
            cfg->no_plain = true;
            break;
        case OPT_TLS_LISTEN:
            rc = config_check_hostport(name, optarg, err);
            cfg->tls_listen = optarg;
            break;
        case OPT_TCP_LISTEN:
            rc = config_check_hostport(name, optarg, err);
            cfg->tcp_listen = optarg;
            break;
        case OPT_TCP_TLS_LISTEN:
            rc = config_check_hostport(name, optarg, err);
            cfg->tcp_tls_listen = optarg;
            break;
        case OPT_UDP_LISTEN:
            rc = config_check_hostport(name, optarg, err);
            cfg->udp_listen = optarg;
            break;
        case OPT_CERT:
            cfg->cert_file = optarg;
            break;
        case OPT_KEY:
            cfg->key_file = optarg;
            break;
        case OPT_TLS_NAMES:
            if (*optarg == '\0' || *optarg == ',' || optarg[strlen(optarg) - 1] == ',' ||
                strstr(optarg, ",,") != NULL)
                return gs_error_set(err, GS_ERR_USAGE,
                                    "--tls-names: expected host names separated by commas, got "
                                    "'%s'",
                                    optarg);
            cfg->tls_names = optarg;
            break;
        case OPT_CLIENT_CA:
            cfg->client_ca = optarg;
            break;
        case OPT_REQUIRE_CLIENT_CERT:
            cfg->require_client_cert = true;
            break;
        case OPT_CONTROL:
            rc = config_check_hostport(name, optarg, err);
            cfg->control_listen = optarg;
            break;
        case OPT_THREADS:
            rc = config_uint(name, optarg, 1, 64, &u, err);
            cfg->threads = (int)u;
            break;
        case OPT_DELAY:
            rc = config_duration(name, optarg, &cfg->faults.delay_ns, err);
            break;
        case OPT_DELAY_MAX:
            rc = config_duration(name, optarg, &cfg->faults.delay_max_ns, err);
            break;
        case OPT_ERROR_RATE:
            rc = config_prob(name, optarg, &cfg->faults.error_rate, err);
            break;
        case OPT_ERROR_STATUS:
            rc = config_uint(name, optarg, 100, 599, &u, err);
            cfg->faults.error_status = (int)u;
            break;
        case OPT_RESET_RATE:
            rc = config_prob(name, optarg, &cfg->faults.reset_rate, err);
            break;
        case OPT_SLOW_BODY:
            rc = config_duration(name, optarg, &cfg->faults.slow_body_ns, err);
            break;
        case OPT_SEED:
            rc = config_uint(name, optarg, 0, UINT64_MAX, &cfg->seed, err);
            cfg->has_seed = true;
            break;
        case OPT_LOG_SIZE:
            rc = config_uint(name, optarg, 1, 1u << 24, &u, err);
            cfg->log_size = (size_t)u;
            break;
        case OPT_MAX_BODY:
            rc = config_uint(name, optarg, 0, 64u << 20, &u, err);
            cfg->max_body = (size_t)u;
            break;
        case OPT_IDLE_TIMEOUT:
            rc = config_duration(name, optarg, &cfg->idle_timeout_ns, err);
            break;
        case OPT_HEADER_TIMEOUT:
            rc = config_duration(name, optarg, &cfg->header_timeout_ns, err);
            break;
        case OPT_SHUTDOWN_TIMEOUT:
            rc = config_duration(name, optarg, &cfg->shutdown_timeout_ns, err);
            break;
        case OPT_MAX_CONNECTIONS:
            rc = config_uint(name, optarg, 1, 1000000, &u, err);
            cfg->max_connections = (int)u;
            break;
        case OPT_QUIET:
            cfg->quiet = true;
            break;
        case OPT_ACCESS_LOG:
            cfg->access_log = true;
            break;
        default: {
            char msg[256];
            gs_suggest_option_error(msg, sizeof(msg), argv[optind - 1], optopt, echo_options,
                                    "h");
            return gs_error_set(err, GS_ERR_USAGE, "%s (see --help)", msg);
        }
        }
    }
    if (rc < 0)
        return rc;
    if (optind < argc)
        return gs_error_set(err, GS_ERR_USAGE, "unexpected argument '%s'", argv[optind]);
    bool any_tls = cfg->tls_listen != NULL || cfg->tcp_tls_listen != NULL;
    bool own_cert = cfg->cert_file != NULL || cfg->key_file != NULL;
    if (own_cert && cfg->tls_names != NULL)
        return gs_error_set(err, GS_ERR_USAGE, "--tls-names and --cert/--key exclude each other");
    if (any_tls && cfg->tls_names == NULL && (cfg->cert_file == NULL || cfg->key_file == NULL))
        return gs_error_set(err, GS_ERR_USAGE, "--%s needs --cert and --key (or --tls-names)",
                            cfg->tls_listen != NULL ? "tls-listen" : "tcp-tls-listen");
    if (!any_tls && (own_cert || cfg->tls_names != NULL))
        return gs_error_set(err, GS_ERR_USAGE,
                            "--%s given without --tls-listen or --tcp-tls-listen",
                            own_cert ? "cert/--key" : "tls-names");
    if (cfg->client_ca != NULL && cfg->tls_listen == NULL)
        return gs_error_set(err, GS_ERR_USAGE, "--client-ca given without --tls-listen");
    if (cfg->require_client_cert && cfg->client_ca == NULL)
        return gs_error_set(err, GS_ERR_USAGE, "--require-client-cert given without --client-ca");
    if (cfg->no_plain && !any_tls && cfg->tcp_listen == NULL && cfg->udp_listen == NULL)
        return gs_error_set(err, GS_ERR_USAGE,
                            "--no-listen leaves no listener (add --tls-listen, --tcp-listen, "
                            "--tcp-tls-listen or --udp-listen)");
    if (cfg->faults.delay_max_ns != 0 && cfg->faults.delay_max_ns < cfg->faults.delay_ns)
        return gs_error_set(err, GS_ERR_USAGE, "--delay-max is below --delay");
    return 0;
}

void gs_echo_config_clear(gs_echo_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->owned_service);
    cfg->owned_service = NULL;
}
