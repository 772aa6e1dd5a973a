# SPDX-License-Identifier: MIT
# Compiler flags and the small helpers every part's CMakeLists.txt uses.

set(GS_WARNINGS
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
    -Wimplicit-fallthrough -Wcast-qual -Wpointer-arith -Wundef -Wwrite-strings
    -Werror=implicit-function-declaration -Werror=incompatible-pointer-types)
if(GS_WERROR)
    list(APPEND GS_WARNINGS -Werror)
endif()
add_compile_options(${GS_WARNINGS})
add_compile_definitions(_POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)

# A fuzzing build instruments every library for coverage (so libFuzzer sees inside them), and
# builds everything with the sanitizers; only the fuzz targets link libFuzzer's main.
if(GS_FUZZ)
    if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "GS_FUZZ=ON needs clang: CC=clang cmake -DGS_FUZZ=ON ...")
    endif()
    set(GS_SANITIZE ON)
    add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(GS_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
    add_compile_definitions(GS_SANITIZE=1)
endif()

# gs_add_library(<part> SOURCES...) -> static library gs_<part> with the part folder on its
# include path. Link dependencies with target_link_libraries(gs_<part> PUBLIC ...).
function(gs_add_library part)
    add_library(gs_${part} STATIC ${ARGN})
    target_include_directories(gs_${part} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
    set_property(GLOBAL APPEND PROPERTY GS_LIBRARIES gs_${part})
endfunction()

# gs_add_command(<name> <source>): registers `gatesim <name>`. The source defines
#   int gs_cmd_<name>(int argc, char **argv);     argv[0] is "<name>"
#   const char gs_cmd_<name>_summary[];           one line for `gatesim --help`
# and is compiled into the gatesim binary (harness/cli generates the dispatch table).
function(gs_add_command name source)
    get_filename_component(abs ${source} ABSOLUTE)
    set_property(GLOBAL APPEND PROPERTY GS_COMMANDS ${name})
    set_property(GLOBAL APPEND PROPERTY GS_COMMAND_SOURCES ${abs})
    set_property(GLOBAL APPEND PROPERTY GS_COMMAND_INCLUDES ${CMAKE_CURRENT_SOURCE_DIR})
endfunction()

# gs_add_unit_test(<part> <module> [LIBS...]): test_<module>.c in the calling folder, a Check
# binary linked with gs_<part> (and LIBS), registered with ctest as unit/<part>/<module>.
function(gs_add_unit_test part module)
    gs_add_unit_test_at(${part} ${module} ${CMAKE_CURRENT_SOURCE_DIR}/test_${module}.c ${ARGN})
endfunction()

function(gs_add_unit_test_at part module source)
    set(exe test_${part}_${module})
    add_executable(${exe} ${source})
    target_link_libraries(${exe} PRIVATE gs_${part} ${ARGN} gs_testsupport PkgConfig::CHECK)
    add_test(NAME unit/${part}/${module} COMMAND ${exe})
    set_tests_properties(unit/${part}/${module} PROPERTIES LABELS unit TIMEOUT 300)
endfunction()

# gs_add_fuzz_target(<name> <source> LIBS...): <source> defines LLVMFuzzerTestOneInput.
# Always builds fuzz_<name>_replay, which feeds every file of tests/fuzz/corpus/<name>/ through
# the target and is registered with ctest (fuzz/<name>); with GS_FUZZ=ON (clang) also builds
# the libFuzzer binary fuzz_<name>:  ./fuzz_<name> ../tests/fuzz/corpus/<name>
function(gs_add_fuzz_target name source)
    set(corpus ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
    add_executable(fuzz_${name}_replay ${source} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.c)
    target_link_libraries(fuzz_${name}_replay PRIVATE ${ARGN})
    add_test(NAME fuzz/${name} COMMAND fuzz_${name}_replay ${corpus})
    set_tests_properties(fuzz/${name} PROPERTIES LABELS fuzz TIMEOUT 300)
    if(GS_FUZZ)
        add_executable(fuzz_${name} ${source})
        target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
        target_link_libraries(fuzz_${name} PRIVATE ${ARGN})
    endif()
endfunction()
