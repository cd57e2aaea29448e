# Fuzz target of the 8BITMIME downgrade (mta/lib/mime).
mta_cc_fuzzer(NAME mime_downgrade_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/mime_downgrade_fuzzer.cc DEPS mta_mime)
