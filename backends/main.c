/* SPDX-License-Identifier: MIT */
/* gatesim-echo: parses the command line and runs the echo server (echo_server.c). */
#include "echo_config.h"
#include "echo_server.h"
#include "gs_log.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    gs_log_set_program("gatesim-echo");
    gs_echo_config cfg;
    gs_error err = {0};
    int rc = gs_echo_config_parse(&cfg, argc, argv, stdout, &err);
    if (rc == 1) {
        gs_echo_config_clear(&cfg);
        return 0;
    }
    if (rc < 0) {
        gs_log_error("%s", err.msg);
        gs_echo_config_clear(&cfg);
        return 2;
    }
    rc = gs_echo_server_run(&cfg, stdout);
    gs_echo_config_clear(&cfg);
    return rc;
}
