// The main() of every Google Benchmark program.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
