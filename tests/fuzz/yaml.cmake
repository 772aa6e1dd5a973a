# SPDX-License-Identifier: MIT
# The manifest loader (harness/model): YAML, dispatch, defaults, schema/CEL validation, decoding.
gs_add_fuzz_target(yaml ${CMAKE_CURRENT_LIST_DIR}/fuzz_yaml.c gs_model gs_base)
