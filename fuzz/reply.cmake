# SMTP reply parser and incremental reader (mta/lib/reply).
mta_cc_fuzzer(NAME reply_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/reply_fuzzer.cc DEPS mta_reply)
