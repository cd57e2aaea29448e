# Fuzz targets of the DATA stream area (mta/lib/data).
mta_cc_fuzzer(NAME data_decode_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/data_decode_fuzzer.cc DEPS mta_data)
mta_cc_fuzzer(NAME data_roundtrip_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/data_roundtrip_fuzzer.cc DEPS mta_data)
