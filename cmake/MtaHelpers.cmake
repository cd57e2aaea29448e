# Build helpers, in the manner of Abseil's absl_cc_library: every directory declares its
# libraries, tests, fuzzers, benchmarks and binaries through these four functions, so flags,
# include paths and test registration stay in one place.
#
#   mta_cc_library(NAME n SRCS a.cc HDRS a.h DEPS x y)   -> static library n
#   mta_cc_test(NAME n SRCS a_test.cc DEPS n [LABELS l])  -> gtest + rapidcheck, registered with ctest
#   mta_cc_fuzzer(NAME n_fuzzer SRCS fuzz/n_fuzzer.cc DEPS n)
#       -> libFuzzer binary when MTA_FUZZ, else a plain binary that replays its corpus
#          (corpora/fuzz/<name>/); either way ctest replays the corpus.
#   mta_cc_benchmark(NAME n SRCS n_benchmark.cc DEPS n)   -> Google Benchmark binary
#   mta_cc_binary(NAME n SRCS main.cc DEPS ...)           -> program in bin/

set(MTA_SOURCE_ROOT ${CMAKE_CURRENT_LIST_DIR}/..)
get_filename_component(MTA_SOURCE_ROOT ${MTA_SOURCE_ROOT} ABSOLUTE)

function(mta_cc_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;HDRS;DEPS" ${ARGN})
  add_library(${A_NAME} STATIC ${A_SRCS} ${A_HDRS})
  target_include_directories(${A_NAME} PUBLIC ${MTA_SOURCE_ROOT})
  target_link_libraries(${A_NAME} PUBLIC ${A_DEPS})
endfunction()

function(mta_cc_test)
  if(NOT MTA_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  set_target_properties(${A_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_include_directories(${A_NAME} PRIVATE ${MTA_SOURCE_ROOT})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} rapidcheck rapidcheck_gtest GTest::gtest
                        GTest::gtest_main GTest::gmock)
  # Tests find shared test data (../shared/corpora) and our own corpora through these.
  target_compile_definitions(${A_NAME} PRIVATE MTA_SOURCE_ROOT="${MTA_SOURCE_ROOT}")
  gtest_discover_tests(${A_NAME} DISCOVERY_MODE PRE_TEST
                       WORKING_DIRECTORY ${MTA_SOURCE_ROOT}
                       PROPERTIES LABELS "unit;${A_LABELS}")
endfunction()

function(mta_cc_fuzzer)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_include_directories(${A_NAME} PRIVATE ${MTA_SOURCE_ROOT})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
  set(_corpus ${MTA_SOURCE_ROOT}/corpora/fuzz/${A_NAME})
  if(MTA_FUZZ)
    separate_arguments(_ld UNIX_COMMAND "${MTA_FUZZ_LDFLAGS}")
    target_link_options(${A_NAME} PRIVATE ${_ld})
    add_test(NAME fuzz.replay.${A_NAME} COMMAND ${A_NAME} -runs=0 ${_corpus})
  else()
    target_link_libraries(${A_NAME} PRIVATE mta_fuzz_standalone_main)
    add_test(NAME fuzz.replay.${A_NAME} COMMAND ${A_NAME} ${_corpus})
  endif()
  set_tests_properties(fuzz.replay.${A_NAME} PROPERTIES LABELS "fuzz")
  set_property(GLOBAL APPEND PROPERTY MTA_FUZZERS ${A_NAME})
endfunction()

function(mta_cc_benchmark)
  if(NOT MTA_BUILD_BENCH OR MTA_FUZZ)
    return()
  endif()
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_include_directories(${A_NAME} PRIVATE ${MTA_SOURCE_ROOT})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} benchmark::benchmark)
  target_compile_definitions(${A_NAME} PRIVATE MTA_SOURCE_ROOT="${MTA_SOURCE_ROOT}")
endfunction()

function(mta_cc_binary)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_include_directories(${A_NAME} PRIVATE ${MTA_SOURCE_ROOT})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
  target_compile_definitions(${A_NAME} PRIVATE MTA_SOURCE_ROOT="${MTA_SOURCE_ROOT}")
endfunction()
