# SPDX-License-Identifier: MIT
# Base64url decoder and encoder (harness/base/gs_base64; the gateway's HTTP2-Settings field).
gs_add_fuzz_target(base64 ${CMAKE_CURRENT_LIST_DIR}/fuzz_base64.c gs_base)
