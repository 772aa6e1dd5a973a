/* SPDX-License-Identifier: MIT */
/* results.json: the schema of docs/cli.md, read back by Python's json module (an independent
 * parser), including a partially completed run and hostile strings. */
#include "gs_report.h"
#include "gs_test.h"
#include "gs_alloc.h"

#include "sample_results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Runs /usr/bin/python3 |script| on |json| written to a temp file; returns its exit status. */
static int json_check_with_python(const char *json, const char *script)
{
    char *data = gs_test_write_temp(".json", json);
    char *py = gs_test_write_temp(".py", script);
    char *cmd = gs_xasprintf("/usr/bin/python3 %s %s", py, data);
    int rc = system(cmd);
    unlink(data);
    unlink(py);
    free(data);
    free(py);
    free(cmd);
    return rc;
}

static const char schema_script[] =
    "import json, math, sys\n"
    "d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
    "assert d['target'] == 'builtin', d['target']\n"
    "assert d['startedAt'] == '2026-11-29T03:13:01.123Z', d['startedAt']\n"
    "assert d['seed'] == 42 and d['state'] == 'running'\n"
    "s = d['summary']\n"
    "assert (s['scenarios'], s['passed'], s['failed'], s['errors']) == (4, 1, 1, 1), s\n"
    "sc = d['scenarios']\n"
    "assert [x['result'] for x in sc] == ['passed', 'failed', 'error', 'skipped'], sc\n"
    "assert sc[3].get('pending') is True and 'pending' not in sc[0]\n"
    "assert sc[1]['name'] == 'wrong-split <75/25>' and sc[1]['file'] == 'scenarios/wrong.yaml'\n"
    "assert sc[0]['durationMs'] == 1830\n"
    "st = sc[0]['steps'][0]\n"
    "assert st['name'] == 'split holds at 95/5' and st['result'] == 'passed'\n"
    "assert st['convergenceMs'] == 12.5\n"
    "t = st['traffic']\n"
    "assert t['requests'] == 3000 and t['durationSeconds'] == 1.25 and t['rps'] == 2400\n"
    "assert t['latencyMs'] == {'p50': 0.8, 'p90': 1.9, 'p99': 4.2, 'p999': 9.5, 'max': 12.25}\n"
    "assert t['statuses'] == {'200': 2997, '503': 3}, t['statuses']\n"
    "assert t['backends'] == {'default/app-stable': 2851, 'default/app-canary': 149}\n"
    "assert t['errors'] == {'connect': 0}\n"
    "assert 'targetStats' not in st\n"
    "ts = sc[1]['steps'][0]['targetStats']\n"
    "assert list(ts.items()) == [('mirrorsSent', 3988), ('mirrorsDropped', 12), ('timeouts', 0)], ts\n"
    "c = st['checks']\n"
    "assert [x['kind'] for x in c] == ['status', 'split']\n"
    "assert 'pValue' not in c[0] and c[1]['pValue'] == 0.617\n"
    "for x in c: assert set(['kind','result','message','expected','observed']) <= set(x)\n"
    "sh = c[1]['shares']\n"
    "assert sh[0]['backend'] == 'default/app-stable' and sh[0]['observedCount'] == 2851\n"
    "assert sh[1]['expectedShare'] == 0.05 and sh[1]['interval'] == [0.0423, 0.0582]\n"
    "assert c[1]['method'] == 'exact-binomial' and c[1]['alpha'] == 0.001\n"
    "f = sc[1]['steps'][0]['checks'][1]\n"
    "assert f['result'] == 'failed'\n"
    "assert f['message'].startswith('header X-Frame-Options missing: <script>alert(\"x\")')\n"
    "assert '\\ufffd' in f['message'], f['message']\n"
    "assert f['evidence']['request'].startswith('GET /checkout?a=1&b=<2> HTTP/1.1\\r\\n')\n"
    "assert '</pre>' in f['evidence']['response']\n"
    "assert sc[2]['error'].startswith('gateway exited')\n"
    "assert sc[3]['steps'] == []\n";

START_TEST(json_matches_schema)
{
    gs_results *r = sample_results();
    gs_buf b = {0};
    gs_report_json(r, &b);
    ck_assert_int_eq(json_check_with_python(b.data, schema_script), 0);
    gs_buf_clear(&b);
    gs_results_free(r);
}
END_TEST

START_TEST(json_empty_run_is_valid)
{
    gs_results *r;
    gs_results_new(&r, "builtin", INT64_C(1795921981123000000), 7);
    gs_buf b = {0};
    gs_report_json(r, &b);
    ck_assert_int_eq(json_check_with_python(
                         b.data, "import json,sys\n"
                                 "d=json.load(open(sys.argv[1]))\n"
                                 "assert d['scenarios']==[] and d['summary']['scenarios']==0\n"
                                 "assert d['target']=='builtin' and 'finishedAt' not in d\n"),
                     0);
    r->state = GS_RUN_COMPLETE;
    r->finished_at = INT64_C(1795921991123000000);
    gs_buf_reset(&b);
    gs_report_json(r, &b);
    ck_assert_int_eq(json_check_with_python(b.data,
                                            "import json,sys\n"
                                            "d=json.load(open(sys.argv[1]))\n"
                                            "assert d['state']=='complete'\n"
                                            "assert d['finishedAt']=='2026-11-29T03:13:11.123Z'\n"),
                     0);
    gs_buf_clear(&b);
    gs_results_free(r);
}
END_TEST

/* A rollout step's timeline: every stage with its window, weight, share and interval, metrics
 * and decision, pointing at the check that records it. */
START_TEST(json_rollout_timeline)
{
    gs_results *r;
    gs_results_new(&r, "builtin", INT64_C(1795921981123000000), 7);
    sample_rollout(r);
    gs_buf b = {0};
    gs_report_json(r, &b);
    ck_assert_int_eq(
        json_check_with_python(
            b.data,
            "import json,sys\n"
            "d=json.load(open(sys.argv[1]))\n"
            "st=d['scenarios'][0]['steps'][0]\n"
            "ro=st['rollout']\n"
            "assert ro['tool']=='Flagger' and ro['outcome']=='halted' and ro['alpha']==0.001\n"
            "tl=ro['timeline']\n"
            "assert [p['plannedWeight'] for p in tl]==[0,20,20,20,0], tl\n"
            "assert [p['decision'] for p in tl]==['verified','verified','retry','rollBack',"
            "'halted']\n"
            "assert [p['result'] for p in tl]==['passed']*4+['failed']\n"
            "assert [p['check'] for p in tl]==[0,1,2,3,4]\n"
            "assert all(st['checks'][p['check']]['kind'].startswith('rollout.') for p in tl)\n"
            "w=tl[1]\n"
            "assert w['stage']=='setWeight 20' and w['kind']=='split'\n"
            "assert w['writtenS']==0.7 and w['convergedS']==0.9\n"
            "assert w['startS']==0.9 and w['endS']==1.6\n"
            "assert w['answered']==400 and w['canary']==82 and w['canaryShare']==0.205\n"
            "assert abs(w['interval'][0]-0.185)<1e-9 and abs(w['interval'][1]-0.225)<1e-9\n"
            "assert w['successRate']==100 and w['p99Ms']==3.2\n"
            "a=tl[2]\n"
            "assert a['successRate']==90 and 'writtenS' not in a and a['p99Ms']==4.1\n"
            "assert 'successRate' not in tl[0] and 'p99Ms' not in tl[0]\n"
            "assert tl[0]['canaryShare']==0 and tl[0]['interval'][0]==0\n"),
        0);
    gs_buf_clear(&b);
    gs_results_free(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reports/json");
    TCase *tc = tcase_create("json");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, json_matches_schema);
    tcase_add_test(tc, json_empty_run_is_valid);
    tcase_add_test(tc, json_rollout_timeline);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
