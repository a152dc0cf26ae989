// The SSGAN training iteration the benchmarks run: gan::trainer<Model>::step() on synthetic
// images (the pixels do not change the work), one generator step per discriminator step for
// every model (the seed models train with 5) and no reconstruction loss (annealed to zero
// after 2000 steps in training), so it is the iteration benchmarks/pytorch/ssgan_step.py runs.
// Configurations: seed and improved at 28×28×1 and 32×32×3, batch 64 and 100, 1 and 2 threads,
// named <prefix>/<seed|improved>/<H>x<W>x<C>/batch:<N>/threads:<T>.
#pragma once

#include <ssgan/ssgan.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ssgan::bench
{
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

    // A trainer for this configuration that has run one step (every primitive planned).
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

    template <template <class> class Run, class Model>
    void register_model(std::string_view prefix, std::string_view kind)
    {
        using image = typename Model::discriminator::input_shape;
        const std::string shape = std::to_string(image::extents[1]) + "x" +
                                  std::to_string(image::extents[2]) + "x" +
                                  std::to_string(image::extents[0]);
        for (const std::size_t batch : {64, 100})
            for (const std::size_t threads : {1, 2})
            {
                const std::string name = std::string(prefix) + "/" + std::string(kind) + "/" +
                                         shape + "/batch:" + std::to_string(batch) +
                                         "/threads:" + std::to_string(threads);
                benchmark::RegisterBenchmark(name.c_str(),
                                             [=](benchmark::State& state)
                                             {
                                                 set_threads(threads);
                                                 auto& trainer = trainer_for<Model>(name, batch);
                                                 Run<Model>::run(state, trainer, batch, threads);
                                             })
                    ->UseRealTime()
                    ->Unit(benchmark::kMillisecond);
            }
    }

    // Registers Run<Model>::run(state, trainer, batch, threads) for every configuration.
    template <template <class> class Run>
    void register_iterations(std::string_view prefix)
    {
        register_model<Run, gan::mnist_seed>(prefix, "seed");
        register_model<Run, gan::mnist_improved>(prefix, "improved");
        register_model<Run, gan::cifar_seed>(prefix, "seed");
        register_model<Run, gan::cifar_improved>(prefix, "improved");
    }
}
