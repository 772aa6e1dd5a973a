# SPDX-License-Identifier: MIT
# The gateway's HTTP/1.1 `Upgrade: h2c` decision over a parsed request head (harness/gateway).
gs_add_fuzz_target(gateway_h2c ${CMAKE_CURRENT_LIST_DIR}/fuzz_gateway_h2c.c gs_gateway gs_control
                   gs_base)
