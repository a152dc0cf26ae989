// Heap allocations per SSGAN training iteration once the first iteration has planned every
// primitive, in the configurations of support/iteration.hpp: every malloc, calloc, realloc,
// aligned allocation and operator new of any thread and library during step(). The aim is
// zero; benchmarks/RESULTS.md says where the ones counted now come from.
#include "support/allocation_counter.hpp"
#include "support/iteration.hpp"
#include "support/measures.hpp"

#include <ssgan/ssgan.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>

namespace
{
    using namespace ssgan;

    template <class Model>
    struct count_allocations
    {
        static void run(benchmark::State& state, gan::trainer<Model>& trainer, std::size_t,
                        std::size_t)
        {
            std::size_t total = 0;
            for (auto _ : state)
            {
                ssgan::bench::allocation_count counter;
                benchmark::DoNotOptimize(trainer.step());
                total += counter.count();
            }
            state.counters["allocations_per_step"] =
                static_cast<double>(total) / static_cast<double>(state.iterations());
        }
    };
}

int main(int argc, char** argv)
{
    ssgan::bench::register_iterations<count_allocations>("ssgan_step_allocations");
    return ssgan::bench::run_registered(argc, argv);
}
