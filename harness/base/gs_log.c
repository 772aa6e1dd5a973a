/* SPDX-License-Identifier: MIT */
/* stderr diagnostics and terminal helpers. */
#include "gs_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static gs_log_level log_level = GS_LOG_NOTE;
static bool log_level_set;
static const char *log_program = "gatesim";

void gs_log_set_level(gs_log_level level)
{
    log_level = level;
    log_level_set = true;
}

gs_log_level gs_log_get_level(void)
{
    if (!log_level_set) {
        const char *d = getenv("GATESIM_DEBUG");
        if (d && *d && *d != '0')
            log_level = GS_LOG_DEBUG;
        log_level_set = true;
    }
    return log_level;
}

void gs_log_set_program(const char *name)
{
    log_program = name;
}

void gs_log(gs_log_level level, const char *fmt, ...)
{
    if (level > gs_log_get_level())
        return;
    static const char *const names[] = {"error", "warning", "note", "info", "debug"};
    bool c = gs_term_colour(STDERR_FILENO);
    const char *colour = level == GS_LOG_ERROR  ? gs_term_red(c)
                         : level == GS_LOG_WARN ? gs_term_yellow(c)
                                                : gs_term_dim(c);
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One fprintf per message so lines from several processes do not interleave mid-line. */
    fprintf(stderr, "%s: %s%s%s: %s\n", log_program, colour, names[level], gs_term_reset(c), line);
}

bool gs_term_isatty(int fd)
{
    return isatty(fd) == 1;
}

bool gs_term_colour(int fd)
{
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return false;
    const char *term = getenv("TERM");
    if (term && *term && term[0] == 'd' && term[1] == 'u' && term[2] == 'm' && term[3] == 'b')
        return false;
    return gs_term_isatty(fd);
}

const char *gs_term_bold(bool on)
{
    return on ? "\033[1m" : "";
}

const char *gs_term_red(bool on)
{
    return on ? "\033[31m" : "";
}

const char *gs_term_green(bool on)
{
    return on ? "\033[32m" : "";
}

const char *gs_term_yellow(bool on)
{
    return on ? "\033[33m" : "";
}

const char *gs_term_dim(bool on)
{
    return on ? "\033[2m" : "";
}

const char *gs_term_reset(bool on)
{
    return on ? "\033[0m" : "";
}
