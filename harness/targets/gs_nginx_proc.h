/* SPDX-License-Identifier: MIT */
/* The process machinery of the targets that run Debian's nginx (nginx, ingress-nginx): finding
 * the binary and its modules, free 127.0.0.1 ports, `nginx -t`, starting the master or reloading
 * it with SIGHUP, and knowing when the new configuration serves: every configuration has a probe
 * server answering its generation number on /gatesim/generation, and a load returns once it
 * answers the new number and the previous configuration's workers are gone. nginx writes its
 * stderr (and `error_log stderr`) to one log, whose [emerg] lines say why a configuration was
 * refused. Private to harness/targets. */
#ifndef GS_NGINX_PROC_H
#define GS_NGINX_PROC_H

#include "gs_buf.h"
#include "gs_error.h"
#include "gs_model.h"
#include "gs_proc.h"
#include "gs_target.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct gs_nginx_proc {
    gs_proc *proc;        /* the master; NULL while not running */
    char *nginx;          /* the binary */
    char *log_path;       /* <workdir>/nginx.log: its stderr */
    const char *workdir;  /* absolute, borrowed */
    int64_t timeout_ns;   /* how long -t, a start or a reload may take */
    uint16_t probe_port;  /* the probe server's port; 0 until gs_nginx_proc_probe_port */
    uint64_t generation;  /* of the configuration served */
    uint64_t own_requests; /* requests gatesim made to the probe server (not traffic) */
} gs_nginx_proc;

/* $GATESIM_NGINX, else `nginx` in PATH, else /usr/sbin/nginx; NULL when none. */
char *gs_nginx_find_binary(void);
/* A dynamic module's file in $GATESIM_NGINX_MODULES or Debian's folder, or NULL. */
char *gs_nginx_find_module(const char *file);
/* A 127.0.0.1 port nobody listens on now (bound then released: another process may take it
 * first, which gs_nginx_port_taken then recognises in the load's error). */
int gs_nginx_free_port(uint16_t *out, gs_error *err);
bool gs_nginx_port_taken(const char *complaint);

/* Finds the binary and fills |np|: GS_ERR_NOT_FOUND (with what to install) when there is none.
 * |who| names the target in the message. */
int gs_nginx_proc_init(gs_nginx_proc *np, const char *workdir, int64_t timeout_ns,
                       const char *who, gs_error *err);
/* Stops nginx and frees what |np| holds. */
void gs_nginx_proc_clear(gs_nginx_proc *np);
/* Draws the probe port once (kept across loads). */
int gs_nginx_proc_probe_port(gs_nginx_proc *np, gs_error *err);
/* The probe server block on 127.0.0.1:|port| for generation |gen|, to write inside http {}. */
void gs_nginx_probe_server(uint16_t port, uint64_t gen, gs_buf *conf);

/* GET |path| from the probe server: 0 with the body in |body|, or a negative GS_ERR_*. */
int gs_nginx_proc_probe_get(gs_nginx_proc *np, const char *path, gs_buf *body);
/* `nginx -t` on |conf|: 0, or GS_ERR_INVALID with nginx's complaint. */
int gs_nginx_proc_test(const gs_nginx_proc *np, const char *conf, gs_error *err);
/* Serves |conf| (in place, tested), which is generation |gen|: starts nginx, or reloads it,
 * then waits until the probe answers |gen| and the old workers are gone. A start that fails
 * stops nginx (it may still be retrying a bind), so the next load starts it again. */
int gs_nginx_proc_load(gs_nginx_proc *np, const char *conf, uint64_t gen, gs_error *err);
/* GS_ERR_CLOSED when nginx is not running or died (with its last words), else 0. */
int gs_nginx_proc_check(gs_nginx_proc *np, gs_error *err);

/* Writes |objs| as one YAML stream to |path| (kept for people to read) and loads them into a
 * new model |*out| (the caller frees it, also on error). GS_ERR_INVALID with the first error at
 * its file:line:col when an object is invalid. |who| names the target in the file's header. */
int gs_nginx_load_objects(const gs_target_objects *objs, const char *path, const char *who,
                          gs_model **out, gs_error *err);

#endif
