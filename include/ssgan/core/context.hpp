// What a layer needs to know besides its tensors: train or eval mode, the random stream for
// dropout and noise, and the two switches that gradient checks and weight normalization use.
#pragma once

#include "random.hpp"

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
    };
}
