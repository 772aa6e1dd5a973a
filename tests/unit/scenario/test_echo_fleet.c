/* SPDX-License-Identifier: MIT */
/* The echo fleet against the real gatesim-echo: one process per replica with endpoints for every
 * Service port, request ids read back from each replica's log (only new ones on each call; more
 * than a page of them in pages), a replica that dies is reported, and stopping leaves no process. */
#include "gs_echo_fleet.h"
#include "gs_alloc.h"
#include "gs_proc.h"
#include "gs_test.h"
#include "gs_time.h"
#include "gs_traffic.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *yaml = "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: f}\n"
                          "spec:\n  backends:\n  - {service: default/app, replicas: 2, ports: [80, "
                          "8080]}\n  - {service: other/shadow, behaviour: {delay: 1ms}}\n"
                          "  steps:\n  - name: s\n    send: {path: /}\n";

/* A scenario loaded from YAML text, with a scratch folder for the fleet's logs. */
typedef struct fleet_case {
    char dir[32];
    char *path;
    gs_scenario_list list;
    gs_diags diags;
    gs_objset set;
    const gs_scenario *sc;
} fleet_case;

static void fleet_case_load(fleet_case *fc, const char *text)
{
    memset(fc, 0, sizeof(*fc));
    snprintf(fc->dir, sizeof(fc->dir), "/tmp/gatesim-fleet-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(fc->dir));
    fc->path = gs_test_write_temp(".yaml", text);
    ck_assert_int_eq(gs_scenario_list_load(&fc->list, fc->path, &fc->diags, NULL), 0);
    fc->sc = fc->list.items[0];
}

/* Starts the real gatesim-echo fleet of the scenario; with |objects|, given the scenario's
 * manifests (layer-4 routes choose the echo's listeners). */
static void fleet_case_start(fleet_case *fc, gs_echo_fleet *f, bool objects, int64_t timeout_ns)
{
    gs_error err = {0};
    for (size_t i = 0; objects && i < fc->sc->n_manifests; i++)
        ck_assert_msg(gs_objset_add_source(&fc->set, &fc->sc->manifests[i], &err) == 0, "%s",
                      err.msg);
    int rc = gs_echo_fleet_start(f, fc->sc, objects ? &fc->set : NULL,
                                 gs_test_built("backends/gatesim-echo"), fc->dir, NULL,
                                 timeout_ns, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
}

static void fleet_case_free(fleet_case *fc)
{
    gs_objset_clear(&fc->set);
    gs_diags_clear(&fc->diags);
    gs_scenario_list_clear(&fc->list);
    unlink(fc->path);
    free(fc->path);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fc->dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void on_id(const char *id, void *user)
{
    int *n = user;
    if (strncmp(id, "fleet-", 6) == 0)
        (*n)++;
}

START_TEST(echo_fleet_start_log_die_stop)
{
    fleet_case fc;
    fleet_case_load(&fc, yaml);
    gs_echo_fleet f;
    gs_error err = {0};
    fleet_case_start(&fc, &f, false, 10 * GS_NS_PER_S);
    ck_assert_uint_eq(f.n_replicas, 3);
    ck_assert_uint_eq(f.n_endpoints, 5); /* 2 replicas x 2 ports + 1 */
    ck_assert_int_eq(gs_proc_live_count(), 3);
    ck_assert_str_eq(f.endpoints[0].name, "app");
    ck_assert_uint_eq(f.endpoints[1].port, 8080);
    ck_assert_str_eq(f.endpoints[0].address, f.endpoints[1].address);
    ck_assert_str_ne(f.endpoints[0].address, f.endpoints[2].address);
    ck_assert_int_eq(gs_echo_fleet_check(&f, &err), 0);

    /* 7 requests with ids to the shadow replica; the log gives exactly those back, once. */
    gs_traffic_config tc;
    gs_traffic_config_init(&tc);
    tc.address = f.replicas[2].address;
    tc.requests = 7;
    tc.request_id_prefix = "fleet-";
    gs_traffic_result *res = NULL;
    ck_assert_int_eq(gs_traffic_run(&tc, &res, &err), 0);
    ck_assert_uint_eq(gs_traffic_counts_get(&res->backends, "other/shadow"), 7);
    gs_traffic_result_free(res);
    int n = 0;
    int got = gs_echo_fleet_request_ids(&f, "other/shadow", on_id, &n, &err);
    ck_assert_int_eq(got, 7);
    ck_assert_int_eq(n, 7);
    n = 0;
    ck_assert_int_eq(gs_echo_fleet_request_ids(&f, "other/shadow", on_id, &n, &err), 0);
    ck_assert_int_eq(gs_echo_fleet_request_ids(&f, "default/app", on_id, &n, &err), 0);
    ck_assert_int_eq(n, 0);

    /* More ids than one page of the log (1024): read in pages, every id once. */
    gs_traffic_config_init(&tc);
    tc.address = f.replicas[0].address;
    tc.requests = 3000;
    tc.connections = 8;
    tc.request_id_prefix = "fleet-";
    ck_assert_int_eq(gs_traffic_run(&tc, &res, &err), 0);
    ck_assert_uint_eq(gs_traffic_counts_get(&res->backends, "default/app"), 3000);
    gs_traffic_result_free(res);
    ck_assert_int_eq(gs_echo_fleet_request_ids(&f, "default/app", on_id, &n, &err), 3000);
    ck_assert_int_eq(n, 3000);
    ck_assert_int_eq(gs_echo_fleet_request_ids(&f, "default/app", on_id, &n, &err), 0);

    /* A replica killed behind the fleet's back is reported by name. */
    ck_assert_int_eq(kill(gs_proc_pid(f.replicas[1].proc), SIGKILL), 0);
    int rc = 0;
    for (int i = 0; i < 2000 && rc == 0; i++) {
        rc = gs_echo_fleet_check(&f, &err);
        if (rc == 0)
            usleep(1000);
    }
    ck_assert_int_eq(rc, GS_ERR_CLOSED);
    ck_assert_msg(strstr(err.msg, "backend default/app replica 1 killed by signal 9"), "%s",
                  err.msg);
    gs_echo_fleet_stop(&f);
    ck_assert_int_eq(gs_proc_live_count(), 0);
    fleet_case_free(&fc);
}
END_TEST

START_TEST(echo_fleet_bad_binary_is_an_error)
{
    fleet_case fc;
    fleet_case_load(&fc, yaml);
    gs_echo_fleet f;
    gs_error err = {0};
    /* /bin/false exits at once without a ready line. */
    ck_assert_int_lt(gs_echo_fleet_start(&f, fc.sc, NULL, "/bin/false", fc.dir, NULL,
                                         5 * GS_NS_PER_S, &err),
                     0);
    ck_assert_msg(strstr(err.msg, "backend default/app replica 0 exited with status 1"), "%s",
                  err.msg);
    ck_assert_int_eq(gs_proc_live_count(), 0);
    fleet_case_free(&fc);
}
END_TEST

/* Backends of layer-4 routes get the echo's TCP, UDP or TLS listener as their endpoint; each
 * TLS replica has its own certificate, and the fleet says whose a fingerprint is. */
static const char *yaml_l4 =
    "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: l4}\n"
    "spec:\n  backends:\n  - {service: default/db, ports: [5432]}\n"
    "  - {service: default/dns, ports: [53, 80]}\n  - {service: default/a, ports: [443]}\n"
    "  - {service: default/b, ports: [443]}\n"
    "  manifests:\n"
    "  - inline: {apiVersion: gateway.networking.k8s.io/v1alpha2, kind: TCPRoute, metadata: "
    "{name: t, namespace: default}, spec: {rules: [{backendRefs: [{name: db, port: 5432}]}]}}\n"
    "  - inline: {apiVersion: gateway.networking.k8s.io/v1alpha2, kind: UDPRoute, metadata: "
    "{name: u, namespace: default}, spec: {rules: [{backendRefs: [{name: dns, port: 53}]}]}}\n"
    "  - inline: {apiVersion: gateway.networking.k8s.io/v1, kind: TLSRoute, metadata: "
    "{name: s, namespace: default}, spec: {hostnames: [a.example.com], rules: [{backendRefs: "
    "[{name: a, port: 443}, {name: b, port: 443}]}]}}\n"
    "  steps:\n  - name: s\n    send: {protocol: tcp}\n";

START_TEST(echo_fleet_layer4_listeners)
{
    fleet_case fc;
    fleet_case_load(&fc, yaml_l4);
    gs_echo_fleet f;
    fleet_case_start(&fc, &f, true, 20 * GS_NS_PER_S);
    gs_error err = {0};
    ck_assert_uint_eq(f.n_endpoints, 5);
    /* db:5432 -> TCP listener; dns:53 -> UDP, dns:80 -> HTTP; a, b:443 -> TLS */
    ck_assert_str_eq(f.endpoints[0].address, f.replicas[0].tcp_address);
    ck_assert_ptr_null(f.replicas[0].udp_address);
    ck_assert_str_eq(f.endpoints[1].address, f.replicas[1].udp_address);
    ck_assert_str_eq(f.endpoints[2].address, f.replicas[1].address);
    ck_assert_str_eq(f.endpoints[3].address, f.replicas[2].tls_address);
    ck_assert_str_eq(f.endpoints[4].address, f.replicas[3].tls_address);
    ck_assert_ptr_nonnull(f.replicas[2].tls_sha256);
    ck_assert_str_ne(f.replicas[2].tls_sha256, f.replicas[3].tls_sha256);
    ck_assert_str_eq(gs_echo_fleet_cert_owner(f.replicas[3].tls_sha256, &f), "default/b");
    ck_assert_ptr_null(gs_echo_fleet_cert_owner("00", &f));

    /* what a passthrough client of b sees: b's certificate and b's answer */
    gs_traffic_config tc;
    gs_traffic_config_init(&tc);
    tc.protocol = GS_TRAFFIC_TLS;
    tc.address = f.endpoints[4].address;
    tc.authority = "a.example.com";
    tc.insecure = true;
    tc.requests = 3;
    gs_traffic_result *res = NULL;
    ck_assert_int_eq(gs_traffic_run(&tc, &res, &err), 0);
    ck_assert_uint_eq(gs_traffic_counts_get(&res->backends, "default/b"), 3);
    ck_assert_uint_eq(gs_traffic_counts_get(&res->certificates, f.replicas[3].tls_sha256), 3);
    gs_traffic_result_free(res);
    /* and UDP to dns */
    gs_traffic_config_init(&tc);
    tc.protocol = GS_TRAFFIC_UDP;
    tc.address = f.endpoints[1].address;
    tc.requests = 3;
    ck_assert_int_eq(gs_traffic_run(&tc, &res, &err), 0);
    ck_assert_uint_eq(gs_traffic_counts_get(&res->backends, "default/dns"), 3);
    gs_traffic_result_free(res);

    gs_echo_fleet_stop(&f);
    ck_assert_int_eq(gs_proc_live_count(), 0);
    fleet_case_free(&fc);
}
END_TEST

/* A TLSRoute on a Terminate listener sends the cleartext: its backend gets a TCP echo; on a
 * Passthrough listener of the same port (told apart by hostname or sectionName) a TLS echo. */
static const char *yaml_terminate =
    "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: term}\n"
    "spec:\n  backends:\n  - {service: default/c, ports: [3000, 8443]}\n"
    "  - {service: default/d, ports: [3000]}\n"
    "  manifests:\n"
    "  - inline: {apiVersion: gateway.networking.k8s.io/v1, kind: Gateway, metadata: {name: gw, "
    "namespace: default}, spec: {gatewayClassName: x, listeners: [{name: term, protocol: TLS, "
    "port: 8443, hostname: t.example.com, tls: {mode: Terminate, certificateRefs: [{name: s}]}}, "
    "{name: pass, protocol: TLS, port: 8443, hostname: p.example.com, tls: {mode: "
    "Passthrough}}]}}\n"
    "  - inline: {apiVersion: gateway.networking.k8s.io/v1, kind: TLSRoute, metadata: "
    "{name: r1, namespace: default}, spec: {parentRefs: [{name: gw}], hostnames: "
    "[t.example.com], rules: [{backendRefs: [{name: c, port: 3000}]}]}}\n"
    "  - inline: {apiVersion: gateway.networking.k8s.io/v1, kind: TLSRoute, metadata: "
    "{name: r2, namespace: default}, spec: {parentRefs: [{name: gw}], hostnames: "
    "[p.example.com], rules: [{backendRefs: [{name: c, port: 8443}]}]}}\n"
    "  - inline: {apiVersion: gateway.networking.k8s.io/v1, kind: TLSRoute, metadata: "
    "{name: r3, namespace: default}, spec: {parentRefs: [{name: gw, sectionName: term}], "
    "hostnames: [\"*.example.com\"], rules: [{backendRefs: [{name: d, port: 3000}]}]}}\n"
    "  steps:\n  - name: s\n    send: {protocol: tls, host: t.example.com}\n";

START_TEST(echo_fleet_terminate_gets_tcp)
{
    fleet_case fc;
    fleet_case_load(&fc, yaml_terminate);
    gs_echo_fleet f;
    fleet_case_start(&fc, &f, true, 20 * GS_NS_PER_S);
    ck_assert_uint_eq(f.n_endpoints, 3);
    /* c:3000 (r1, Terminate by hostname) -> TCP; c:8443 (r2, Passthrough) -> TLS;
     * d:3000 (r3, sectionName term) -> TCP */
    ck_assert_ptr_nonnull(f.replicas[0].tcp_address);
    ck_assert_str_eq(f.endpoints[0].address, f.replicas[0].tcp_address);
    ck_assert_ptr_nonnull(f.replicas[0].tls_address);
    ck_assert_str_eq(f.endpoints[1].address, f.replicas[0].tls_address);
    ck_assert_ptr_nonnull(f.replicas[1].tcp_address);
    ck_assert_str_eq(f.endpoints[2].address, f.replicas[1].tcp_address);
    ck_assert_ptr_null(f.replicas[1].tls_address);
    gs_echo_fleet_stop(&f);
    ck_assert_int_eq(gs_proc_live_count(), 0);
    fleet_case_free(&fc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("echo_fleet");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, echo_fleet_start_log_die_stop);
    tcase_add_test(tc, echo_fleet_bad_binary_is_an_error);
    tcase_add_test(tc, echo_fleet_layer4_listeners);
    tcase_add_test(tc, echo_fleet_terminate_gets_tcp);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
