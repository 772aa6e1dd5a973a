/* SPDX-License-Identifier: MIT */
/* The nginx target's configuration generator: control's compiled route table (plus the Service
 * endpoints) → nginx.conf and the njs data file (docs/targets/nginx.md, "Translation"). Pure: it
 * writes into buffers, the caller writes the files. Private to harness/targets. */
#ifndef GS_TARGET_NGINX_CONF_H
#define GS_TARGET_NGINX_CONF_H

#include "gs_buf.h"
#include "gs_error.h"
#include "gs_route_table.h"
#include "gs_target.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gs_nginx_conf_in {
    const gs_route_table *table; /* compiled */
    const gs_target_endpoint *endpoints;
    size_t n_endpoints;
    /* Per gs_route_table_port(table, i): the 127.0.0.1 port nginx listens on for it. */
    const uint16_t *bound_ports;
    uint16_t probe_port; /* the generation and stub_status server */
    uint64_t generation; /* what the probe location answers once this configuration serves */
    const char *workdir; /* absolute: pid file, temp paths, certificates */
    const char *js_path; /* absolute path of the njs file this configuration imports */
    /* The js module's file for load_module, or NULL when njs is not installed (then a table
     * that needs it is refused with the package to install). */
    const char *js_module;
    /* The headers-more module (libnginx-mod-http-headers-more-filter), or NULL: without it a
     * ResponseHeaderModifier cannot touch nginx's own Server and Date headers. */
    const char *headers_more_module;
    /* The stream module (libnginx-mod-stream), or NULL: then a table with TLS, TCP or UDP
     * listeners is refused with the package to install. */
    const char *stream_module;
    const char *user; /* `user` directive (nginx started as root), or NULL for none */
    bool no_hostname_fallthrough; /* as the table was built with (gs_rt_options) */
} gs_nginx_conf_in;

/* A file the configuration refers to (a certificate or key), to be written beside it. */
typedef struct gs_nginx_conf_file {
    char *path;
    char *data;
} gs_nginx_conf_file;

/* A rule left out of the configuration because it needs something nginx cannot do as the Gateway
 * API says (docs/targets/nginx.md, "Features"): the route's status says so. */
typedef struct gs_nginx_drop {
    gs_rt_route_kind kind;
    char *namespace;
    char *name;
    size_t rule;         /* index in the route's rules */
    size_t route_rules;  /* how many rules the route has */
    const char *feature; /* the upstream SupportedFeature name, e.g. "HTTPRouteCORS" */
    const char *why;     /* the nginx reason */
} gs_nginx_drop;

/* What nginx cannot do, by upstream SupportedFeature name, with the reason. */
typedef struct gs_nginx_feature {
    const char *feature;
    const char *why;
} gs_nginx_feature;

extern const gs_nginx_feature gs_nginx_unsupported_features[];
extern const size_t gs_nginx_n_unsupported_features;

typedef struct gs_nginx_conf_out {
    gs_buf conf; /* nginx.conf */
    gs_buf js;   /* the njs file (empty when no location needs njs) */
    bool needs_js;
    bool needs_headers_more;
    bool has_mirrors; /* some location mirrors: its copies go to the mirror log */
    gs_nginx_conf_file *files;
    size_t n_files;
    gs_nginx_drop *drops; /* one per dropped (route, rule) */
    size_t n_drops;
} gs_nginx_conf_out;

/* Renders |in| into |out| (zeroed by the caller; free with gs_nginx_conf_out_free). Returns 0,
 * or GS_ERR_NOT_FOUND when the table needs njs and |in->js_module| is NULL. */
int gs_nginx_conf_render(const gs_nginx_conf_in *in, gs_nginx_conf_out *out, gs_error *err);
void gs_nginx_conf_out_free(gs_nginx_conf_out *out);

/* Adds a file to write beside the configuration; takes ownership of |path|. */
void gs_nginx_conf_add_file(gs_nginx_conf_out *out, char *path, const char *data);

/* Whether |table| has layer-4 ports (TLS, TCP, UDP), which the stream {} block serves. */
bool gs_nginx_stream_needed(const gs_route_table *table);
/* Appends the stream {} block for the TLS, TCP and UDP ports of |in->table| to |stream|
 * (gs_target_nginx_stream.c; certificates of Terminate listeners go to |out->files|). */
void gs_nginx_stream_render(const gs_nginx_conf_in *in, gs_nginx_conf_out *out, gs_buf *stream);

/* The mirror log, in the work folder: one line per mirror copy when its exchange ends, the last
 * try's upstream status and response header time ("504|-"; "-|-" for a backend without
 * endpoints). */
#define GS_NGINX_MIRROR_LOG "mirrors.log"

/* Mirror copies by fate, as the builtin gateway counts them (docs/gateway.md, Mirrors): sent to an
 * upstream (failed and timed out included), no endpoint, failed, timed out. */
typedef struct gs_nginx_mirror_counts {
    uint64_t sent, no_endpoint, failed, timed_out;
} gs_nginx_mirror_counts;

/* Adds the complete lines of mirror log text |text| to |c|; returns the bytes read (through the
 * last newline: a line being written is read next time). */
size_t gs_nginx_mirror_log_count(const char *text, size_t len, gs_nginx_mirror_counts *c);

/* The static njs code (harness/targets/nginx/gatesim.js), embedded at build time. */
extern const char gs_nginx_js_code[];

#endif
