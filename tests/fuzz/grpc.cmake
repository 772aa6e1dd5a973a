# SPDX-License-Identifier: MIT
# gRPC message framing and the EchoResponse protobuf decoder (harness/base).
gs_add_fuzz_target(grpc ${CMAKE_CURRENT_LIST_DIR}/fuzz_grpc.c gs_base)
