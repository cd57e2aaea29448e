# Netstrings, QMTP and QMQP framing (mta/lib/netstring).
mta_cc_fuzzer(NAME netstring_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/netstring_fuzzer.cc
              DEPS mta_netstring)
mta_cc_fuzzer(NAME qmtp_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/qmtp_fuzzer.cc DEPS mta_netstring)
mta_cc_fuzzer(NAME qmqp_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/qmqp_fuzzer.cc DEPS mta_netstring)
