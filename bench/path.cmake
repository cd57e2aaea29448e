# Paths parsed per second (mta/lib/smtp) over bench/paths.txt; compared with Python's
# email.utils.parseaddr by bench/run-path-bench.
mta_cc_benchmark(NAME path_benchmark SRCS ${CMAKE_CURRENT_SOURCE_DIR}/path_benchmark.cc
                 DEPS mta_smtp)
