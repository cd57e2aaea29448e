# Fuzz targets for mta/lib/message: header parsing/folding and the MIME subset.
mta_cc_fuzzer(NAME header_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/header_fuzzer.cc DEPS mta_message)
mta_cc_fuzzer(NAME mime_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/mime_fuzzer.cc DEPS mta_message)
