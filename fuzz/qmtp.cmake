# QMTP / QMQP server sessions (mta/lib/qmtp).
mta_cc_fuzzer(NAME qmtp_server_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/qmtp_server_fuzzer.cc
              DEPS mta_qmtp)
mta_cc_fuzzer(NAME qmqp_server_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/qmqp_server_fuzzer.cc
              DEPS mta_qmtp)
