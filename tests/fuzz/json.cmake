# SPDX-License-Identifier: MIT
# JSON parser (ready lines, echo bodies, request logs from child processes).
gs_add_fuzz_target(json fuzz_json.c gs_base)
