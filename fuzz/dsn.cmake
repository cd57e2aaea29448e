# RFC 3464 DSN parser, bounce classifier, and the DSN generate/parse round trip.
mta_cc_fuzzer(NAME dsn3464_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/dsn3464_fuzzer.cc DEPS mta_dsn)
mta_cc_fuzzer(NAME classify_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/classify_fuzzer.cc DEPS mta_dsn)
mta_cc_fuzzer(NAME dsn_roundtrip_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/dsn_roundtrip_fuzzer.cc DEPS mta_dsn)
