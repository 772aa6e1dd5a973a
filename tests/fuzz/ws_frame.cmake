# SPDX-License-Identifier: MIT
# WebSocket frame parser (harness/base/gs_ws; the traffic engine reads servers' frames with it).
gs_add_fuzz_target(ws_frame ${CMAKE_CURRENT_LIST_DIR}/fuzz_ws_frame.c gs_base)
