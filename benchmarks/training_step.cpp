// One whole SSGAN training iteration, gan::trainer::step(): the discriminator's step on a
// labeled, an unlabeled and a generated batch, then one generator step, with Adam, the
// averaged weights and each model's own losses. Models seed and improved at 28×28×1 (MNIST)
// and 32×32×3 (CIFAR-10), batch 64 and 100, 1 and 2 threads, on synthetic images (the pixels
// do not change the work). Every model runs one generator step per discriminator step here
// (the seed models train with 5) and no reconstruction loss (annealed to zero after 2000 steps
// in training), so the iteration is the same one benchmarks/pytorch/ssgan_step.py runs.
// Names: ssgan_step/<seed|improved>/<H>x<W>x<C>/batch:<N>/threads:<T>.
#include "support/measures.hpp"

#include <ssgan/ssgan.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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

    // Random pixels with balanced labels, `count` images of Model's input shape.
    template <class Model>
    data::dataset synthetic_images(std::size_t count, std::uint64_t seed)
    {
        using image = typename Model::discriminator::input_shape;
        data::dataset made;
        made.count = count;
        made.channels = image::extents[0];
        made.height = image::extents[1];
        made.width = image::extents[2];
        made.num_classes = Model::classes;
        made.pixels.resize(count * image::size);
        std::uint64_t state = seed;
        for (auto& pixel : made.pixels)
        {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            pixel = static_cast<std::uint8_t>(state >> 56);
        }
        for (std::size_t i = 0; i < count; ++i)
            made.labels.push_back(static_cast<int>(i % Model::classes));
        return made;
    }

    // The trainer of the configuration running now; built once for all the runs Google
    // Benchmark makes of one configuration, and replaced for the next.
    struct running
    {
        std::string name;
        std::shared_ptr<void> trainer;
        std::unique_ptr<data::dataset> train, test;
    };

    running& current()
    {
        static running state;
        return state;
    }

    template <class Model>
    gan::trainer<Model>& trainer_for(const std::string& name, std::size_t batch)
    {
        running& now = current();
        if (now.name != name)
        {
            now.trainer.reset();
            now.train = std::make_unique<data::dataset>(synthetic_images<Model>(1000, 1));
            now.test = std::make_unique<data::dataset>(synthetic_images<Model>(100, 2));
            gan::settings chosen = Model::defaults();
            chosen.batch_size = batch;
            chosen.labels = 100;
            chosen.update_rate = 1;
            chosen.reconstruction_weight = 0.0f;
            chosen.init_batch = batch;
            auto made = std::make_shared<gan::trainer<Model>>(*now.train, *now.test, chosen);
            made->step(); // plans every primitive for this batch size
            now.trainer = made;
            now.name = name;
        }
        return *static_cast<gan::trainer<Model>*>(now.trainer.get());
    }

    template <class Model>
    void training_step(benchmark::State& state, const std::string& name, std::size_t batch,
                       std::size_t threads)
    {
        set_threads(threads);
        auto& trainer = trainer_for<Model>(name, batch);
        constexpr double flops = step_flops_per_sample<Model>();
        ssgan::bench::run_and_report(state, double(batch), flops * double(batch), threads,
                                     [&] { benchmark::DoNotOptimize(trainer.step()); });
    }

    template <class Model>
    void register_model(std::string_view kind)
    {
        using image = typename Model::discriminator::input_shape;
        const std::string shape = std::to_string(image::extents[1]) + "x" +
                                  std::to_string(image::extents[2]) + "x" +
                                  std::to_string(image::extents[0]);
        for (const std::size_t batch : {64, 100})
            for (const std::size_t threads : {1, 2})
            {
                const std::string name = "ssgan_step/" + std::string(kind) + "/" + shape +
                                         "/batch:" + std::to_string(batch) +
                                         "/threads:" + std::to_string(threads);
                benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state)
                                             { training_step<Model>(state, name, batch, threads); })
                    ->UseRealTime()
                    ->Unit(benchmark::kMillisecond);
            }
    }
}

int main(int argc, char** argv)
{
    register_model<gan::mnist_seed>("seed");
    register_model<gan::mnist_improved>("improved");
    register_model<gan::cifar_seed>("seed");
    register_model<gan::cifar_improved>("improved");

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    ssgan::bench::describe_machine();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
