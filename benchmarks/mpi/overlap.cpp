// Run under `mpirun -np 2`: trains the default MNIST model (batch 100 per rank) with the
// gradient all-reduce overlapping backward and without, and prints per step the wall time and
// the time spent waiting for the other rank. Measures what overlap saves.
// Build: mpicxx -std=c++20 -O3 -march=native -Iinclude -I/usr/include/eigen3 \
//            benchmarks/mpi/overlap.cpp -ldnnl -ltbb -lz -fopenmp
#include <ssgan/core/threading.hpp>
#include <ssgan/data/mnist.hpp>
#include <ssgan/dist/communicator.hpp>
#include <ssgan/gan/mnist_models.hpp>
#include <ssgan/gan/trainer.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv)
{
    using model = ssgan::gan::mnist_improved;
    ssgan::dist::environment mpi(argc, argv);
    ssgan::set_threads(1);
    const char* folder = argc > 1 ? argv[1] : "datasets/mnist";
    const std::size_t steps = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 60;
    const auto train = ssgan::data::load_mnist(folder, ssgan::data::split::train);
    const auto test = ssgan::data::load_mnist(folder, ssgan::data::split::test);

    for (const bool overlap : {true, false, true, false})
    {
        ssgan::dist::communicator group({std::chrono::seconds(120), std::size_t{4} << 20, overlap});
        ssgan::gan::trainer<model> trainer(train, test, model::defaults(), model::objective,
                                           &group);
        trainer.step(); // plans oneDNN primitives
        group.barrier();
        const double waited_before = group.statistics().wait_seconds;
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t step = 0; step < steps; ++step)
            trainer.step();
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double waited = group.statistics().wait_seconds - waited_before;
        if (group.rank() == 0)
            std::printf("%-8s %7.1f ms per step, %6.1f ms of it waiting for the other rank\n",
                        overlap ? "overlap" : "blocking", 1000 * seconds / double(steps),
                        1000 * waited / double(steps));
    }
}
