# SPDX-License-Identifier: MIT
# Route-table lookup on request-controlled bytes: SNI, Host, method, path, query, headers
# (harness/control).
gs_add_fuzz_target(route_lookup ${CMAKE_CURRENT_LIST_DIR}/fuzz_route_lookup.c gs_control gs_model
                   gs_base)
