/* SPDX-License-Identifier: MIT */
/* `gatesim gateway PATH...`: parses the command line and runs the builtin gateway (gs_gw_run) on
 * the route table the control plane compiles from the manifests, or with --data-plane nginx the
 * nginx target as a gateway (gs_nginx_gateway_run). No logic beyond arguments. It lives in cli
 * because it drives two parts beside each other, gateway and targets (docs/architecture.md). */
#include "gs_alloc.h"
#include "gs_cliopt.h"
#include "gs_gw_load.h"
#include "gs_gw_main.h"
#include "gs_log.h"
#include "gs_synth.h"
#include "gs_target_nginx_gateway.h"
#include "gs_time.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char gs_cmd_gateway_summary[] = "run the builtin gateway on Gateway API manifests";
int gs_cmd_gateway(int argc, char **argv);

static void gateway_usage(FILE *out)
{
    fprintf(
        out,
        "usage: gatesim gateway [OPTIONS] PATH...\n\n"
        "Runs the builtin Gateway API data plane on the manifests in PATH (files, or\n"
        "directories searched for *.yaml/*.yml). Every HTTP/HTTPS listener port of every\n"
        "Gateway is bound on loopback; when ready, one JSON line is printed on stdout:\n"
        "  {\"ready\":true,\"listeners\":[{\"gateway\":\"ns/name\",\"listener\":\"http\","
        "\"port\":80,\"address\":\"127.0.0.1:18080\"}]}\n"
        "SIGHUP reloads the manifests (and prints a new ready line); SIGUSR1 prints one\n"
        "stats line, {\"stats\":{\"requests\":N,\"mirrorsSent\":N,\"mirrorsDropped\":N,...}}\n"
        "(counters since the start; docs/gateway.md lists them); SIGTERM stops cleanly.\n\n"
        "Options:\n"
        "  -f, --filename PATH     a manifest file or folder (repeatable; the same as PATH)\n"
        "      --data-plane NAME   builtin (default), or nginx: nginx serves, configured\n"
        "                          as by `gatesim run --target nginx`, with the same\n"
        "                          lines and signals (docs/targets/nginx.md); with it\n"
        "                          only PATH, --backend, --controller-name and --strict\n"
        "  -b, --backend NS/SVC:PORT=HOST:PORT  endpoint of a Service port (repeatable;\n"
        "                          several endpoints of one Service port are round-robin)\n"
        "      --port-map P=B      bind declared listener port P on loopback port B\n"
        "                          (repeatable; default: a free port per listener port)\n"
        "      --bind ADDR         address to bind (default 127.0.0.1)\n"
        "      --controller-name N manage only GatewayClasses with this controllerName\n"
        "                          (repeatable; default: every GatewayClass)\n"
        "      --strict            gatesim's judgements are errors: an object with a warning,\n"
        "                          or of a kind outside the model, is refused (as validate)\n"
        "      --no-hostname-fallthrough\n"
        "                          a request whose most specific route hostname has no\n"
        "                          matching rule gets 404 instead of trying less specific\n"
        "                          hostnames (Envoy-style virtual hosts)\n"
        "      --seed N            seed of the weighted backend and mirror choices\n"
        "      --request-timeout D default request timeout when a route sets none\n"
        "                          (default 60s)\n"
        "      --max-mirrors-in-flight N\n"
        "                          RequestMirror copies in flight at most (default 1024).\n"
        "                          Mirrors never slow the primary request, so a mirror\n"
        "                          backend slower than the traffic would make the copies\n"
        "                          pile up without bound; over the cap a copy is dropped\n"
        "                          and counted (mirrorsDropped in the stats line)\n");
    fprintf(out,
            "\nLimits under hostile clients (docs/gateway.md lists every bound and counter;\n"
        "SIZE is bytes or a number with K, M or G for KiB, MiB, GiB):\n"
        "      --header-timeout D  total time for a TLS handshake, a request head or an\n"
        "                          HTTP/2 header block, however its bytes trickle (10s)\n"
        "      --idle-timeout D    time between requests on a connection (60s)\n"
        "      --udp-idle-timeout D  a UDP session without datagrams closes (30s)\n"
        "      --conn-body-budget SIZE\n"
        "                          HTTP/2 request bodies held per connection (16M); a\n"
        "                          stream over it gets 413 or a reset\n"
        "      --process-body-budget SIZE\n"
        "                          the same for all connections together (32M; past it\n"
        "                          a connection gets at most its fair share)\n"
        "      --conn-held-budget SIZE\n"
        "                          HTTP/2 response data waiting for a slow client per\n"
        "                          connection (8M); a stream over it is reset\n"
        "      --process-held-budget SIZE\n"
        "                          the same for all connections together, HTTP/1.1\n"
        "                          ones included (32M; fair shares past it, as above;\n"
        "                          an HTTP/1.1 response past its share is cut)\n"
        "      --hold-timeout D    a connection holding response data whose client takes\n"
        "                          none of it for D is closed and its upstream calls\n"
        "                          cancelled; HTTP/1.1 (tunnels too) and HTTP/2 (30s)\n"
        "      --addr-max-resets N HTTP/2 streams one client address may reset per 10 s,\n"
        "                          across its connections (400); over it GOAWAY, and its\n"
        "                          new connections are refused for --addr-ban\n"
        "      --addr-ban D        how long (10s)\n"
        "  -h, --help\n\n"
        "Exit codes: 0 stopped cleanly, 1 invalid objects, 2 usage error or unreadable input.\n");
}

#define gateway_bad(...) gs_cliopt_usage_error("gateway", __VA_ARGS__)

#define GATEWAY_SHORTOPTS "b:f:h"

/* The spellings of the last release, read as before with a warning. */
static const gs_cliopt_alias gateway_aliases[] = {
    {"-p", "--port-map", "-p is --protocol in the other commands"},
};

/* A whole number from 1 to |max|. */
static int gateway_count(const char *arg, unsigned long long max, unsigned long long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "16M", "512K", "1G", "4096": bytes (K, M, G are powers of 1024). */
static int gateway_size(const char *arg, size_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (*arg < '0' || *arg > '9' || errno != 0)
        return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift)
        end++;
    if (*end == 'i' && shift) /* "MiB" */
        end++;
    if ((*end == 'B' || *end == 'b') && shift)
        end++;
    if (*end != '\0' || v == 0 || v > (UINT64_C(1) << 40) >> shift)
        return -1;
    *out = (size_t)(v << shift);
    return 0;
}

/* A positive duration in milliseconds ("2s", "500ms"). */
static int gateway_ms(const char *arg, int64_t *out)
{
    int64_t ns = 0;
    gs_error err = {0};
    if (gs_duration_parse(arg, &ns, &err) < 0 || ns <= 0)
        return -1;
    *out = ns / 1000000 > 0 ? ns / 1000000 : 1;
    return 0;
}

/* The long name of option |val| in |opts|. */
static const char *gateway_opt_name(const struct option *opts, int val)
{
    for (; opts->name; opts++)
        if (opts->val == val)
            return opts->name;
    return "?";
}

static int gateway_port_map(const char *arg, gs_gw_port_map **maps, size_t *n)
{
    char *copy = gs_xstrdup(arg);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        char *e1 = NULL, *e2 = NULL;
        long d = eq ? strtol(tok, &e1, 10) : 0;
        long b = eq ? strtol(eq + 1, &e2, 10) : 0;
        if (!eq || e1 != eq || *e2 != '\0' || d < 1 || d > 65535 || b < 0 || b > 65535) {
            free(copy);
            return -1;
        }
        *maps = gs_xrealloc(*maps, (*n + 1) * sizeof(**maps));
        (*maps)[*n].declared = (uint16_t)d;
        (*maps)[*n].bound = (uint16_t)b;
        (*n)++;
    }
    free(copy);
    return 0;
}

/* Checks the manifests as the builtin gateway loads them (diagnostics with file:line:col). */
static int gateway_validate(void *arg, gs_error *err)
{
    gs_route_table *table = NULL;
    int rc = gs_gw_load_table(arg, &table, err);
    gs_route_table_free(table);
    return rc;
}

/* --data-plane nginx: the --backend map as the nginx target's endpoints, plus a stand-in
 * Service for each Service port (a declared Service replaces it). */
static int gateway_run_nginx(gs_gw_load_opts *lo, const gs_gw_endpoints *eps, gs_error *err)
{
    size_t n_eps = 0;
    for (size_t i = 0; i < eps->n_services; i++)
        n_eps += eps->services[i].n_endpoints;
    gs_target_endpoint *te = gs_xcalloc(n_eps + 1, sizeof(*te));
    char **docs = gs_xcalloc(eps->n_services + 1, sizeof(*docs));
    unsigned *ports = gs_xcalloc(eps->n_services + 1, sizeof(*ports));
    size_t k = 0, n_docs = 0;
    for (size_t i = 0; i < eps->n_services; i++) {
        const gs_gw_service *s = &eps->services[i];
        for (size_t e = 0; e < s->n_endpoints; e++)
            te[k++] = (gs_target_endpoint){s->namespace, s->name, s->port, s->endpoints[e].address};
        /* One Service per name, with every port the flags give it. */
        size_t n_ports = 0;
        bool first = true;
        for (size_t j = 0; j < eps->n_services && first; j++) {
            const gs_gw_service *o = &eps->services[j];
            if (strcmp(o->namespace, s->namespace) != 0 || strcmp(o->name, s->name) != 0)
                continue;
            first = j >= i;
            ports[n_ports++] = o->port;
        }
        if (!first)
            continue;
        gs_buf doc = {0};
        gs_synth_service(&doc, s->namespace, s->name, ports, n_ports);
        docs[n_docs++] = gs_buf_take(&doc);
    }
    free(ports);
    const char **names = gs_xcalloc(lo->n_controller_names + 1, sizeof(*names));
    for (size_t i = 0; i < lo->n_controller_names; i++)
        names[i] = lo->controller_names[i];
    gs_nginx_gateway_opts o = {.paths = lo->paths,
                               .n_paths = lo->n_paths,
                               .service_documents = (const char *const *)docs,
                               .n_service_documents = n_docs,
                               .endpoints = te,
                               .n_endpoints = n_eps,
                               .controller_names = lo->n_controller_names ? names : NULL,
                               .validate = gateway_validate,
                               .validate_arg = lo};
    int rc = gs_nginx_gateway_run(&o, err);
    for (size_t i = 0; i < n_docs; i++)
        free(docs[i]);
    free(docs);
    free(te);
    free(names);
    return rc;
}

int gs_cmd_gateway(int argc, char **argv)
{
    enum {
        OPT_BIND = GS_CLIOPT_OWN,
        OPT_DATA_PLANE,
        OPT_PORT_MAP,
        OPT_HEADER_TIMEOUT,
        OPT_IDLE_TIMEOUT,
        OPT_UDP_IDLE_TIMEOUT,
        OPT_CONN_BODY,
        OPT_PROCESS_BODY,
        OPT_CONN_HELD,
        OPT_PROCESS_HELD,
        OPT_HOLD_TIMEOUT,
        OPT_ADDR_RESETS,
        OPT_ADDR_BAN,
    };
    static const struct option longopts[] = {
        GS_CLIOPT_FILENAME,
        GS_CLIOPT_BACKEND,
        {"data-plane", required_argument, NULL, OPT_DATA_PLANE},
        {"port-map", required_argument, NULL, OPT_PORT_MAP},
        {"bind", required_argument, NULL, OPT_BIND},
        GS_CLIOPT_CONTROLLER_NAME,
        GS_CLIOPT_STRICT,
        GS_CLIOPT_NO_FALLTHROUGH,
        GS_CLIOPT_SEED,
        GS_CLIOPT_REQUEST_TIMEOUT,
        GS_CLIOPT_MAX_MIRRORS,
        {"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
        {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
        {"udp-idle-timeout", required_argument, NULL, OPT_UDP_IDLE_TIMEOUT},
        {"conn-body-budget", required_argument, NULL, OPT_CONN_BODY},
        {"process-body-budget", required_argument, NULL, OPT_PROCESS_BODY},
        {"conn-held-budget", required_argument, NULL, OPT_CONN_HELD},
        {"process-held-budget", required_argument, NULL, OPT_PROCESS_HELD},
        {"hold-timeout", required_argument, NULL, OPT_HOLD_TIMEOUT},
        {"addr-max-resets", required_argument, NULL, OPT_ADDR_RESETS},
        {"addr-ban", required_argument, NULL, OPT_ADDR_BAN},
        GS_CLIOPT_HELP,
        GS_CLIOPT_END,
    };
    gs_log_set_program("gatesim gateway");
    gs_gw_endpoints eps = {0};
    gs_gw_port_map *maps = NULL;
    size_t n_maps = 0;
    gs_gw_load_opts lo = {0};
    gs_gw_run_opts ro = {0};
    const char **paths = gs_xcalloc((size_t)argc + 1, sizeof(*paths));
    size_t n_paths = 0;
    bool nginx = false;
    const char *builtin_only = NULL; /* an option only the builtin data plane takes */
    int rc = 2;
    int c;
    gs_cliopt_args args;
    gs_cliopt_args_new(&args, "gateway", argc, argv, gateway_aliases, GS_ARRAY_LEN(gateway_aliases),
                       longopts, GATEWAY_SHORTOPTS);
    argc = args.argc;
    argv = args.argv;
    optind = 1;
    opterr = 0; /* one line of our own, with a suggestion, instead of getopt's */
    while ((c = getopt_long(argc, argv, ":" GATEWAY_SHORTOPTS, longopts, NULL)) != -1) {
        gs_error err = {0};
        if (c >= OPT_BIND || c == GS_CLIOPT_VAL_NO_FALLTHROUGH || c == GS_CLIOPT_VAL_SEED ||
            c == GS_CLIOPT_VAL_REQUEST_TIMEOUT || c == GS_CLIOPT_VAL_MAX_MIRRORS)
            builtin_only = c == OPT_DATA_PLANE ? builtin_only : gateway_opt_name(longopts, c);
        switch (c) {
        case OPT_DATA_PLANE:
            if (strcmp(optarg, "nginx") != 0 && strcmp(optarg, "builtin") != 0) {
                rc = gateway_bad("--data-plane \"%s\": expected builtin or nginx", optarg);
                goto out;
            }
            nginx = strcmp(optarg, "nginx") == 0;
            break;
        case 'b':
            if (gs_gw_endpoints_add_spec(&eps, optarg, &err) < 0) {
                rc = gateway_bad("%s", err.msg);
                goto out;
            }
            break;
        case 'f':
            paths[n_paths++] = optarg;
            break;
        case OPT_PORT_MAP:
            if (gateway_port_map(optarg, &maps, &n_maps) < 0) {
                rc = gateway_bad("--port-map \"%s\": expected PORT=PORT", optarg);
                goto out;
            }
            break;
        case OPT_BIND:
            ro.server.bind_host = optarg;
            break;
        case GS_CLIOPT_VAL_CONTROLLER_NAME:
            lo.controller_names =
                gs_xrealloc(lo.controller_names, (lo.n_controller_names + 1) * sizeof(char *));
            lo.controller_names[lo.n_controller_names++] = optarg;
            break;
        case GS_CLIOPT_VAL_STRICT:
            lo.strict = true;
            break;
        case GS_CLIOPT_VAL_NO_FALLTHROUGH:
            lo.no_hostname_fallthrough = true;
            break;
        case GS_CLIOPT_VAL_SEED: {
            char *end = NULL;
            errno = 0;
            ro.seed = strtoull(optarg, &end, 10);
            ro.has_seed = true;
            if (*optarg == '\0' || *end != '\0' || errno || *optarg == '-') {
                rc = gateway_bad("--seed \"%s\" is not a number", optarg);
                goto out;
            }
            break;
        }
        case GS_CLIOPT_VAL_REQUEST_TIMEOUT: {
            int64_t ns = 0;
            if (gs_duration_parse(optarg, &ns, &err) < 0 || ns <= 0) {
                rc = gateway_bad("--request-timeout \"%s\": %s", optarg,
                                 err.msg[0] ? err.msg : "must be positive");
                goto out;
            }
            ro.limits.default_timeout_ms = ns / 1000000 > 0 ? ns / 1000000 : 1;
            break;
        }
        case GS_CLIOPT_VAL_MAX_MIRRORS: {
            unsigned long long v = 0;
            if (gateway_count(optarg, 1000000000ull, &v) < 0) {
                rc = gateway_bad("--max-mirrors-in-flight \"%s\": expected a number from 1 to "
                                 "1000000000",
                                 optarg);
                goto out;
            }
            ro.limits.max_mirrors_in_flight = (size_t)v;
            break;
        }
        case OPT_HEADER_TIMEOUT:
        case OPT_IDLE_TIMEOUT:
        case OPT_UDP_IDLE_TIMEOUT:
        case OPT_HOLD_TIMEOUT:
        case OPT_ADDR_BAN: {
            int64_t *slot = c == OPT_HEADER_TIMEOUT ? &ro.limits.header_timeout_ms
                            : c == OPT_IDLE_TIMEOUT ? &ro.limits.idle_timeout_ms
                            : c == OPT_UDP_IDLE_TIMEOUT ? &ro.limits.udp_idle_timeout_ms
                            : c == OPT_HOLD_TIMEOUT ? &ro.limits.hold_timeout_ms
                                                    : &ro.limits.addr_ban_ms;
            if (gateway_ms(optarg, slot) < 0) {
                rc = gateway_bad("--%s \"%s\": expected a positive duration (2s, 500ms)",
                                 gateway_opt_name(longopts, c), optarg);
                goto out;
            }
            break;
        }
        case OPT_CONN_BODY:
        case OPT_PROCESS_BODY:
        case OPT_CONN_HELD:
        case OPT_PROCESS_HELD: {
            size_t *slot = c == OPT_CONN_BODY      ? &ro.limits.conn_request_buffer
                           : c == OPT_PROCESS_BODY ? &ro.limits.process_request_buffer
                           : c == OPT_CONN_HELD    ? &ro.limits.conn_response_held
                                                   : &ro.limits.process_response_held;
            if (gateway_size(optarg, slot) < 0) {
                rc = gateway_bad("--%s \"%s\": expected a size (4096, 512K, 16M, 1G)",
                                 gateway_opt_name(longopts, c), optarg);
                goto out;
            }
            break;
        }
        case OPT_ADDR_RESETS: {
            unsigned long long v = 0;
            if (gateway_count(optarg, 100000000ull, &v) < 0) {
                rc = gateway_bad("--addr-max-resets \"%s\": expected a number from 1 to "
                                 "100000000",
                                 optarg);
                goto out;
            }
            ro.limits.addr_max_resets = (uint32_t)v;
            break;
        }
        case 'h':
            gateway_usage(stdout);
            rc = 0;
            goto out;
        default:
            rc =
                gs_cliopt_refused("gateway", argv[optind - 1], optopt, longopts, GATEWAY_SHORTOPTS);
            goto out;
        }
    }
    for (int i = optind; i < argc; i++)
        paths[n_paths++] = argv[i];
    if (n_paths == 0) {
        rc = gateway_bad("no manifest PATH given");
        goto out;
    }
    lo.paths = paths;
    lo.n_paths = n_paths;
    lo.endpoints = &eps;
    if (nginx && builtin_only) {
        rc = gateway_bad("--%s applies to the builtin data plane only, not --data-plane nginx",
                         builtin_only);
        goto out;
    }
    if (nginx) {
        gs_error err = {0};
        int r = gateway_run_nginx(&lo, &eps, &err);
        if (r < 0)
            gs_log_error("%s", err.msg);
        rc = r == 0 ? 0 : r == GS_ERR_INVALID ? 1 : 2;
        goto out;
    }
    ro.load = gs_gw_load_table;
    ro.load_arg = &lo;
    ro.endpoints = &eps;
    ro.server.port_map = maps;
    ro.server.n_port_map = n_maps;
    gs_error err = {0};
    int r = gs_gw_run(&ro, &err);
    if (r < 0) {
        gs_log_error("%s", err.msg);
        rc = r == GS_ERR_INVALID ? 1 : 2;
    } else {
        rc = 0;
    }
out:
    gs_gw_endpoints_clear(&eps);
    free(maps);
    free(lo.controller_names);
    free(paths);
    gs_cliopt_args_free(&args);
    return rc;
}
