# SPDX-License-Identifier: MIT
# HTTP/1.1 response heads from untrusted servers (harness/base/gs_h1_response.c).
gs_add_fuzz_target(h1_response ${CMAKE_CURRENT_LIST_DIR}/fuzz_h1_response.c gs_base)
