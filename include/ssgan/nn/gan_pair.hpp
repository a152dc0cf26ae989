// A generator and a discriminator that belong together: the generator's output shape must be
// the discriminator's input shape, checked while compiling.
#pragma once

#include "../core/diagnostics.hpp"
#include "network.hpp"

#include <type_traits>

namespace ssgan
{
    template <network_type Generator, network_type Discriminator>
    struct gan_pair
    {
        static_assert(
            rule_holds<std::is_same_v<typename Generator::output_shape,
                                      typename Discriminator::input_shape>,
                       SSGAN_SHAPE_MISMATCH<
                           Generator, rule::generator_output_must_equal_discriminator_input,
                           typename Generator::output_shape, typename Discriminator::input_shape>>);

        using generator = Generator;
        using discriminator = Discriminator;
        using image_shape = typename Discriminator::input_shape;
        using noise_shape = typename Generator::input_shape;
    };
}
