// Forward and backward of every layer of the SSGAN models, each alone at the shape it has in
// its model, at batch 100 (or SSGAN_BENCH_BATCH) and at 1 and 2 threads. Backward computes
// the input gradient and the parameter gradients; its FLOPs are twice the forward's.
// Names: layers/<model>.<D|G>/<index>:<layer>/<forward|backward>/batch:<N>/threads:<T>.
#include "support/measures.hpp"

#include <ssgan/ssgan.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace
{
    using namespace ssgan;

    // One bound layer with its own parameter, gradient and state buffers, and random inputs.
    template <class Layer>
    struct standalone
    {
        using in_shape = typename Layer::input_shape;
        using out_shape = typename Layer::output_shape;

        explicit standalone(std::size_t batch)
            : parameters(Layer::parameter_count, 0.0f), gradients(Layer::parameter_count, 0.0f),
              state(Layer::state_count, 0.0f), in(batch), d_in(batch), out(batch), d_out(batch),
              random(17)
        {
            layer.attach({parameters, gradients, state});
            layer.initialize(random);
            random.fill_uniform(in.span(), -1.0f, 1.0f);
            random.fill_uniform(d_out.span(), -1.0f, 1.0f);
        }

        aligned_buffer parameters, gradients, state;
        Layer layer;
        tensor<in_shape> in, d_in;
        tensor<out_shape> out, d_out;
        random_stream random;
    };

    // Forward alone, or backward alone after one forward (both gradients; twice the FLOPs).
    template <class Layer>
    void run_pass(benchmark::State& state, bool backward, std::size_t batch, std::size_t threads,
                  double flops)
    {
        set_threads(threads);
        auto bench = std::make_unique<standalone<Layer>>(batch);
        context ctx(bench->random, mode::train);
        auto forward = [&] { bench->layer.forward(bench->in, bench->out, ctx); };
        auto back = [&]
        { bench->layer.backward(bench->in, bench->out, bench->d_out, bench->d_in, ctx); };
        forward();
        if (backward)
        {
            back();
            ssgan::bench::run_and_report(state, double(batch), 2.0 * flops * double(batch), threads,
                                         back);
        }
        else
        {
            ssgan::bench::run_and_report(state, double(batch), flops * double(batch), threads,
                                         forward);
        }
    }

    std::string without_spaces(std::string text)
    {
        std::erase(text, ' ');
        return text;
    }

    template <class Net, std::size_t... Index>
    void register_network(const std::string& prefix, std::size_t batch,
                          std::index_sequence<Index...>)
    {
        (
            [&]
            {
                using layer = typename Net::template layer_type<Index>;
                constexpr double flops = double(Net::layer_forward_flops[Index]);
                const std::string position = (Index < 10 ? "0" : "") + std::to_string(Index);
                const std::string shapes =
                    layer::input_shape::describe() + " -> " + layer::output_shape::describe();
                for (const std::size_t threads : {1, 2})
                {
                    const std::string name = "layers/" + prefix + "/" + position + ":" +
                                             without_spaces(layer::describe());
                    const std::string tail =
                        "/batch:" + std::to_string(batch) + "/threads:" + std::to_string(threads);
                    for (const bool backward : {false, true})
                        benchmark::RegisterBenchmark(
                            (name + (backward ? "/backward" : "/forward") + tail).c_str(),
                            [=](benchmark::State& state)
                            {
                                state.SetLabel(shapes);
                                run_pass<layer>(state, backward, batch, threads, flops);
                            })
                            ->UseRealTime()
                            ->Unit(benchmark::kMillisecond);
                }
            }(),
            ...);
    }

    template <class Model>
    void register_model(std::string_view name, std::size_t batch)
    {
        using d = typename Model::discriminator;
        using g = typename Model::generator;
        register_network<d>(std::string(name) + ".D", batch,
                            std::make_index_sequence<d::layer_count>{});
        register_network<g>(std::string(name) + ".G", batch,
                            std::make_index_sequence<g::layer_count>{});
    }
}

int main(int argc, char** argv)
{
    std::size_t batch = 100;
    if (const char* chosen = std::getenv("SSGAN_BENCH_BATCH"))
        batch = std::stoul(chosen);

    register_model<gan::mnist_improved>("mnist_improved", batch);
    register_model<gan::mnist_seed>("mnist_seed", batch);
    register_model<gan::cifar_improved>("cifar_improved", batch);
    register_model<gan::cifar_seed>("cifar_seed", batch);

    return ssgan::bench::run_registered(argc, argv);
}
