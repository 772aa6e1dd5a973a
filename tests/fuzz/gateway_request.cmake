# SPDX-License-Identifier: MIT
# Whole request heads through the gateway's request building (parser, target forms, authority,
# path normalisation) and the route lookup (harness/gateway, harness/base).
gs_add_fuzz_target(gateway_request ${CMAKE_CURRENT_LIST_DIR}/fuzz_gateway_request.c gs_gateway
                   gs_control gs_model gs_base)
