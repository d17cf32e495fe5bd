# Build helpers shared by every layer: one way to declare a library, a test or a benchmark.

set(NASD_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)
set(NASD_SANITIZE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)

function(nasd_apply_common target)
  target_compile_options(${target} PRIVATE ${NASD_WARNINGS})
  if(NASD_SANITIZE)
    target_compile_options(${target} PRIVATE ${NASD_SANITIZE_FLAGS})
    target_link_options(${target} PRIVATE ${NASD_SANITIZE_FLAGS})
  endif()
endfunction()

# nasd_add_lib(NAME SRCS a.cc b.cc DEPS other_lib ...)
# Creates static library nasd_NAME whose public include root is src/.
function(nasd_add_lib name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  if(NOT ARG_SRCS)  # a header-only layer
    add_library(nasd_${name} INTERFACE)
    target_include_directories(nasd_${name} INTERFACE ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(nasd_${name} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(nasd_${name} STATIC ${ARG_SRCS})
  target_include_directories(nasd_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(nasd_${name} PUBLIC ${ARG_DEPS})
  nasd_apply_common(nasd_${name})
endfunction()

# nasd_add_test(NAME SRCS a_test.cc DEPS nasd_x ...)
# Creates a GoogleTest executable registered with CTest (one CTest entry per binary).
function(nasd_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  nasd_apply_common(${name})
  add_test(NAME ${name} COMMAND ${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
endfunction()

# nasd_add_bench(NAME SRCS ... DEPS ...): a benchmark driver, run by `make bench`.
function(nasd_add_bench name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  nasd_apply_common(${name})
endfunction()

# A libFuzzer target (tests/<area>/fuzz/<name>.cc with its spec <name>.sh),
# built with clang and run for 10 s by tests/fuzz/run_fuzz.sh; the ctest
# entry is test_name. Longer on demand: tests/fuzz/run_fuzz.sh <name> build/fuzz 600
function(nasd_add_fuzz test_name name)
  add_test(NAME ${test_name}
           COMMAND bash ${CMAKE_SOURCE_DIR}/tests/fuzz/run_fuzz.sh ${name} ${CMAKE_BINARY_DIR}/fuzz 10)
  set_tests_properties(${test_name} PROPERTIES TIMEOUT 300)
endfunction()
