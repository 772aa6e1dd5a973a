/* SPDX-License-Identifier: MIT */
/* Diagnostics on stderr, and the terminal facts output code needs (colour, TTY). Colour is used
 * only on a TTY and never when NO_COLOR is set (https://no-color.org). */
#ifndef GS_LOG_H
#define GS_LOG_H

#include <stdbool.h>

typedef enum gs_log_level {
    GS_LOG_ERROR = 0,
    GS_LOG_WARN = 1,
    GS_LOG_NOTE = 2,
    GS_LOG_INFO = 3,
    GS_LOG_DEBUG = 4,
} gs_log_level;

/* Messages above |level| are dropped. Default GS_LOG_NOTE; GS_LOG_DEBUG with GATESIM_DEBUG=1. */
void gs_log_set_level(gs_log_level level);
gs_log_level gs_log_get_level(void);
/* The program name printed before each message ("gatesim", "gatesim-echo"). Borrowed. */
void gs_log_set_program(const char *name);
void gs_log(gs_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define gs_log_error(...) gs_log(GS_LOG_ERROR, __VA_ARGS__)
#define gs_log_warn(...) gs_log(GS_LOG_WARN, __VA_ARGS__)
#define gs_log_note(...) gs_log(GS_LOG_NOTE, __VA_ARGS__)
#define gs_log_info(...) gs_log(GS_LOG_INFO, __VA_ARGS__)
#define gs_log_debug(...) gs_log(GS_LOG_DEBUG, __VA_ARGS__)

/* True when |fd| is a terminal and NO_COLOR is unset (or empty). */
bool gs_term_colour(int fd);
bool gs_term_isatty(int fd);

/* ANSI sequences, or "" when |on| is false. */
const char *gs_term_bold(bool on);
const char *gs_term_red(bool on);
const char *gs_term_green(bool on);
const char *gs_term_yellow(bool on);
const char *gs_term_dim(bool on);
const char *gs_term_reset(bool on);

#endif
