// The MNIST models. `mnist_improved` is the setup of Salimans et al. 2016 for permutation-
// invariant MNIST: a discriminator of weight-normalized dense layers with Gaussian noise,
// 10 logits with the fake class's logit fixed at zero, and a generator trained by feature
// matching on the discriminator's last hidden layer. `mnist_seed` is the convolutional design
// of SSGAN-Tensorflow: K + 1 logits, a deconvolutional generator, the non-saturating loss and
// that project's training tricks.
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

#include <string_view>

namespace ssgan::gan
{
    struct mnist_improved
    {
        static constexpr std::string_view name = "improved";
        static constexpr std::size_t classes = 10;
        static constexpr bool explicit_fake_class = false;
        static constexpr bool pixels_from_minus_one = false; // images in [0, 1]
        static constexpr float noise_low = 0.0f;             // z ~ U(0, 1)
        static constexpr float noise_high = 1.0f;

        // One layer block per line, kept out of clang-format's packing.
        // clang-format off
        using discriminator = network<input<1, 28, 28>,
                                      flatten, gaussian_noise<0.3f>,
                                      dense<1000, weight_norm>, relu, gaussian_noise<0.5f>,
                                      dense<500, weight_norm>, relu, gaussian_noise<0.5f>,
                                      dense<250, weight_norm>, relu, gaussian_noise<0.5f>,
                                      dense<250, weight_norm>, relu, gaussian_noise<0.5f>,
                                      dense<250, weight_norm>, relu, gaussian_noise<0.5f>,
                                      dense<10, weight_norm, init_scale<0.1f>>>;
        // clang-format on

        // The last hidden layer's output, after its ReLU and before its noise.
        static constexpr std::size_t feature_layer = 15;
        static_assert(std::is_same_v<discriminator::output_shape_of<feature_layer>, shape<250>>);

        // One layer block per line, kept out of clang-format's packing.
        // clang-format off
        using generator = network<input<100>,
                                  dense<500>, softplus, batch_norm<>,
                                  dense<500>, softplus, batch_norm<>,
                                  dense<784, weight_norm_without_data_init>, sigmoid,
                                  reshape<1, 28, 28>>;
        // clang-format on

        using pair = gan_pair<generator, discriminator>;

        static settings defaults()
        {
            settings chosen;
            chosen.learning_rate = 0.003f;
            chosen.beta1 = 0.5f;
            chosen.update_rate = 1;
            chosen.unsupervised_weight = 0.5f;
            return chosen;
        }

        static constexpr generator_objective objective = generator_objective::feature_matching;
    };

    struct mnist_seed
    {
        static constexpr std::string_view name = "seed";
        static constexpr std::size_t classes = 10;
        static constexpr bool explicit_fake_class = true;   // 11 logits, the last one "fake"
        static constexpr bool pixels_from_minus_one = true; // images in [-1, 1]
        static constexpr float noise_low = -1.0f;           // z ~ U(-1, 1)
        static constexpr float noise_high = 1.0f;

        // One layer block per line, kept out of clang-format's packing.
        // clang-format off
        using discriminator =
            network<input<1, 28, 28>,
                    conv2d<32, kernel<5>, stride<2>, padding::same>, leaky_relu<0.2f>,
                    batch_norm<>, dropout<0.5f>,
                    conv2d<64, kernel<5>, stride<2>, padding::same>, leaky_relu<0.2f>,
                    batch_norm<>, dropout<0.5f>,
                    conv2d<128, kernel<5>, stride<2>, padding::same>, leaky_relu<0.2f>,
                    batch_norm<>, dropout<0.5f>,
                    flatten, dense<11>>;
        // clang-format on

        // The flattened 128 × 4 × 4 features before the last dense layer.
        static constexpr std::size_t feature_layer = 12;
        static_assert(std::is_same_v<discriminator::output_shape_of<feature_layer>, shape<2048>>);

        // One layer block per line, kept out of clang-format's packing.
        // clang-format off
        using generator =
            network<input<100>, reshape<100, 1, 1>,
                    deconv2d<100, kernel<2>, stride<1>, padding::valid>, relu, batch_norm<>,
                    deconv2d<25, kernel<3>, stride<2>, padding::valid>, relu, batch_norm<>,
                    deconv2d<6, kernel<4>, stride<2>, padding::valid>, relu, batch_norm<>,
                    deconv2d<1, kernel<6>, stride<2>, padding::valid>, tanh>;
        // clang-format on

        using pair = gan_pair<generator, discriminator>;

        static settings defaults() { return ssgan_tensorflow_settings(); }

        static constexpr generator_objective objective = generator_objective::non_saturating;
    };
}
