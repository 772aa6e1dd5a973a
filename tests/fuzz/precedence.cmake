# SPDX-License-Identifier: MIT
# Route precedence differential test (tests/fuzz/precedence/): generator + oracle + driver in
# gs_prec_diff (no harness/control code), the builtin target in gs_prec_builtin. CI runs a fixed
# seed and a bounded count (unit/control/precedence_diff); precedence_diff.sh runs it longer.
set(prec_dir ${CMAKE_CURRENT_LIST_DIR}/precedence)
add_library(gs_prec_diff STATIC ${prec_dir}/prec_diff.c ${prec_dir}/prec_run.c)
target_include_directories(gs_prec_diff PUBLIC ${prec_dir})
target_link_libraries(gs_prec_diff PUBLIC gs_base)
add_library(gs_prec_builtin STATIC ${prec_dir}/prec_builtin.c)
target_link_libraries(gs_prec_builtin PUBLIC gs_prec_diff gs_control gs_model gs_base)

add_executable(precedence_diff ${prec_dir}/prec_diff_main.c)
target_link_libraries(precedence_diff PRIVATE gs_prec_builtin)

add_executable(test_control_precedence_diff ${prec_dir}/test_precedence_diff.c)
target_link_libraries(test_control_precedence_diff PRIVATE gs_prec_builtin gs_testsupport
                                                           PkgConfig::CHECK)
add_test(NAME unit/control/precedence_diff COMMAND test_control_precedence_diff)
set_tests_properties(unit/control/precedence_diff PROPERTIES LABELS unit TIMEOUT 300)
