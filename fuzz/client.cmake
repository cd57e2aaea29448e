# Fuzz target of the SMTP client session (mta/lib/client).
mta_cc_fuzzer(NAME client_session_fuzzer SRCS ${CMAKE_CURRENT_SOURCE_DIR}/client_session_fuzzer.cc DEPS mta_client_session)
