# RFC 5321 paths and command lines (mta/lib/smtp).
mta_cc_fuzzer(NAME path_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/path_fuzzer.cc DEPS mta_smtp)
mta_cc_fuzzer(NAME command_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/command_fuzzer.cc
              DEPS mta_smtp)
