# SPDX-License-Identifier: MIT
# HTTP/1.1 request-head parser + chunked decoder (harness/base, used by gatesim-echo and the gateway).
gs_add_fuzz_target(h1_request ${CMAKE_CURRENT_LIST_DIR}/fuzz_h1_request.c gs_base)
