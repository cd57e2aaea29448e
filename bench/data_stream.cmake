# DATA stream decoder/encoder throughput against memcpy (mta/lib/data).
mta_cc_benchmark(NAME data_stream_benchmark SRCS ${CMAKE_CURRENT_SOURCE_DIR}/data_stream_benchmark.cc DEPS mta_data)
