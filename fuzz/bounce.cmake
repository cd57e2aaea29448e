# Bounce engine: arbitrary envelopes/outcomes/messages -> notifications that parse back.
mta_cc_fuzzer(NAME bounce_engine_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/bounce_engine_fuzzer.cc DEPS mta_bounce)
