# Fuzz targets of the delivery-report area (mta/lib/report/).
mta_cc_fuzzer(NAME qsbmf_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/qsbmf_fuzzer.cc DEPS mta_report)
mta_cc_fuzzer(NAME qsbmf_roundtrip_fuzzer
              SRCS ${CMAKE_CURRENT_SOURCE_DIR}/qsbmf_roundtrip_fuzzer.cc DEPS mta_report)
