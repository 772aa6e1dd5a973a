# SPDX-License-Identifier: MIT
# The TLS ClientHello reader a passthrough listener routes by (harness/base/gs_tls_hello).
gs_add_fuzz_target(tls_hello ${CMAKE_CURRENT_LIST_DIR}/fuzz_tls_hello.c gs_base)
