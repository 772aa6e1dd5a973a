/* SPDX-License-Identifier: MIT */
/* `gatesim rehearse FILE...`: `gatesim run` for scenarios that rehearse a rollout (docs/rollout.md).
 * Same options, reports and exit codes; every scenario given must hold a `rollout` step, so a
 * file that is not a rehearsal is a usage error instead of a silent ordinary run. */
#include "gs_scenario.h"

const char gs_cmd_rehearse_summary[] = "rehearse canary rollouts: run scenarios with a rollout step";
int gs_cmd_rehearse(int argc, char **argv);
int gs_cmd_run(int argc, char **argv);

int gs_cmd_rehearse(int argc, char **argv)
{
    /* argv[0] tells `run` which command it serves (and what to require). */
    static char name[] = "rehearse";
    argv[0] = name;
    return gs_cmd_run(argc, argv);
}
