# SPDX-License-Identifier: MIT
# The gateway's filter arithmetic on request-controlled strings (harness/gateway).
gs_add_fuzz_target(gateway_filters ${CMAKE_CURRENT_LIST_DIR}/fuzz_gateway_filters.c gs_gateway
                   gs_control gs_base)
