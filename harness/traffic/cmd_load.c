/* SPDX-License-Identifier: MIT */
/* `gatesim load URL`: parses the command line into a gs_traffic_config, runs it, and prints a
 * human summary or the JSON of docs/cli.md (the run's settings, start time and version around
 * the result, its histograms, the thresholds). Usage errors exit 2; a failed threshold or a run
 * in which no request got a response exits 1; an interrupted run exits 130 after printing what
 * it measured; otherwise 0. All the work is in gs_traffic_run. */
#include "gs_alloc.h"
#include "gs_cliopt.h"
#include "gs_hdrlog.h"
#include "gs_json.h"
#include "gs_log.h"
#include "gs_load_report.h"
#include "gs_time.h"
#include "gs_tls.h"
#include "gs_traffic.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef GS_VERSION
#define GS_VERSION "dev"
#endif

const char gs_cmd_load_summary[] =
    "send synthetic HTTP/1.1, HTTP/2, gRPC, TCP, UDP or TLS traffic and measure it";
int gs_cmd_load(int argc, char **argv);

static void load_usage(FILE *out)
{
    fprintf(out,
            "usage: gatesim load [OPTIONS] URL\n\n"
            "Sends synthetic traffic to URL (http:// or https://) and prints throughput, latency\n"
            "percentiles, status, backend and error counts. Layer 4: a tcp://, udp:// or tls://\n"
            "URL (host:port) opens one connection (UDP: one socket, a fresh source port) per\n"
            "request and sends one line, the request id; gatesim-echo's layer-4 listeners answer\n"
            "with the backend (and over TLS the client records the server's certificate).\n\n"
            "Protocol:\n"
            "  -p, --protocol P        http1 (default), h2c, http2 (TLS+ALPN), grpc; tcp, udp,\n"
            "                          tls (default: the URL's scheme)\n"
            "  -X, --method M          request method (default GET; POST for grpc)\n"
            "  -H, --header 'K: V'     extra request header (repeatable)\n"
            "      --host H            Host / :authority (and SNI) instead of the URL's\n"
            "      --connect-to H:P    connect to H:P while sending the URL's Host and SNI\n"
            "      --body TEXT         request body (for grpc: the message bytes)\n"
            "      --body-file F       request body from a file\n"
            "      --grpc SVC/METHOD   gRPC service and method (default: the URL path)\n"
            "      --cacert F          trust the CA certificates in PEM file F\n"
            "      --cert F            client certificate (PEM: leaf, then its chain) for\n"
            "                          servers that ask for one (https://, tls://)\n"
            "      --key F             the certificate's private key (PEM; default: in --cert)\n"
            "  -k, --insecure          do not verify the server certificate (insecure!)\n"
            "      --sni NAME          TLS server name (default: the Host)\n"
            "      --alpn LIST         tls: ALPN protocols to offer, comma-separated\n"
            "Load:\n"
            "  -c, --connections C     connections (default 1)\n"
            "  -m, --streams M         concurrent streams per connection; HTTP/1.1: pipeline\n"
            "                          depth (default 1)\n"
            "  -n, --requests N        stop after N requests\n"
            "  -d, --duration D        run for D (\"10s\", \"1m\"; default 10s without -n)\n"
            "  -r, --rate R            open loop at R requests/s (latency measured from the\n"
            "                          intended send time); default closed loop\n"
            "  -w, --warmup D          traffic before measuring, not counted\n"
            "      --threads T         worker threads (default 1)\n"
            "      --refill MODE       closed-loop h2c/grpc: batch (default: a connection's\n"
            "                          streams refill once half are free: fewer, larger writes)\n"
            "                          or eager (every freed stream at once: all of -m in flight)\n"
            "      --new-connection-per-request\n"
            "      --request-timeout D request timeout (default 10s)\n"
            "      --connect-timeout D connect + TLS timeout (default 5s)\n"
            "      --request-id-prefix P  send x-gatesim-request-id: P<n> on every request\n"
            "      --shard I/N         be shard I (1..N) of N processes: 1/N of the rate and of\n"
            "                          -n, request ids I-1, I-1+N, ... (merge with gatesim merge)\n"
            "Output:\n"
            "  -o, --output FMT        text (default) or json\n"
            "      --percentiles LIST  latency percentiles to report (default\n"
            "                          50,90,99,99.9,99.99)\n"
            "      --threshold EXPR    fail (exit 1) unless EXPR holds; repeatable:\n"
            "                          'p99<5ms' 'mean<=2ms' 'rps>=1000' 'errors<0.1%%'\n"
            "                          'non2xx<5' 'missed<1%%'\n"
            "      --hdr-log FILE      write the latency histograms as an HdrHistogram\n"
            "                          interval log, one interval a second (untagged:\n"
            "                          corrected; Tag=service)\n"
            "  -q, --quiet             no progress line\n"
            "  -h, --help\n\n"
            "With --rate, requests not started by the end of the run (-d, or -n at the rate) are\n"
            "counted as missed, not sent late; a warning says when the rate was not reached.\n"
            "Exit codes: 0 done, 1 a threshold failed or no request got a response, 2 usage\n"
            "error, 130 interrupted (the output is complete and marked interrupted).\n");
}

#define load_bad(...) gs_cliopt_usage_error("load", __VA_ARGS__)

#define LOAD_SHORTOPTS "p:X:H:kc:m:n:d:r:w:o:qh"

/* The spellings of the last release, read as before with a warning. */
static const gs_cliopt_alias load_aliases[] = {
    {"-t", "--threads", "-t is --target in the other commands"},
    {"--timeout", "--request-timeout", "as in gatesim gateway"},
};

static bool load_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s == '\0' || strspn(s, "0123456789") != strlen(s))
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno != 0 || v > max)
        return false;
    *out = v;
    return true;
}

static bool load_parse_duration(const char *s, int64_t *out)
{
    gs_error err;
    return gs_duration_parse(s, out, &err) == 0;
}


static bool load_progress_tty;
static const gs_traffic_config *load_progress_cfg;

/* Fires about once a second on the main thread: one line, redrawn in place. */
static void on_load_progress(uint64_t done, uint64_t errors, double elapsed, void *user)
{
    (void)user;
    if (!load_progress_tty)
        return;
    const gs_traffic_config *cfg = load_progress_cfg;
    double share = cfg->requests ? (double)done / (double)cfg->requests
                                 : elapsed / ((double)cfg->duration_ns / 1e9);
    fprintf(stderr, "\r\033[K  %3.0f%%  %6.1fs  %llu requests  %.0f req/s  %llu errors",
            share > 1 ? 100.0 : share * 100, elapsed, (unsigned long long)done,
            elapsed > 0 ? (double)done / elapsed : 0.0, (unsigned long long)errors);
    fflush(stderr);
}

/* Shard I of N takes 1/N of the rate and of the requests (the first n % N shards one more),
 * and the request indexes I-1, I-1+N, ...: N shards together are the unsharded run. */
static int load_apply_shard(gs_traffic_config *cfg, unsigned shard, unsigned shards)
{
    cfg->rate /= shards;
    if (cfg->requests) {
        cfg->requests = cfg->requests / shards + (shard - 1 < cfg->requests % shards ? 1 : 0);
        if (cfg->requests == 0)
            return -1;
    }
    cfg->index_stride = shards;
    cfg->index_offset = shard - 1;
    return 0;
}

/* --hdr-log: the HdrHistogram interval log, written a second at a time as the run goes (what
 * the format is for: a timeline, each line one interval). Each interval gives two lines: the
 * corrected latency untagged (what tools show by default) and the uncorrected one tagged
 * "service". The responses per interval are kept for the JSON ("intervals"). */
typedef struct load_hdr_log {
    FILE *f;
    const char *path;
    bool header_written;
    int rc; /* the first write error; then nothing more is written */
    uint64_t *responses;
    size_t len, cap;
} load_hdr_log;

static void load_hdr_log_header(load_hdr_log *log, double base_unix_s)
{
    gs_error err = {0};
    if (log->rc != 0 || log->header_written)
        return;
    log->header_written = true;
    log->rc = gs_hdrlog_write_header(log->f, base_unix_s, &err);
    if (log->rc != 0)
        fprintf(stderr, "gatesim load: --hdr-log %s: %s\n", log->path, err.msg);
}

/* gs_traffic_config.on_interval: called on the main thread, once a second. */
static void on_load_interval(const gs_traffic_interval *iv, void *user)
{
    load_hdr_log *log = user;
    if (log->len == log->cap) {
        log->cap = log->cap ? log->cap * 2 : 64;
        log->responses = gs_xrealloc(log->responses, log->cap * sizeof(*log->responses));
    }
    log->responses[log->len++] = gs_histogram_count(iv->latency);
    load_hdr_log_header(log, iv->base_unix_s);
    gs_hdrlog_interval lines[2] = {
        {.hist = iv->latency, .start_s = iv->start_s, .length_s = iv->length_s, .tag = NULL},
        {.hist = iv->service, .start_s = iv->start_s, .length_s = iv->length_s, .tag = "service"},
    };
    gs_error err = {0};
    for (size_t k = 0; k < 2 && log->rc == 0; k++) {
        log->rc = gs_hdrlog_write_interval(log->f, &lines[k], &err);
        if (log->rc != 0)
            fprintf(stderr, "gatesim load: --hdr-log %s: %s\n", log->path, err.msg);
    }
}

/* --cert/--key: said wrong before the run, naming the file (the run loads the same files into
 * its TLS context, as for a scenario's send.clientCertificate). */
static int load_check_client_cert(const gs_traffic_config *cfg, bool tls)
{
    gs_error err = {0};
    if (cfg->cert_file == NULL && cfg->key_file == NULL)
        return 0;
    if (cfg->cert_file == NULL)
        return load_bad("%s", "--key goes with --cert");
    if (!tls)
        return load_bad("%s", "--cert is for https:// and tls:// URLs");
    if (gs_tls_check_cert_files(cfg->cert_file, cfg->key_file, &err) != 0)
        return load_bad("%s", err.msg);
    return 0;
}

enum {
    OPT_HOST = GS_CLIOPT_OWN,
    OPT_CONNECT_TO,
    OPT_BODY,
    OPT_BODY_FILE,
    OPT_GRPC,
    OPT_CACERT,
    OPT_CERT,
    OPT_KEY,
    OPT_SNI,
    OPT_ALPN,
    OPT_NEWCONN,
    OPT_THREADS,
    OPT_CONNECT_TIMEOUT,
    OPT_REQID,
    OPT_PERCENTILES,
    OPT_THRESHOLD,
    OPT_HDR_LOG,
    OPT_SHARD,
    OPT_REFILL,
};

int gs_cmd_load(int argc, char **argv)
{
    static const struct option opts[] = {
        GS_CLIOPT_PROTOCOL,
        {"method", required_argument, NULL, 'X'},
        GS_CLIOPT_HEADER,
        {"host", required_argument, NULL, OPT_HOST},
        {"connect-to", required_argument, NULL, OPT_CONNECT_TO},
        {"body", required_argument, NULL, OPT_BODY},
        {"body-file", required_argument, NULL, OPT_BODY_FILE},
        {"grpc", required_argument, NULL, OPT_GRPC},
        {"cacert", required_argument, NULL, OPT_CACERT},
        {"cert", required_argument, NULL, OPT_CERT},
        {"key", required_argument, NULL, OPT_KEY},
        {"insecure", no_argument, NULL, 'k'},
        {"sni", required_argument, NULL, OPT_SNI},
        {"alpn", required_argument, NULL, OPT_ALPN},
        {"connections", required_argument, NULL, 'c'},
        {"streams", required_argument, NULL, 'm'},
        {"requests", required_argument, NULL, 'n'},
        {"duration", required_argument, NULL, 'd'},
        {"rate", required_argument, NULL, 'r'},
        {"warmup", required_argument, NULL, 'w'},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"new-connection-per-request", no_argument, NULL, OPT_NEWCONN},
        GS_CLIOPT_REQUEST_TIMEOUT,
        {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
        {"request-id-prefix", required_argument, NULL, OPT_REQID},
        GS_CLIOPT_OUTPUT,
        {"percentiles", required_argument, NULL, OPT_PERCENTILES},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"hdr-log", required_argument, NULL, OPT_HDR_LOG},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"refill", required_argument, NULL, OPT_REFILL},
        GS_CLIOPT_QUIET,
        GS_CLIOPT_HELP,
        GS_CLIOPT_END,
    };
    gs_traffic_config cfg;
    gs_traffic_config_init(&cfg);
    gs_traffic_header *headers = NULL;
    size_t nheaders = 0, hcap = 0;
    char *body = NULL, *grpc_svc = NULL;
    const char *connect_to = NULL, *host = NULL;
    bool json = false, quiet = false, have_protocol = false;
    int rc = 2;
    uint64_t u;
    gs_traffic_url url = {0};
    gs_error err = {0};
    gs_load_report *rep = gs_xcalloc(1, sizeof(*rep));
    gs_load_report_init(rep, GS_VERSION, "load");
    /* opened while parsing, so a bad path is a usage error before the run */
    load_hdr_log hdr_log = {0};
    unsigned shard = 0, shards = 0;

    gs_cliopt_args args;
    gs_cliopt_args_new(&args, "load", argc, argv, load_aliases, GS_ARRAY_LEN(load_aliases), opts,
                       LOAD_SHORTOPTS);
    argc = args.argc;
    argv = args.argv;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":" LOAD_SHORTOPTS, opts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            if (gs_traffic_protocol_parse(optarg, &cfg.protocol) != 0 ||
                cfg.protocol == GS_TRAFFIC_WEBSOCKET) {
                rc = load_bad("unknown protocol \"%s\" (want http1, h2c, http2, grpc, tcp, udp or tls)", optarg);
                goto out;
            }
            have_protocol = true;
            break;
        case 'X':
            cfg.method = optarg;
            break;
        case 'H': {
            char *colon = strchr(optarg, ':');
            if (colon == NULL || colon == optarg) {
                rc = load_bad("bad header \"%s\": want 'Name: value'", optarg);
                goto out;
            }
            gs_xgrow((void **)&headers, &hcap, nheaders + 1, sizeof(*headers));
            char *name = gs_xstrndup(optarg, (size_t)(colon - optarg));
            const char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            if (strpbrk(name, " \t") != NULL) {
                free(name);
                rc = load_bad("bad header \"%s\": no spaces in the name", optarg);
                goto out;
            }
            headers[nheaders].name = name;
            headers[nheaders].value = v;
            nheaders++;
            break;
        }
        case OPT_HOST:
            host = optarg;
            break;
        case OPT_CONNECT_TO:
            connect_to = optarg;
            break;
        case OPT_BODY:
            free(body);
            body = gs_xstrdup(optarg);
            cfg.body_len = strlen(body);
            break;
        case OPT_BODY_FILE: {
            free(body);
            body = NULL;
            gs_buf file = {0};
            if (gs_buf_read_file(&file, optarg) != 0) {
                gs_buf_clear(&file);
                rc = load_bad("cannot read body file \"%s\"", optarg);
                goto out;
            }
            cfg.body_len = file.len;
            body = gs_buf_take(&file);
            break;
        }
        case OPT_GRPC: {
            const char *p = optarg[0] == '/' ? optarg + 1 : optarg;
            const char *slash = strchr(p, '/');
            if (slash == NULL || slash == p || slash[1] == '\0' || strchr(slash + 1, '/')) {
                rc = load_bad("bad --grpc \"%s\": want package.Service/Method", optarg);
                goto out;
            }
            free(grpc_svc);
            grpc_svc = gs_xstrndup(p, (size_t)(slash - p));
            cfg.grpc_service = grpc_svc;
            cfg.grpc_method = slash + 1;
            break;
        }
        case OPT_CACERT:
            if (access(optarg, R_OK) != 0) {
                rc = load_bad("cannot read CA file \"%s\"", optarg);
                goto out;
            }
            cfg.ca_file = optarg;
            break;
        case OPT_CERT:
        case OPT_KEY:
            if (access(optarg, R_OK) != 0) {
                rc = load_bad("cannot read --%s \"%s\": %s", ch == OPT_CERT ? "cert" : "key",
                              optarg, strerror(errno));
                goto out;
            }
            *(ch == OPT_CERT ? &cfg.cert_file : &cfg.key_file) = optarg;
            break;
        case 'k':
            cfg.insecure = true;
            break;
        case OPT_ALPN:
            cfg.alpn = optarg;
            break;
        case OPT_SNI:
            cfg.sni = optarg;
            break;
        case 'c':
            if (!load_parse_uint(optarg, 100000, &u) || u == 0) {
                rc = load_bad("bad --connections \"%s\": want 1..100000", optarg);
                goto out;
            }
            cfg.connections = (unsigned)u;
            break;
        case 'm':
            if (!load_parse_uint(optarg, 1000, &u) || u == 0) {
                rc = load_bad("bad --streams \"%s\": want 1..1000", optarg);
                goto out;
            }
            cfg.streams = (unsigned)u;
            break;
        case 'n':
            if (!load_parse_uint(optarg, UINT64_MAX / 2, &u) || u == 0) {
                rc = load_bad("bad --requests \"%s\": want a positive count", optarg);
                goto out;
            }
            cfg.requests = u;
            break;
        case 'd':
            if (!load_parse_duration(optarg, &cfg.duration_ns) || cfg.duration_ns <= 0) {
                rc = load_bad("bad --duration \"%s\": want e.g. 10s, 500ms, 1m", optarg);
                goto out;
            }
            break;
        case 'w':
            if (!load_parse_duration(optarg, &cfg.warmup_ns)) {
                rc = load_bad("bad --warmup \"%s\": want e.g. 2s", optarg);
                goto out;
            }
            break;
        case GS_CLIOPT_VAL_REQUEST_TIMEOUT:
            if (!load_parse_duration(optarg, &cfg.request_timeout_ns) ||
                cfg.request_timeout_ns <= 0) {
                rc = load_bad("bad --request-timeout \"%s\": want e.g. 2s", optarg);
                goto out;
            }
            break;
        case OPT_CONNECT_TIMEOUT:
            if (!load_parse_duration(optarg, &cfg.connect_timeout_ns) ||
                cfg.connect_timeout_ns <= 0) {
                rc = load_bad("bad --connect-timeout \"%s\": want e.g. 2s", optarg);
                goto out;
            }
            break;
        case 'r': {
            char *end;
            errno = 0;
            double r = strtod(optarg, &end);
            if (errno != 0 || *end != '\0' || !(r > 0) || !isfinite(r) || r > 1e8) {
                rc = load_bad("bad --rate \"%s\": want requests per second > 0", optarg);
                goto out;
            }
            cfg.rate = r;
            break;
        }
        case OPT_THREADS:
            if (!load_parse_uint(optarg, 256, &u) || u == 0) {
                rc = load_bad("bad --threads \"%s\": want 1..256", optarg);
                goto out;
            }
            cfg.threads = (unsigned)u;
            break;
        case OPT_NEWCONN:
            cfg.new_connection_per_request = true;
            break;
        case OPT_REQID:
            cfg.request_id_prefix = optarg;
            break;
        case 'o': {
            gs_cliopt_format fmt;
            if (gs_cliopt_output_parse("load", optarg,
                                       GS_CLIOPT_FMT_BIT(GS_CLIOPT_FORMAT_TEXT) |
                                           GS_CLIOPT_FMT_BIT(GS_CLIOPT_FORMAT_JSON),
                                       &fmt) < 0) {
                rc = 2;
                goto out;
            }
            json = fmt == GS_CLIOPT_FORMAT_JSON;
            break;
        }
        case 'q':
            quiet = true;
            break;
        case OPT_PERCENTILES:
            if (!gs_load_report_set_percentiles(rep, optarg)) {
                rc = load_bad("bad --percentiles \"%s\": want e.g. 50,90,99,99.9 (each 0 < p <= "
                              "100, at most %d)",
                              optarg, GS_LOAD_MAX_PERCENTILES);
                goto out;
            }
            break;
        case OPT_HDR_LOG:
            if (hdr_log.f != NULL)
                fclose(hdr_log.f);
            hdr_log.f = fopen(optarg, "w");
            if (hdr_log.f == NULL) {
                rc = load_bad("cannot write --hdr-log \"%s\": %s", optarg, strerror(errno));
                goto out;
            }
            hdr_log.path = optarg;
            break;
        case OPT_REFILL:
            if (strcmp(optarg, "batch") != 0 && strcmp(optarg, "eager") != 0) {
                rc = load_bad("bad --refill \"%s\": want batch or eager", optarg);
                goto out;
            }
            cfg.h2_refill_eager = strcmp(optarg, "eager") == 0;
            break;
        case OPT_SHARD: {
            unsigned long si, sn;
            char tail;
            if (sscanf(optarg, "%lu/%lu%c", &si, &sn, &tail) != 2 || sn == 0 || sn > 100000 ||
                si == 0 || si > sn) {
                rc = load_bad("bad --shard \"%s\": want I/N with 1 <= I <= N (e.g. 2/4)", optarg);
                goto out;
            }
            shard = (unsigned)si;
            shards = (unsigned)sn;
            break;
        }
        case OPT_THRESHOLD:
            if (gs_load_report_add_threshold(rep, optarg, &err) != 0) {
                rc = load_bad("%s", err.msg);
                goto out;
            }
            break;
        case 'h':
            load_usage(stdout);
            rc = 0;
            goto out;
        default: /* one line of our own, with a suggestion for a misspelt option */
            rc = gs_cliopt_refused("load", argv[optind - 1], optopt, opts, LOAD_SHORTOPTS);
            goto out;
        }
    }
    if (optind != argc - 1) {
        rc = load_bad("%s", optind >= argc ? "missing URL" : "only one URL, please");
        goto out;
    }
    const char *url_arg = argv[optind];
    if (gs_traffic_url_parse(url_arg, &url, &err) != 0) {
        rc = load_bad("%s", err.msg);
        goto out;
    }
    if (!have_protocol && url.tls)
        cfg.protocol = GS_TRAFFIC_HTTP1;
    /* layer 4: the URL's scheme is the protocol; -p may repeat it, never contradict it */
    if (url.layer4 && !have_protocol)
        (void)gs_traffic_protocol_parse(url.scheme, &cfg.protocol);
    if (url.layer4 != gs_traffic_protocol_is_l4(cfg.protocol) ||
        (url.layer4 && strcmp(url.scheme, gs_traffic_protocol_name(cfg.protocol)) != 0)) {
        rc = load_bad("--protocol %s does not go with a %s:// URL",
                      gs_traffic_protocol_name(cfg.protocol), url.scheme);
        goto out;
    }
    if (cfg.alpn != NULL && cfg.protocol != GS_TRAFFIC_TLS) {
        rc = load_bad("%s", "--alpn is for --protocol tls (HTTP picks its own ALPN)");
        goto out;
    }
    if (cfg.protocol == GS_TRAFFIC_H2C && url.tls) {
        rc = load_bad("%s", "h2c is cleartext: use an http:// URL, or --protocol http2");
        goto out;
    }
    if (cfg.protocol == GS_TRAFFIC_HTTP2 && !url.tls) {
        rc = load_bad("%s", "http2 runs over TLS: use an https:// URL, or --protocol h2c");
        goto out;
    }
    if (load_check_client_cert(&cfg, url.tls) != 0) {
        rc = 2;
        goto out;
    }
    cfg.tls = url.tls;
    cfg.address = connect_to ? connect_to : url.address;
    cfg.authority = host ? host : url.authority;
    cfg.path = url.path;
    if (cfg.protocol == GS_TRAFFIC_GRPC && cfg.grpc_service == NULL && strcmp(url.path, "/") == 0) {
        rc = load_bad("%s", "grpc needs --grpc package.Service/Method or a /Service/Method path");
        goto out;
    }
    if (cfg.requests == 0 && cfg.duration_ns == 0)
        cfg.duration_ns = 10 * GS_NS_PER_S;
    cfg.headers = headers;
    cfg.num_headers = nheaders;
    cfg.body = body;
    cfg.count_missed = true;
    cfg.h2_no_header_table = true; /* a load generator has no use for it (gs_traffic.h) */
    if (shards > 0 && load_apply_shard(&cfg, shard, shards) != 0) {
        rc = load_bad("--shard %u/%u: -n is smaller than the number of shards", shard, shards);
        goto out;
    }
    if (cfg.insecure && url.tls)
        gs_log_warn("--insecure: the server certificate is NOT verified");

    load_progress_tty = !quiet && gs_term_isatty(STDERR_FILENO);
    cfg.on_progress = load_progress_tty ? on_load_progress : NULL; /* nothing to show */
    load_progress_cfg = &cfg;
    cfg.cancel = &gs_cliopt_cancelled;
    if (hdr_log.f != NULL) {
        cfg.on_interval = on_load_interval;
        cfg.interval_ns = GS_NS_PER_S;
        cfg.user = &hdr_log;
    }
    gs_cliopt_cancel cancel;
    gs_cliopt_cancel_begin(&cancel);
    gs_traffic_result *res = NULL;
    int run_rc = gs_traffic_run(&cfg, &res, &err);
    gs_cliopt_cancel_end(&cancel);
    if (load_progress_tty) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    if (run_rc != 0) {
        rc = load_bad("%s", err.msg);
        goto out;
    }
    gs_load_settings_from_config(&rep->settings, &cfg, url_arg);
    rep->settings.shard = shard;
    rep->settings.shards = shards;
    size_t failed = gs_load_report_check(rep, res);
    if (hdr_log.f != NULL) {
        load_hdr_log_header(&hdr_log, res->start_unix_s); /* no interval had a response */
        rep->interval_responses = hdr_log.responses;
        rep->num_intervals = hdr_log.len;
    }
    if (json) {
        gs_buf b = {0};
        gs_load_report_write_json(rep, res, &b);
        printf("%s\n", b.data);
        gs_buf_clear(&b);
    } else {
        gs_load_report_print_text(rep, res);
    }
    fflush(stdout);
    if (cfg.rate > 0 && !rep->rate_reached)
        fprintf(stderr,
                "gatesim load: warning: the target rate of %g req/s was not reached: %llu of "
                "%llu scheduled requests were not started in time (%.1f req/s measured); add "
                "connections (-c), streams (-m) or threads (--threads), or lower the rate\n",
                cfg.rate, (unsigned long long)res->missed, (unsigned long long)res->scheduled,
                res->rps);
    if (failed > 0)
        fprintf(stderr, "gatesim load: %zu of %zu thresholds failed\n", failed,
                rep->nthresholds);
    bool hdr_failed = hdr_log.rc != 0;
    if (res->interrupted)
        rc = 130;
    else if (failed > 0 || hdr_failed || (res->requests > 0 && res->responses == 0))
        rc = 1;
    else
        rc = 0;
    gs_traffic_result_free(res);
out:
    if (hdr_log.f != NULL)
        fclose(hdr_log.f);
    free(hdr_log.responses);
    free(rep);
    for (size_t k = 0; k < nheaders; k++)
        free((void *)(uintptr_t)headers[k].name);
    free(headers);
    free(body);
    free(grpc_svc);
    gs_traffic_url_clear(&url);
    gs_cliopt_args_free(&args);
    return rc;
}
