// The models for 32 × 32 colour images (CIFAR-10, and SVHN which has the same shape).
// `cifar_improved` and `svhn_improved` are the convolutional networks of Salimans et al. 2016:
// a weight-normalized all-convolutional discriminator with 10 logits (the fake class's logit
// fixed at zero), a deconvolutional generator, and feature matching on the pooled features.
// `cifar_seed` is the 32 × 32 × 3 design of SSGAN-Tensorflow: K + 1 logits, valid-padded
// deconvolutions, the non-saturating loss and that project's training tricks.
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
#include "settings.hpp"

#include <cstddef>
#include <string_view>
#include <type_traits>

namespace ssgan::gan
{
    // Salimans et al.'s discriminator for 32 × 32 × 3: three 3 × 3 convolutions of Narrow
    // channels (the third halves the size), three of Wide, a valid 3 × 3 convolution and
    // two 1 × 1 (network-in-network) layers, global average pooling, 10 logits.
    template <std::size_t Narrow, std::size_t Wide>
    using improved_32x32_discriminator =
        network<input<3, 32, 32>, dropout<0.2f>, conv2d<Narrow, kernel<3>, weight_norm>,
                leaky_relu<0.2f>, conv2d<Narrow, kernel<3>, weight_norm>, leaky_relu<0.2f>,
                conv2d<Narrow, kernel<3>, stride<2>, weight_norm>, leaky_relu<0.2f>, dropout<0.5f>,
                conv2d<Wide, kernel<3>, weight_norm>, leaky_relu<0.2f>,
                conv2d<Wide, kernel<3>, weight_norm>, leaky_relu<0.2f>,
                conv2d<Wide, kernel<3>, stride<2>, weight_norm>, leaky_relu<0.2f>, dropout<0.5f>,
                conv2d<Wide, kernel<3>, padding::valid, weight_norm>, leaky_relu<0.2f>,
                conv2d<Wide, kernel<1>, weight_norm>, leaky_relu<0.2f>,
                conv2d<Wide, kernel<1>, weight_norm>, leaky_relu<0.2f>, global_average_pool,
                dense<10, weight_norm, init_scale<0.1f>>>;

    // The pooled features: Wide channels, each the mean over the last 6 × 6 map.
    inline constexpr std::size_t improved_32x32_feature_layer = 21;

    // z(100) → 4 × 4 × 512 → 8 × 8 × 256 → 16 × 16 × 128 → 32 × 32 × 3 in [-1, 1]; batch
    // norm before each ReLU, weight norm on the output layer.
    using improved_32x32_generator =
        network<input<100>, dense<4 * 4 * 512>, batch_norm<>, relu, reshape<512, 4, 4>,
                deconv2d<256, kernel<5>, stride<2>, padding::same>, batch_norm<>, relu,
                deconv2d<128, kernel<5>, stride<2>, padding::same>, batch_norm<>, relu,
                deconv2d<3, kernel<5>, stride<2>, padding::same, weight_norm_without_data_init>,
                tanh>;

    struct cifar_improved
    {
        static constexpr std::string_view name = "cifar10-improved";
        static constexpr std::size_t classes = 10;
        static constexpr bool explicit_fake_class = false;
        static constexpr bool pixels_from_minus_one = true; // images in [-1, 1]
        static constexpr float noise_low = 0.0f;            // z ~ U(0, 1), as Salimans et al.
        static constexpr float noise_high = 1.0f;

        // One layer block per line, kept out of clang-format's packing.
        // clang-format off
        using discriminator = improved_32x32_discriminator<96, 192>;
        // clang-format on

        static constexpr std::size_t feature_layer = improved_32x32_feature_layer;
        static_assert(std::is_same_v<discriminator::output_shape_of<feature_layer>, shape<192>>);

        // One layer block per line, kept out of clang-format's packing.
        // clang-format off
        using generator = improved_32x32_generator;
        using pair = gan_pair<generator, discriminator>;
        // clang-format on

        // Adam at 3e-4 with β1 = 0.5 for both networks, the rate falling linearly to zero over
        // the last third of training (when the tool knows where training ends).
        static settings defaults()
        {
            settings chosen;
            chosen.batch_size = 100;
            chosen.labels = 4000;
            chosen.learning_rate = 3e-4f;
            chosen.beta1 = 0.5f;
            chosen.update_rate = 1;
            chosen.unsupervised_weight = 0.5f;
            chosen.lr_weight_decay = true;
            return chosen;
        }

        static constexpr generator_objective objective = generator_objective::feature_matching;
    };

    // The same design with the narrower widths Salimans et al. used for SVHN.
    struct svhn_improved
    {
        static constexpr std::string_view name = "svhn-improved";
        static constexpr std::size_t classes = 10;
        static constexpr bool explicit_fake_class = false;
        static constexpr bool pixels_from_minus_one = true; // images in [-1, 1]
        static constexpr float noise_low = 0.0f;            // z ~ U(0, 1)
        static constexpr float noise_high = 1.0f;

        // One layer block per line, kept out of clang-format's packing.
        // clang-format off
        using discriminator = improved_32x32_discriminator<64, 128>;
        // clang-format on

        static constexpr std::size_t feature_layer = improved_32x32_feature_layer;
        static_assert(std::is_same_v<discriminator::output_shape_of<feature_layer>, shape<128>>);

        // One layer block per line, kept out of clang-format's packing.
        // clang-format off
        using generator = improved_32x32_generator;
        using pair = gan_pair<generator, discriminator>;
        // clang-format on

        static settings defaults()
        {
            settings chosen = cifar_improved::defaults();
            chosen.labels = 1000;
            return chosen;
        }

        static constexpr generator_objective objective = generator_objective::feature_matching;
    };

    struct cifar_seed
    {
        static constexpr std::string_view name = "cifar10-seed";
        static constexpr std::size_t classes = 10;
        static constexpr bool explicit_fake_class = true;   // 11 logits, the last one "fake"
        static constexpr bool pixels_from_minus_one = true; // images in [-1, 1]
        static constexpr float noise_low = -1.0f;           // z ~ U(-1, 1)
        static constexpr float noise_high = 1.0f;

        // 32 → 16 → 8 → 4 with 64, 128 and 256 channels.
        // One layer block per line, kept out of clang-format's packing.
        // clang-format off
        using discriminator =
            network<input<3, 32, 32>,
                    conv2d<64, kernel<5>, stride<2>, padding::same>, leaky_relu<0.2f>,
                    batch_norm<>, dropout<0.5f>,
                    conv2d<128, kernel<5>, stride<2>, padding::same>, leaky_relu<0.2f>,
                    batch_norm<>, dropout<0.5f>,
                    conv2d<256, kernel<5>, stride<2>, padding::same>, leaky_relu<0.2f>,
                    batch_norm<>, dropout<0.5f>,
                    flatten, dense<11>>;
        // clang-format on

        // The flattened 256 × 4 × 4 features before the last dense layer.
        static constexpr std::size_t feature_layer = 12;
        static_assert(std::is_same_v<discriminator::output_shape_of<feature_layer>, shape<4096>>);

        // Valid padding, n' = (n - 1)·s + k: 1 → 2 (k 2, s 1) → 6 (k 4, s 2) → 14 (k 4, s 2)
        // → 32 (k 6, s 2), with 384, 128, 64 and 3 channels.
        // One layer block per line, kept out of clang-format's packing.
        // clang-format off
        using generator =
            network<input<100>, reshape<100, 1, 1>,
                    deconv2d<384, kernel<2>, stride<1>, padding::valid>, relu, batch_norm<>,
                    deconv2d<128, kernel<4>, stride<2>, padding::valid>, relu, batch_norm<>,
                    deconv2d<64, kernel<4>, stride<2>, padding::valid>, relu, batch_norm<>,
                    deconv2d<3, kernel<6>, stride<2>, padding::valid>, tanh>;
        // clang-format on

        using pair = gan_pair<generator, discriminator>;

        static settings defaults()
        {
            settings chosen = ssgan_tensorflow_settings();
            chosen.labels = 4000;
            return chosen;
        }

        static constexpr generator_objective objective = generator_objective::non_saturating;
    };

    // cifar_seed's networks and settings for SVHN, with its default of 1000 labels; a model of
    // its own name, so that a checkpoint says which dataset it learned.
    struct svhn_seed : cifar_seed
    {
        static constexpr std::string_view name = "svhn-seed";

        static settings defaults()
        {
            settings chosen = cifar_seed::defaults();
            chosen.labels = 1000;
            return chosen;
        }
    };
}
