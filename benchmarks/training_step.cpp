// One whole SSGAN training iteration, gan::trainer::step(): the discriminator's step on a
// labeled, an unlabeled and a generated batch, then one generator step, with Adam, the
// averaged weights and each model's own losses (the configurations: support/iteration.hpp).
// Reports images/s (one batch per iteration), GFLOP/s counted from the network types, that
// rate as a fraction of the CPU's peak, and the process's peak resident memory.
#include "support/iteration.hpp"
#include "support/measures.hpp"

#include <ssgan/ssgan.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>

namespace
{
    using namespace ssgan;

    // FLOPs per sample of the passes through layers [first, end) of Net.
    template <class Net>
    constexpr double flops_of(std::size_t first, std::size_t end)
    {
        double total = 0.0;
        for (std::size_t i = first; i < end; ++i)
            total += double(Net::layer_forward_flops[i]);
        return total;
    }

    // FLOPs per sample of one step() of gan::trainer<Model> with update_rate 1, counted from
    // the network types: a forward per batch through a network, a backward-data pass through
    // every layer that hands a gradient back (layer 0 only when the input's gradient is asked
    // for), and a backward-weights pass where parameter gradients are on.
    template <class Model>
    constexpr double step_flops_per_sample()
    {
        using d = typename Model::discriminator;
        using g = typename Model::generator;
        const double d_forward = flops_of<d>(0, d::layer_count);
        const double g_forward = flops_of<g>(0, g::layer_count);

        // D's step: labeled, unlabeled and generated batches, each forward, backward-data
        // (not into the images) and backward-weights; G's forward for the generated batch.
        const double d_backward = flops_of<d>(1, d::layer_count) + d_forward;
        const double d_step = 3.0 * (d_forward + d_backward) + g_forward;

        // G's step: G forward, D forward on the fakes, D's backward-data down to the images
        // from the feature layer (feature matching, after one more D forward on real images)
        // or from the logits; then G's backward-data (not into z) and backward-weights.
        double g_step = g_forward + d_forward + flops_of<g>(1, g::layer_count) + g_forward;
        if constexpr (Model::objective == gan::generator_objective::feature_matching)
            g_step += d_forward + flops_of<d>(0, Model::feature_layer + 1);
        else
            g_step += d_forward;
        return d_step + g_step;
    }

    template <class Model>
    struct time_step
    {
        static void run(benchmark::State& state, gan::trainer<Model>& trainer, std::size_t batch,
                        std::size_t threads)
        {
            constexpr double flops = step_flops_per_sample<Model>();
            ssgan::bench::run_and_report(state, double(batch), flops * double(batch), threads,
                                         [&] { benchmark::DoNotOptimize(trainer.step()); });
        }
    };
}

int main(int argc, char** argv)
{
    ssgan::bench::register_iterations<time_step>("ssgan_step");

    return ssgan::bench::run_registered(argc, argv);
}
