/* SPDX-License-Identifier: MIT */
/* `gatesim load URL`: parses the command line into a gs_traffic_config, runs it, and prints a
 * human summary or the JSON of docs/cli.md (the run's settings, start time and version around
 * the result, its histograms, the thresholds). Usage errors exit 2; a failed threshold or a run
 * in which no request got a response exits 1; an interrupted run exits 130 after printing what
 * it measured; otherwise 0. All the work is in gs_traffic_run. */
#include "gs_alloc.h"
#include "gs_hdrlog.h"
#include "gs_json.h"
#include "gs_log.h"
#include "gs_suggest.h"
#include "gs_threshold.h"
#include "gs_time.h"
#include "gs_traffic.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef GS_VERSION
#define GS_VERSION "dev"
#endif

const char gs_cmd_load_summary[] = "send synthetic HTTP/1.1, HTTP/2 or gRPC traffic and measure it";
int gs_cmd_load(int argc, char **argv);

static volatile sig_atomic_t load_cancel;

static void on_load_signal(int sig)
{
    (void)sig;
    load_cancel = 1;
}

static void load_usage(FILE *out)
{
    fprintf(out,
            "usage: gatesim load [OPTIONS] URL\n\n"
            "Sends synthetic traffic to URL (http:// or https://) and prints throughput, latency\n"
            "percentiles, status, backend and error counts.\n\n"
            "Protocol:\n"
            "  -p, --protocol P        http1 (default), h2c, http2 (TLS+ALPN), grpc\n"
            "  -X, --method M          request method (default GET; POST for grpc)\n"
            "  -H, --header 'K: V'     extra request header (repeatable)\n"
            "      --host H            Host / :authority (and SNI) instead of the URL's\n"
            "      --connect-to H:P    connect to H:P while sending the URL's Host and SNI\n"
            "      --body TEXT         request body (for grpc: the message bytes)\n"
            "      --body-file F       request body from a file\n"
            "      --grpc SVC/METHOD   gRPC service and method (default: the URL path)\n"
            "      --cacert F          trust the CA certificates in PEM file F\n"
            "  -k, --insecure          do not verify the server certificate (insecure!)\n"
            "      --sni NAME          TLS server name (default: the Host)\n"
            "Load:\n"
            "  -c, --connections C     connections (default 1)\n"
            "  -m, --streams M         concurrent streams per connection; HTTP/1.1: pipeline\n"
            "                          depth (default 1)\n"
            "  -n, --requests N        stop after N requests\n"
            "  -d, --duration D        run for D (\"10s\", \"1m\"; default 10s without -n)\n"
            "  -r, --rate R            open loop at R requests/s (latency measured from the\n"
            "                          intended send time); default closed loop\n"
            "  -w, --warmup D          traffic before measuring, not counted\n"
            "  -t, --threads T         worker threads (default 1)\n"
            "      --new-connection-per-request\n"
            "      --timeout D         request timeout (default 10s)\n"
            "      --connect-timeout D connect + TLS timeout (default 5s)\n"
            "      --request-id-prefix P  send x-gatesim-request-id: P<n> on every request\n"
            "Output:\n"
            "  -o, --output FMT        text (default) or json\n"
            "      --percentiles LIST  latency percentiles to report (default\n"
            "                          50,90,99,99.9,99.99)\n"
            "      --threshold EXPR    fail (exit 1) unless EXPR holds; repeatable:\n"
            "                          'p99<5ms' 'mean<=2ms' 'rps>=1000' 'errors<0.1%%'\n"
            "                          'non2xx<5' 'missed<1%%'\n"
            "      --hdr-log FILE      write the latency histograms as an HdrHistogram\n"
            "                          interval log (untagged: corrected; Tag=service)\n"
            "  -q, --quiet             no progress line\n"
            "  -h, --help\n\n"
            "With --rate, requests not started by the end of the run (-d, or -n at the rate) are\n"
            "counted as missed, not sent late; a warning says when the rate was not reached.\n"
            "Exit codes: 0 done, 1 a threshold failed or no request got a response, 2 usage\n"
            "error, 130 interrupted (the output is complete and marked interrupted).\n");
}

static int load_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int load_bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "gatesim load: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nRun `gatesim load --help` for usage.\n");
    va_end(ap);
    return 2;
}

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

static char *load_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    gs_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        gs_buf_append(&b, chunk, n);
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        gs_buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return gs_buf_take(&b);
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

static void load_fmt_ms(char *out, size_t n, int64_t ns)
{
    double ms = (double)ns / 1e6;
    if (ms < 1)
        snprintf(out, n, "%.3fms", ms);
    else if (ms < 100)
        snprintf(out, n, "%.2fms", ms);
    else
        snprintf(out, n, "%.0fms", ms);
}

static void load_print_counts(const char *label, const gs_traffic_counts *c)
{
    printf("  %-12s", label);
    if (c->len == 0)
        printf(" -");
    for (size_t k = 0; k < c->len; k++)
        printf("%s %s: %llu", k ? "," : "", c->items[k].name,
               (unsigned long long)c->items[k].count);
    printf("\n");
}

#define LOAD_MAX_PERCENTILES 32
#define LOAD_MAX_THRESHOLDS 32

/* What the output shows besides the result: chosen percentiles, thresholds and their verdicts. */
typedef struct load_report {
    const char *url;
    double pcts[LOAD_MAX_PERCENTILES];
    size_t npcts;
    gs_threshold thresholds[LOAD_MAX_THRESHOLDS];
    double observed[LOAD_MAX_THRESHOLDS];
    bool passed[LOAD_MAX_THRESHOLDS];
    size_t nthresholds;
    bool rate_reached; /* open loop: at most 1% of the scheduled requests missed */
} load_report;

/* Checks every threshold; returns how many failed. */
static size_t load_check_thresholds(load_report *rep, const gs_traffic_result *r)
{
    size_t failed = 0;
    for (size_t k = 0; k < rep->nthresholds; k++) {
        rep->passed[k] = gs_threshold_check(&rep->thresholds[k], r, &rep->observed[k]);
        failed += !rep->passed[k];
    }
    return failed;
}

/* "--percentiles 50,90,99.9": each 0 < p <= 100. */
static bool load_parse_percentiles(const char *s, load_report *rep)
{
    rep->npcts = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno != 0 || !(v > 0) || v > 100 || (*end != ',' && *end != '\0') ||
            rep->npcts == LOAD_MAX_PERCENTILES)
            return false;
        rep->pcts[rep->npcts++] = v;
        p = *end == ',' ? end + 1 : end;
        if (*end == ',' && *p == '\0')
            return false;
    }
    return rep->npcts > 0;
}

static void load_print_thresholds(const load_report *rep, bool colour)
{
    for (size_t k = 0; k < rep->nthresholds; k++) {
        char obs[48];
        gs_threshold_format(&rep->thresholds[k], rep->observed[k], obs, sizeof(obs));
        printf("  %-12s %s%s%s %s (observed %s)\n", k == 0 ? "thresholds" : "",
               rep->passed[k] ? gs_term_green(colour) : gs_term_red(colour),
               rep->passed[k] ? "pass" : "FAIL", gs_term_reset(colour),
               rep->thresholds[k].expr, obs);
    }
}

static void load_print_error_texts(const gs_traffic_result *r)
{
    for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++) {
        const gs_traffic_counts *c = &r->error_texts[e];
        for (size_t k = 0; k < c->len; k++)
            printf("  %-12s %s: %s: %llu\n", "", gs_traffic_error_name((gs_traffic_error)e),
                   c->items[k].name, (unsigned long long)c->items[k].count);
    }
}

static void load_print_text(const gs_traffic_config *cfg, const load_report *rep,
                            const gs_traffic_result *r)
{
    const char *url = rep->url;
    bool colour = gs_term_colour(STDOUT_FILENO);
    printf("%sgatesim load %s%s  (%s, %u connection%s x %u stream%s, %s)\n", gs_term_bold(colour),
           url, gs_term_reset(colour), gs_traffic_protocol_name(cfg->protocol), cfg->connections,
           cfg->connections == 1 ? "" : "s", cfg->streams, cfg->streams == 1 ? "" : "s",
           cfg->rate > 0 ? "open loop" : "closed loop");
    printf("  %-12s %llu in %.2fs = %.1f req/s", "requests", (unsigned long long)r->requests,
           r->duration_s, r->rps);
    if (r->target_rps > 0)
        printf(" (target %.1f req/s)", r->target_rps);
    if (r->interrupted)
        printf(" %s(interrupted)%s", gs_term_red(colour), gs_term_reset(colour));
    printf("\n");
    if (r->target_rps > 0 && r->missed > 0)
        printf("  %-12s %s%llu of %llu scheduled requests not started in time%s\n", "missed",
               rep->rate_reached ? "" : gs_term_red(colour), (unsigned long long)r->missed,
               (unsigned long long)r->scheduled, gs_term_reset(colour));
    const gs_histogram *hists[2] = {r->latency, r->service};
    const char *labels[2] = {"latency", "uncorrected"};
    for (int h = 0; h < (cfg->rate > 0 ? 2 : 1) && r->responses > 0; h++) {
        printf("  %-12s", labels[h]);
        char buf[32];
        for (size_t k = 0; k < rep->npcts; k++) {
            load_fmt_ms(buf, sizeof(buf), gs_histogram_percentile(hists[h], rep->pcts[k]));
            printf(" p%g %s ", rep->pcts[k], buf);
        }
        load_fmt_ms(buf, sizeof(buf), gs_histogram_max(hists[h]));
        printf(" max %s\n", buf);
    }
    load_print_counts("statuses", &r->statuses);
    if (r->grpc_statuses.len)
        load_print_counts("grpc-status", &r->grpc_statuses);
    load_print_counts("backends", &r->backends);
    uint64_t errs = r->requests - r->responses;
    printf("  %-12s", "errors");
    if (errs == 0)
        printf(" none");
    for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++) {
        if (r->errors[e])
            printf(" %s%s: %llu%s", gs_term_red(colour), gs_traffic_error_name((gs_traffic_error)e),
                   (unsigned long long)r->errors[e], gs_term_reset(colour));
    }
    printf("\n");
    load_print_error_texts(r);
    if (r->abandoned)
        printf("  %-12s %llu requests in flight when interrupted\n", "abandoned",
               (unsigned long long)r->abandoned);
    load_print_thresholds(rep, colour);
}

/* ISO 8601 UTC with milliseconds: "2026-12-06T23:40:01.123Z". */
static void load_fmt_time(char *out, size_t n, double unix_s)
{
    time_t secs = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&secs, &tm);
    char date[32];
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    int ms = (int)((unix_s - (double)secs) * 1000);
    snprintf(out, n, "%s.%03dZ", date, ms < 0 ? 0 : ms > 999 ? 999 : ms);
}

/* The run's settings, so a result file says what produced it. */
static void load_write_settings(gs_json *j, const gs_traffic_config *cfg, const char *url)
{
    gs_json_key(j, "settings");
    gs_json_object_begin(j);
    gs_json_key(j, "url");
    gs_json_string(j, url);
    gs_json_key(j, "address");
    gs_json_string(j, cfg->address);
    gs_json_key(j, "protocol");
    gs_json_string(j, gs_traffic_protocol_name(cfg->protocol));
    gs_json_key(j, "method");
    gs_json_string(j, cfg->method ? cfg->method
                                  : cfg->protocol == GS_TRAFFIC_GRPC ? "POST" : "GET");
    gs_json_key(j, "connections");
    gs_json_uint(j, cfg->connections);
    gs_json_key(j, "streams");
    gs_json_uint(j, cfg->streams);
    gs_json_key(j, "threads");
    gs_json_uint(j, cfg->threads);
    gs_json_key(j, "loop");
    gs_json_string(j, cfg->rate > 0 ? "open" : "closed");
    gs_json_key(j, "rate");
    if (cfg->rate > 0)
        gs_json_double(j, cfg->rate);
    else
        gs_json_null(j);
    gs_json_key(j, "requests");
    if (cfg->requests)
        gs_json_uint(j, cfg->requests);
    else
        gs_json_null(j);
    gs_json_key(j, "durationSeconds");
    if (cfg->requests == 0)
        gs_json_double(j, (double)cfg->duration_ns / 1e9);
    else
        gs_json_null(j);
    gs_json_key(j, "warmupSeconds");
    gs_json_double(j, (double)cfg->warmup_ns / 1e9);
    gs_json_key(j, "timeoutSeconds");
    gs_json_double(j, (double)cfg->request_timeout_ns / 1e9);
    gs_json_key(j, "newConnectionPerRequest");
    gs_json_bool(j, cfg->new_connection_per_request);
    gs_json_object_end(j);
}

static void load_write_thresholds(gs_json *j, const load_report *rep)
{
    gs_json_key(j, "thresholds");
    gs_json_array_begin(j);
    for (size_t k = 0; k < rep->nthresholds; k++) {
        const gs_threshold *t = &rep->thresholds[k];
        bool latency = t->metric == GS_THRESHOLD_PERCENTILE || t->metric == GS_THRESHOLD_MEAN ||
                       t->metric == GS_THRESHOLD_MAX;
        gs_json_object_begin(j);
        gs_json_key(j, "threshold");
        gs_json_string(j, t->expr);
        gs_json_key(j, "pass");
        gs_json_bool(j, rep->passed[k]);
        /* latencies in ms like every latency of the output; shares as fractions */
        gs_json_key(j, latency ? "observedMs" : "observed");
        gs_json_double(j, latency ? rep->observed[k] / 1e6 : rep->observed[k]);
        gs_json_key(j, latency ? "limitMs" : "limit");
        gs_json_double(j, latency ? t->limit / 1e6 : t->limit);
        gs_json_object_end(j);
    }
    gs_json_array_end(j);
}

/* The run as one interval of an HdrHistogram log: the corrected latency untagged (what tools
 * show by default), the uncorrected one tagged "service". */
static int load_write_hdr_log(FILE *f, const char *path, const gs_traffic_result *r)
{
    gs_hdrlog_interval iv[2] = {
        {.hist = r->latency, .start_s = 0, .length_s = r->duration_s, .tag = NULL},
        {.hist = r->service, .start_s = 0, .length_s = r->duration_s, .tag = "service"},
    };
    gs_error err = {0};
    if (gs_hdrlog_write(f, r->start_unix_s, iv, 2, &err) != 0) {
        fprintf(stderr, "gatesim load: --hdr-log %s: %s\n", path, err.msg);
        return -1;
    }
    return 0;
}

static void load_print_json(const gs_traffic_config *cfg, const load_report *rep,
                            const gs_traffic_result *r)
{
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_json_object_begin(&j);
    gs_json_key(&j, "version");
    gs_json_string(&j, GS_VERSION);
    char when[48];
    load_fmt_time(when, sizeof(when), r->start_unix_s);
    gs_json_key(&j, "startTime");
    gs_json_string(&j, when);
    load_write_settings(&j, cfg, rep->url);
    if (cfg->rate > 0) {
        gs_json_key(&j, "rateReached");
        gs_json_bool(&j, rep->rate_reached);
    }
    gs_traffic_json_opts o = {.percentiles = rep->pcts, .num_percentiles = rep->npcts,
                              .histograms = true};
    gs_traffic_result_write_fields(r, &o, &j);
    load_write_thresholds(&j, rep);
    gs_json_object_end(&j);
    printf("%s\n", b.data);
    gs_buf_free(&b);
}

enum {
    OPT_HOST = 256,
    OPT_CONNECT_TO,
    OPT_BODY,
    OPT_BODY_FILE,
    OPT_GRPC,
    OPT_CACERT,
    OPT_SNI,
    OPT_NEWCONN,
    OPT_TIMEOUT,
    OPT_CONNECT_TIMEOUT,
    OPT_REQID,
    OPT_PERCENTILES,
    OPT_THRESHOLD,
    OPT_HDR_LOG,
};

int gs_cmd_load(int argc, char **argv)
{
    static const struct option opts[] = {
        {"protocol", required_argument, NULL, 'p'},
        {"method", required_argument, NULL, 'X'},
        {"header", required_argument, NULL, 'H'},
        {"host", required_argument, NULL, OPT_HOST},
        {"connect-to", required_argument, NULL, OPT_CONNECT_TO},
        {"body", required_argument, NULL, OPT_BODY},
        {"body-file", required_argument, NULL, OPT_BODY_FILE},
        {"grpc", required_argument, NULL, OPT_GRPC},
        {"cacert", required_argument, NULL, OPT_CACERT},
        {"insecure", no_argument, NULL, 'k'},
        {"sni", required_argument, NULL, OPT_SNI},
        {"connections", required_argument, NULL, 'c'},
        {"streams", required_argument, NULL, 'm'},
        {"requests", required_argument, NULL, 'n'},
        {"duration", required_argument, NULL, 'd'},
        {"rate", required_argument, NULL, 'r'},
        {"warmup", required_argument, NULL, 'w'},
        {"threads", required_argument, NULL, 't'},
        {"new-connection-per-request", no_argument, NULL, OPT_NEWCONN},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
        {"request-id-prefix", required_argument, NULL, OPT_REQID},
        {"output", required_argument, NULL, 'o'},
        {"percentiles", required_argument, NULL, OPT_PERCENTILES},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"hdr-log", required_argument, NULL, OPT_HDR_LOG},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
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
    static const double default_pcts[] = {50, 90, 99, 99.9, 99.99};
    load_report *rep = gs_xcalloc(1, sizeof(*rep));
    FILE *hdr_log = NULL; /* opened while parsing, so a bad path is a usage error before the run */
    const char *hdr_log_path = NULL;
    memcpy(rep->pcts, default_pcts, sizeof(default_pcts));
    rep->npcts = sizeof(default_pcts) / sizeof(default_pcts[0]);

    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":p:X:H:kc:m:n:d:r:w:t:o:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            if (gs_traffic_protocol_parse(optarg, &cfg.protocol) != 0) {
                rc = load_bad("unknown protocol \"%s\" (want http1, h2c, http2 or grpc)", optarg);
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
        case OPT_BODY_FILE:
            free(body);
            body = load_read_file(optarg, &cfg.body_len);
            if (body == NULL) {
                rc = load_bad("cannot read body file \"%s\"", optarg);
                goto out;
            }
            break;
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
        case 'k':
            cfg.insecure = true;
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
        case OPT_TIMEOUT:
            if (!load_parse_duration(optarg, &cfg.request_timeout_ns) ||
                cfg.request_timeout_ns <= 0) {
                rc = load_bad("bad --timeout \"%s\": want e.g. 2s", optarg);
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
        case 't':
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
        case 'o':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") == 0)
                json = false;
            else {
                rc = load_bad("bad --output \"%s\": want text or json", optarg);
                goto out;
            }
            break;
        case 'q':
            quiet = true;
            break;
        case OPT_PERCENTILES:
            if (!load_parse_percentiles(optarg, rep)) {
                rc = load_bad("bad --percentiles \"%s\": want e.g. 50,90,99,99.9 (each 0 < p <= "
                              "100, at most %d)",
                              optarg, LOAD_MAX_PERCENTILES);
                goto out;
            }
            break;
        case OPT_HDR_LOG:
            if (hdr_log != NULL)
                fclose(hdr_log);
            hdr_log = fopen(optarg, "w");
            if (hdr_log == NULL) {
                rc = load_bad("cannot write --hdr-log \"%s\": %s", optarg, strerror(errno));
                goto out;
            }
            hdr_log_path = optarg;
            break;
        case OPT_THRESHOLD:
            if (rep->nthresholds == LOAD_MAX_THRESHOLDS) {
                rc = load_bad("more than %d thresholds", LOAD_MAX_THRESHOLDS);
                goto out;
            }
            if (gs_threshold_parse(optarg, &rep->thresholds[rep->nthresholds], &err) != 0) {
                rc = load_bad("%s", err.msg);
                goto out;
            }
            rep->nthresholds++;
            break;
        case 'h':
            load_usage(stdout);
            rc = 0;
            goto out;
        default: {
            /* One line of our own, with a suggestion for a misspelt option. */
            char msg[256];
            gs_suggest_option_error(msg, sizeof(msg), argv[optind - 1], optopt, opts,
                                    "p:X:H:kc:m:n:d:r:w:t:o:qh");
            fprintf(stderr, "gatesim load: %s (see gatesim load --help)\n", msg);
            rc = 2;
            goto out;
        }
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
    if (cfg.protocol == GS_TRAFFIC_H2C && url.tls) {
        rc = load_bad("%s", "h2c is cleartext: use an http:// URL, or --protocol http2");
        goto out;
    }
    if (cfg.protocol == GS_TRAFFIC_HTTP2 && !url.tls) {
        rc = load_bad("%s", "http2 runs over TLS: use an https:// URL, or --protocol h2c");
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
    rep->url = url_arg;
    if (cfg.insecure && url.tls)
        gs_log_warn("--insecure: the server certificate is NOT verified");

    load_progress_tty = !quiet && gs_term_isatty(STDERR_FILENO);
    cfg.on_progress = on_load_progress;
    load_progress_cfg = &cfg;
    cfg.cancel = &load_cancel;
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_load_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    gs_traffic_result *res = NULL;
    int run_rc = gs_traffic_run(&cfg, &res, &err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (load_progress_tty) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    if (run_rc != 0) {
        rc = load_bad("%s", err.msg);
        goto out;
    }
    /* open loop: more than 1% of the schedule never started means the rate was not reached */
    rep->rate_reached = res->missed * 100 <= res->scheduled;
    size_t failed = load_check_thresholds(rep, res);
    if (json)
        load_print_json(&cfg, rep, res);
    else
        load_print_text(&cfg, rep, res);
    fflush(stdout);
    if (cfg.rate > 0 && !rep->rate_reached)
        fprintf(stderr,
                "gatesim load: warning: the target rate of %g req/s was not reached: %llu of "
                "%llu scheduled requests were not started in time (%.1f req/s measured); add "
                "connections (-c), streams (-m) or threads (-t), or lower the rate\n",
                cfg.rate, (unsigned long long)res->missed, (unsigned long long)res->scheduled,
                res->rps);
    if (failed > 0)
        fprintf(stderr, "gatesim load: %zu of %zu thresholds failed\n", failed,
                rep->nthresholds);
    bool hdr_failed = hdr_log != NULL && load_write_hdr_log(hdr_log, hdr_log_path, res) != 0;
    if (res->interrupted)
        rc = 130;
    else if (failed > 0 || hdr_failed || (res->requests > 0 && res->responses == 0))
        rc = 1;
    else
        rc = 0;
    gs_traffic_result_free(res);
out:
    if (hdr_log != NULL)
        fclose(hdr_log);
    free(rep);
    for (size_t k = 0; k < nheaders; k++)
        free((void *)(uintptr_t)headers[k].name);
    free(headers);
    free(body);
    free(grpc_svc);
    gs_traffic_url_clear(&url);
    return rc;
}
