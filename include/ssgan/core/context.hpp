// What a layer needs to know besides its tensors: train or eval mode, the random stream for
// dropout and noise, the switches that gradient checks and weight normalization use, and the
// hooks of data-parallel training.
#pragma once

#include "random.hpp"
#include "replicas.hpp"

namespace ssgan
{
    enum class mode
    {
        train, // dropout and noise on, batch norm uses batch statistics and updates running ones
        eval   // dropout and noise off, batch norm uses running statistics
    };

    struct context
    {
        explicit context(random_stream& random, ssgan::mode run_mode = mode::train)
            : random(&random), run_mode(run_mode)
        {
        }

        bool training() const { return run_mode == mode::train; }

        random_stream* random;
        ssgan::mode run_mode;

        // Dropout and noise layers reuse the mask or noise of their previous forward instead
        // of drawing new ones, so a finite-difference check sees one fixed function.
        bool reuse_noise = false;

        // Layers with data-dependent initialization (weight normalization) set their scale and
        // bias from the statistics of this forward pass before computing their output.
        bool initializing = false;

        // Batch norm leaves its running statistics untouched (used for passes whose statistics
        // should not count, such as the generator's look at real data through the critic).
        bool freeze_statistics = false;

        // Backward computes parameter gradients. Off for passes that only carry a gradient
        // through a network to its input (the generator's step through the discriminator).
        bool parameter_gradients = true;

        // Data parallelism (see replicas.hpp). With a group here, batch norm in train mode
        // normalizes with the statistics of the batches of all replicas together (synchronized
        // batch norm); without one, with the local batch's.
        replica_group* batch_statistics_group = nullptr;

        // Told as backward finishes each layer's parameter gradients, so their all-reduce can
        // overlap the backward of the layers before it.
        gradient_listener* gradients_ready = nullptr;
    };
}
