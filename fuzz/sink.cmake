# Fuzz target of the capture sink's SMTP state machine (harness/sink).
mta_cc_fuzzer(NAME sink_session_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/sink_session_fuzzer.cc DEPS mtaspec_sink)
