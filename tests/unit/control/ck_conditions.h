/* SPDX-License-Identifier: MIT */
/* The condition assertion the control tests share: condition |type| of |conds| exists with
 * |want_status| and |want_reason| (the message is shown when not). */
#ifndef GS_TEST_CK_CONDITIONS_H
#define GS_TEST_CK_CONDITIONS_H

#include "gs_status.h"

#include <string.h>

#define ck_cond(conds, type, want_status, want_reason)                                             \
    do {                                                                                           \
        const gs_condition *k_ = gs_conditions_get((conds), (type));                               \
        ck_assert_msg(k_ != NULL, "no condition %s", (type));                                      \
        ck_assert_msg(strcmp(k_->status, (want_status)) == 0 &&                                    \
                          strcmp(k_->reason, (want_reason)) == 0,                                  \
                      "%s: got %s/%s (%s), want %s/%s", (type), k_->status, k_->reason,            \
                      k_->message, (want_status), (want_reason));                                  \
    } while (0)

#endif
