# The DNS message codec (mta/lib/dns).
mta_cc_fuzzer(NAME dns_message_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/dns_message_fuzzer.cc
              DEPS mta_lib_dns)
