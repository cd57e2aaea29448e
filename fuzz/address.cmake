# Fuzz targets of the RFC 5322 address area (mta/lib/address).
mta_cc_fuzzer(NAME address_list_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/address_list_fuzzer.cc
              DEPS mta_address)
