// Salimans et al.'s convolutional SSGAN for colour or grey images of any size whose sides are
// multiples of 8: `improved_model<Channels, Height, Width, Classes>` is one line for a user's
// own image shape. The examples ship it for 64 × 64 × 3 (`image64_improved`). Discriminator:
// dropout 0.2, three 3 × 3 convolutions of Narrow channels (the third halves the size), three
// of Wide (the third halves it again), a valid 3 × 3 convolution, two 1 × 1 layers, global
// average pooling, Classes logits; leaky ReLU 0.2 and weight norm throughout. Generator: z(100)
// → dense to (H/8) × (W/8) × 512 → three 5 × 5 stride-2 deconvolutions to H × W × Channels.
#pragma once

#include "../layers/activation.hpp"
#include "../layers/batch_norm.hpp"
#include "../layers/conv.hpp"
#include "../layers/deconv.hpp"
#include "../layers/dense.hpp"
#include "../layers/noise.hpp"
#include "../layers/reshape.hpp"
#include "../nn/gan_pair.hpp"
#include "../nn/network.hpp"
#include "cifar_models.hpp"
#include "settings.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

// In ssgan::detail, not ssgan::gan::detail: a gan::detail would hide ssgan::detail from the
// gan code that names it unqualified.
namespace ssgan::detail
{
    // "improved-<H>x<W>x<C>", with "-<K>classes" unless K is 10 and "-<Narrow>-<Wide>"
    // unless the widths are 96 and 192, as a constant string: the name a checkpoint records
    // and `evaluate` looks models up by.
    template <std::size_t Channels, std::size_t Height, std::size_t Width, std::size_t Classes,
              std::size_t Narrow, std::size_t Wide>
    struct improved_model_name
    {
        static constexpr auto text = []
        {
            std::array<char, 96> out{};
            std::size_t at = 0;
            auto put = [&](std::string_view part)
            {
                for (const char c : part)
                    out[at++] = c;
            };
            auto number = [&](std::size_t value)
            {
                char digits[24]{};
                std::size_t count = 0;
                do
                {
                    digits[count++] = static_cast<char>('0' + value % 10);
                    value /= 10;
                } while (value > 0);
                while (count > 0)
                    out[at++] = digits[--count];
            };
            put("improved-");
            number(Height);
            put("x");
            number(Width);
            put("x");
            number(Channels);
            if (Classes != 10)
            {
                put("-");
                number(Classes);
                put("classes");
            }
            if (Narrow != 96 || Wide != 192)
            {
                put("-");
                number(Narrow);
                put("-");
                number(Wide);
            }
            return std::pair{out, at};
        }();
        static constexpr std::string_view value{text.first.data(), text.second};
    };
}

namespace ssgan::gan
{
    template <std::size_t Channels, std::size_t Height, std::size_t Width, std::size_t Classes = 10,
              std::size_t Narrow = 96, std::size_t Wide = 192>
    struct improved_model
    {
        static_assert(Channels == 1 || Channels == 3,
                      "SSGAN_UNSUPPORTED_SHAPE: improved_model takes 1 (grey) or 3 (RGB) channels");
        static_assert(Height % 8 == 0 && Width % 8 == 0 && Height >= 16 && Width >= 16,
                      "SSGAN_UNSUPPORTED_SHAPE: improved_model needs sides that are multiples of "
                      "8 and at least 16 (its generator doubles the size three times)");
        static_assert(Classes >= 2, "SSGAN_UNSUPPORTED_SHAPE: improved_model needs 2 classes");

        static constexpr std::string_view name =
            detail::improved_model_name<Channels, Height, Width, Classes, Narrow, Wide>::value;
        static constexpr std::size_t classes = Classes;
        static constexpr bool explicit_fake_class = false;
        static constexpr bool pixels_from_minus_one = true; // images in [-1, 1]
        static constexpr float noise_low = 0.0f;            // z ~ U(0, 1)
        static constexpr float noise_high = 1.0f;

        // One layer block per line, kept out of clang-format's packing.
        // clang-format off
        using discriminator =
            network<input<Channels, Height, Width>, dropout<0.2f>,
                    conv2d<Narrow, kernel<3>, weight_norm>, leaky_relu<0.2f>,
                    conv2d<Narrow, kernel<3>, weight_norm>, leaky_relu<0.2f>,
                    conv2d<Narrow, kernel<3>, stride<2>, weight_norm>, leaky_relu<0.2f>,
                    dropout<0.5f>,
                    conv2d<Wide, kernel<3>, weight_norm>, leaky_relu<0.2f>,
                    conv2d<Wide, kernel<3>, weight_norm>, leaky_relu<0.2f>,
                    conv2d<Wide, kernel<3>, stride<2>, weight_norm>, leaky_relu<0.2f>,
                    dropout<0.5f>,
                    conv2d<Wide, kernel<3>, padding::valid, weight_norm>, leaky_relu<0.2f>,
                    conv2d<Wide, kernel<1>, weight_norm>, leaky_relu<0.2f>,
                    conv2d<Wide, kernel<1>, weight_norm>, leaky_relu<0.2f>,
                    global_average_pool,
                    dense<Classes, weight_norm, init_scale<0.1f>>>;

        using generator =
            network<input<100>, dense<(Height / 8) * (Width / 8) * 512>, batch_norm<>, relu,
                    reshape<512, Height / 8, Width / 8>,
                    deconv2d<256, kernel<5>, stride<2>, padding::same>, batch_norm<>, relu,
                    deconv2d<128, kernel<5>, stride<2>, padding::same>, batch_norm<>, relu,
                    deconv2d<Channels, kernel<5>, stride<2>, padding::same,
                             weight_norm_without_data_init>,
                    tanh>;
        // clang-format on

        // The pooled features, as in the 32 × 32 models.
        static constexpr std::size_t feature_layer = improved_32x32_feature_layer;
        static_assert(
            std::is_same_v<typename discriminator::template output_shape_of<feature_layer>,
                           shape<Wide>>);

        using pair = gan_pair<generator, discriminator>;

        // Data-dependent initialization runs D on init_batch images at once; at 64 × 64 the
        // 500 of the 32 × 32 models would hold about 3 GB of activations, so the batch shrinks
        // with the image's area (100 at least).
        static settings defaults()
        {
            settings chosen = cifar_improved::defaults();
            chosen.init_batch = std::max<std::size_t>(100, 500 * 32 * 32 / (Height * Width));
            return chosen;
        }

        static constexpr generator_objective objective = generator_objective::feature_matching;
    };

    // The 64 × 64 colour model the examples ship, with SVHN's narrower widths: at 64 × 64 the
    // first three convolutions cost four times what they cost at 32 × 32.
    using image64_improved = improved_model<3, 64, 64, 10, 64, 128>;
}
