// layers/batch_norm.hpp: batch normalization on oneDNN against plain loops, per feature for a
// rank-1 input and per channel for C × H × W, in train mode (batch statistics, running
// statistics updated) and eval mode (running statistics), forward and backward.
#define BOOST_TEST_MODULE layers_batch_norm
#include <boost/test/unit_test.hpp>

#include "support/checks.hpp"

#include <ssgan/ssgan.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

using namespace ssgan;
using ssgan::testing::largest_error;

namespace
{
    constexpr double epsilon = 1e-5; // batch_norm<>'s default

    // y = γ (x - μ) / √(σ² + ε) + β and its gradients, in double precision, per channel of
    // Shape (the feature for a rank-1 shape, the first extent for C × H × W).
    template <shape_type Shape>
    struct reference
    {
        static constexpr std::size_t channels = Shape::extents[0];
        static constexpr std::size_t area = Shape::size / channels;

        std::size_t batch;
        std::vector<double> mean = std::vector<double>(channels);
        std::vector<double> variance = std::vector<double>(channels); // biased

        static std::size_t index(std::size_t sample, std::size_t channel, std::size_t position)
        {
            return sample * Shape::size + channel * area + position;
        }

        // The batch's statistics: the mean and the biased variance of each channel.
        reference(std::span<const float> in, std::size_t batch) : batch(batch)
        {
            const double count = static_cast<double>(batch * area);
            for (std::size_t c = 0; c < channels; ++c)
            {
                double sum = 0.0;
                for (std::size_t n = 0; n < batch; ++n)
                    for (std::size_t p = 0; p < area; ++p)
                        sum += in[index(n, c, p)];
                mean[c] = sum / count;
                double squares = 0.0;
                for (std::size_t n = 0; n < batch; ++n)
                    for (std::size_t p = 0; p < area; ++p)
                        squares += std::pow(in[index(n, c, p)] - mean[c], 2);
                variance[c] = squares / count;
            }
        }

        // Statistics given from outside (eval mode's running statistics).
        reference(std::size_t batch, std::span<const float> given_mean,
                  std::span<const float> given_variance)
            : batch(batch), mean(given_mean.begin(), given_mean.end()),
              variance(given_variance.begin(), given_variance.end())
        {
        }

        double unbiased_variance(std::size_t c) const
        {
            const double count = static_cast<double>(batch * area);
            return variance[c] * count / (count - 1.0);
        }

        double normalized(std::span<const float> in, std::size_t i, std::size_t c) const
        {
            return (in[i] - mean[c]) / std::sqrt(variance[c] + epsilon);
        }

        std::vector<double> forward(std::span<const float> in, std::span<const float> scale,
                                    std::span<const float> shift) const
        {
            std::vector<double> out(in.size());
            for (std::size_t n = 0; n < batch; ++n)
                for (std::size_t c = 0; c < channels; ++c)
                    for (std::size_t p = 0; p < area; ++p)
                    {
                        const std::size_t i = index(n, c, p);
                        out[i] = scale[c] * normalized(in, i, c) + shift[c];
                    }
            return out;
        }

        struct gradients
        {
            std::vector<double> d_in, d_scale, d_shift;
        };

        // With x̂ the normalized input, g = dL/dy and M = batch · area values per channel:
        // dβ = Σ g, dγ = Σ g x̂, and with batch statistics (which depend on x)
        // dx = γ / √(σ² + ε) · (g - dβ / M - x̂ dγ / M); with fixed statistics dx = γ g / √(σ² + ε).
        gradients backward(std::span<const float> in, std::span<const float> d_out,
                           std::span<const float> scale, bool batch_statistics) const
        {
            gradients result{std::vector<double>(in.size()), std::vector<double>(channels),
                             std::vector<double>(channels)};
            const double count = static_cast<double>(batch * area);
            for (std::size_t c = 0; c < channels; ++c)
            {
                for (std::size_t n = 0; n < batch; ++n)
                    for (std::size_t p = 0; p < area; ++p)
                    {
                        const std::size_t i = index(n, c, p);
                        result.d_shift[c] += d_out[i];
                        result.d_scale[c] += d_out[i] * normalized(in, i, c);
                    }
                const double inverse_std = 1.0 / std::sqrt(variance[c] + epsilon);
                for (std::size_t n = 0; n < batch; ++n)
                    for (std::size_t p = 0; p < area; ++p)
                    {
                        const std::size_t i = index(n, c, p);
                        double g = d_out[i];
                        if (batch_statistics)
                            g -= result.d_shift[c] / count +
                                 normalized(in, i, c) * result.d_scale[c] / count;
                        result.d_in[i] = scale[c] * inverse_std * g;
                    }
            }
            return result;
        }
    };

    template <shape_type Shape>
    using bn_layer = batch_norm<>::bind<Shape>;

    // A layer with γ and β away from 1 and 0, so a test can tell them apart.
    template <shape_type Shape>
    struct bn_rig : testing::layer_rig<bn_layer<Shape>>
    {
        static constexpr std::size_t channels = Shape::extents[0];

        explicit bn_rig(random_stream& random) : testing::layer_rig<bn_layer<Shape>>(random)
        {
            for (std::size_t c = 0; c < channels; ++c)
            {
                this->values[c] = 0.5f + 0.25f * static_cast<float>(c);              // γ
                this->values[channels + c] = 0.125f * static_cast<float>(c) - 0.25f; // β
            }
        }

        std::span<float> scale() { return std::span<float>(this->values).first(channels); }
        std::span<float> shift() { return std::span<float>(this->values).subspan(channels); }
        std::span<float> scale_gradient()
        {
            return std::span<float>(this->gradients).first(channels);
        }
        std::span<float> shift_gradient()
        {
            return std::span<float>(this->gradients).subspan(channels);
        }
        std::span<float> running_mean() { return std::span<float>(this->state).first(channels); }
        std::span<float> running_variance()
        {
            return std::span<float>(this->state).subspan(channels);
        }
    };

    // Running statistics that differ from the initial 0 and 1 in every channel.
    void set_running_statistics(std::span<float> state)
    {
        const std::size_t channels = state.size() / 2;
        for (std::size_t c = 0; c < channels; ++c)
        {
            state[c] = 0.3f * static_cast<float>(c) - 0.4f;                 // mean
            state[channels + c] = 0.5f + 0.75f * static_cast<float>(c % 4); // variance
        }
    }

    template <shape_type Shape>
    void expect_train_pass_matches_reference(std::size_t batch, std::uint64_t seed)
    {
        random_stream random(seed);
        bn_rig<Shape> rig(random);
        context ctx(random, mode::train);

        // Inputs with a mean and spread of their own, unlike the N(0, 1) the statistics start at.
        tensor<Shape> in(batch);
        testing::fill_normal(in, seed, 1.5f, 2.0f);
        tensor<Shape> out(batch);
        rig.layer.forward(in, out.view(), ctx);

        const reference<Shape> expected(in.span(), batch);
        BOOST_TEST(
            largest_error(out.span(), expected.forward(in.span(), rig.scale(), rig.shift())) < 1e-5,
            "forward on " << Shape::describe() << " × " << batch);

        tensor<Shape> d_out(batch);
        testing::fill_normal(d_out, seed + 1);
        tensor<Shape> d_in(batch);
        rig.layer.backward(in, out, d_out, d_in.view(), ctx);
        const auto gradients = expected.backward(in.span(), d_out.span(), rig.scale(), true);

        BOOST_TEST(largest_error(d_in.span(), gradients.d_in) < 1e-5,
                   "d_in on " << Shape::describe() << " × " << batch);
        BOOST_TEST(largest_error(rig.scale_gradient(), gradients.d_scale) < 1e-5);
        BOOST_TEST(largest_error(rig.shift_gradient(), gradients.d_shift) < 1e-5);
    }

    template <shape_type Shape>
    void expect_eval_pass_matches_reference(std::size_t batch, std::uint64_t seed)
    {
        random_stream random(seed);
        bn_rig<Shape> rig(random);
        set_running_statistics(rig.state);
        const std::vector<float> state_before = rig.state;
        context ctx(random, mode::eval);

        tensor<Shape> in(batch);
        testing::fill_normal(in, seed, 0.5f, 2.0f);
        tensor<Shape> out(batch);
        rig.layer.forward(in, out.view(), ctx);

        const reference<Shape> expected(batch, rig.running_mean(), rig.running_variance());
        BOOST_TEST(
            largest_error(out.span(), expected.forward(in.span(), rig.scale(), rig.shift())) < 1e-5,
            "eval forward on " << Shape::describe() << " × " << batch);

        tensor<Shape> d_out(batch);
        testing::fill_normal(d_out, seed + 1);
        tensor<Shape> d_in(batch);
        rig.layer.backward(in, out, d_out, d_in.view(), ctx);
        const auto gradients = expected.backward(in.span(), d_out.span(), rig.scale(), false);

        BOOST_TEST(largest_error(d_in.span(), gradients.d_in) < 1e-5,
                   "eval d_in on " << Shape::describe() << " × " << batch);
        BOOST_TEST(largest_error(rig.scale_gradient(), gradients.d_scale) < 1e-5);
        BOOST_TEST(largest_error(rig.shift_gradient(), gradients.d_shift) < 1e-5);
        BOOST_TEST(rig.state == state_before, "eval mode leaves the running statistics alone");
    }
}

BOOST_AUTO_TEST_CASE(parameters_and_state_have_two_entries_per_channel)
{
    using image_layer = bn_layer<shape<3, 5, 7>>;
    BOOST_TEST(image_layer::parameter_count == 6u);
    BOOST_TEST(image_layer::state_count == 6u);
    BOOST_TEST(bn_layer<shape<11>>::parameter_count == 22u);
    BOOST_TEST(bn_layer<shape<11>>::state_count == 22u);
}

BOOST_AUTO_TEST_CASE(initialize_sets_unit_scale_zero_shift_and_standard_running_statistics)
{
    random_stream random(1);
    testing::layer_rig<bn_layer<shape<2, 3, 3>>> rig(random);

    const std::vector<float> values{1.0f, 1.0f, 0.0f, 0.0f};
    const std::vector<float> state{0.0f, 0.0f, 1.0f, 1.0f};
    BOOST_TEST(rig.values == values, boost::test_tools::per_element());
    BOOST_TEST(rig.state == state, boost::test_tools::per_element());
}

// Two features over a batch of four, worked by hand: feature 0 holds 1, 2, 3, 4 (mean 2.5,
// biased variance 1.25, unbiased 5/3) and feature 1 holds 10, 10, 10, 14 (mean 11, biased
// variance 3, unbiased 4).
BOOST_AUTO_TEST_CASE(train_forward_normalizes_with_the_biased_batch_variance)
{
    random_stream random(1);
    testing::layer_rig<bn_layer<shape<2>>> rig(random);
    context ctx(random, mode::train);
    tensor<shape<2>> in(4);
    const float values[] = {1.0f, 10.0f, 2.0f, 10.0f, 3.0f, 10.0f, 4.0f, 14.0f};
    std::copy(std::begin(values), std::end(values), in.span().begin());
    tensor<shape<2>> out(4);

    rig.layer.forward(in, out.view(), ctx);

    const double spread0 = std::sqrt(1.25 + epsilon);
    const double spread1 = std::sqrt(3.0 + epsilon);
    const std::vector<double> expected{-1.5 / spread0, -1.0 / spread1, -0.5 / spread0,
                                       -1.0 / spread1, 0.5 / spread0,  -1.0 / spread1,
                                       1.5 / spread0,  3.0 / spread1};
    BOOST_TEST(largest_error(out.span(), expected) < 1e-6);
}

BOOST_AUTO_TEST_CASE(train_forward_moves_running_statistics_by_momentum_toward_unbiased_ones)
{
    random_stream random(1);
    testing::layer_rig<bn_layer<shape<2>>> rig(random);
    context ctx(random, mode::train);
    tensor<shape<2>> in(4);
    const float values[] = {1.0f, 10.0f, 2.0f, 10.0f, 3.0f, 10.0f, 4.0f, 14.0f};
    std::copy(std::begin(values), std::end(values), in.span().begin());
    tensor<shape<2>> out(4);

    rig.layer.forward(in, out.view(), ctx);

    // running ← running + 0.1 (batch - running), from mean 0 and variance 1.
    const std::vector<double> once{0.1 * 2.5, 0.1 * 11.0, 0.9 + 0.1 * (5.0 / 3.0), 0.9 + 0.1 * 4.0};
    BOOST_TEST(largest_error(rig.state, once) < 1e-6);

    rig.layer.forward(in, out.view(), ctx);

    const std::vector<double> twice{
        once[0] + 0.1 * (2.5 - once[0]), once[1] + 0.1 * (11.0 - once[1]),
        once[2] + 0.1 * (5.0 / 3.0 - once[2]), once[3] + 0.1 * (4.0 - once[3])};
    BOOST_TEST(largest_error(rig.state, twice) < 1e-6);
}

BOOST_AUTO_TEST_CASE(running_statistics_on_images_count_every_pixel_of_a_channel)
{
    using Shape = shape<3, 5, 7>;
    random_stream random(2);
    bn_rig<Shape> rig(random);
    context ctx(random, mode::train);
    tensor<Shape> in(3);
    testing::fill_normal(in, 21, 2.0f, 3.0f);
    tensor<Shape> out(3);

    rig.layer.forward(in, out.view(), ctx);

    const reference<Shape> batch(in.span(), 3);
    std::vector<double> expected(6);
    for (std::size_t c = 0; c < 3; ++c)
    {
        expected[c] = 0.1 * batch.mean[c];
        expected[3 + c] = 0.9 + 0.1 * batch.unbiased_variance(c);
    }
    BOOST_TEST(largest_error(rig.state, expected) < 1e-5);
}

BOOST_AUTO_TEST_CASE(momentum_is_a_spec_option)
{
    random_stream random(1);
    testing::layer_rig<batch_norm<0.5f>::bind<shape<1>>> rig(random);
    context ctx(random, mode::train);
    tensor<shape<1>> in(2);
    in[0] = 1.0f;
    in[1] = 3.0f; // mean 2, unbiased variance 2
    tensor<shape<1>> out(2);

    rig.layer.forward(in, out.view(), ctx);

    const std::vector<double> expected{0.5 * 2.0, 0.5 + 0.5 * 2.0};
    BOOST_TEST(largest_error(rig.state, expected) < 1e-6);
}

BOOST_AUTO_TEST_CASE(frozen_statistics_stay_unchanged_in_train_mode)
{
    random_stream random(1);
    bn_rig<shape<3, 5, 7>> rig(random);
    set_running_statistics(rig.state);
    const std::vector<float> before = rig.state;
    context ctx(random, mode::train);
    ctx.freeze_statistics = true;
    tensor<shape<3, 5, 7>> in(3);
    testing::fill_normal(in, 5, 1.0f, 2.0f);
    tensor<shape<3, 5, 7>> out(3);

    rig.layer.forward(in, out.view(), ctx);

    BOOST_TEST(rig.state == before, boost::test_tools::per_element());
    // The output still uses the batch's statistics.
    const reference<shape<3, 5, 7>> expected(in.span(), 3);
    BOOST_TEST(largest_error(out.span(), expected.forward(in.span(), rig.scale(), rig.shift())) <
               1e-5);
}

BOOST_AUTO_TEST_CASE(train_pass_matches_a_reference_loop_on_awkward_shapes)
{
    expect_train_pass_matches_reference<shape<3, 5, 7>>(1, 31);
    expect_train_pass_matches_reference<shape<3, 5, 7>>(3, 32);
    expect_train_pass_matches_reference<shape<13, 2, 3>>(3, 33);
    expect_train_pass_matches_reference<shape<11>>(3, 34);
    expect_train_pass_matches_reference<shape<11>>(5, 35);
}

BOOST_AUTO_TEST_CASE(eval_pass_matches_a_reference_loop_with_the_running_statistics)
{
    expect_eval_pass_matches_reference<shape<3, 5, 7>>(1, 41);
    expect_eval_pass_matches_reference<shape<3, 5, 7>>(3, 42);
    expect_eval_pass_matches_reference<shape<13, 2, 3>>(3, 43);
    expect_eval_pass_matches_reference<shape<11>>(1, 44);
    expect_eval_pass_matches_reference<shape<11>>(3, 45);
}

// In eval mode a sample's output does not depend on the rest of its batch.
BOOST_AUTO_TEST_CASE(eval_output_of_a_sample_is_the_same_alone_and_in_a_batch)
{
    using Shape = shape<3, 5, 7>;
    random_stream random(1);
    bn_rig<Shape> rig(random);
    set_running_statistics(rig.state);
    context ctx(random, mode::eval);
    tensor<Shape> batch(3);
    testing::fill_normal(batch, 6);
    tensor<Shape> batch_out(3);
    rig.layer.forward(batch, batch_out.view(), ctx);

    for (std::size_t n = 0; n < 3; ++n)
    {
        tensor<Shape> alone(1);
        std::copy_n(batch.data() + n * Shape::size, Shape::size, alone.data());
        tensor<Shape> alone_out(1);
        rig.layer.forward(alone, alone_out.view(), ctx);

        const std::span<const float> in_batch(batch_out.data() + n * Shape::size, Shape::size);
        BOOST_TEST(largest_error(alone_out.span(), in_batch) < 1e-6, "sample " << n);
    }
}

BOOST_AUTO_TEST_CASE(parameter_gradients_add_up_over_backward_calls)
{
    using Shape = shape<3, 5, 7>;
    random_stream random(1);
    bn_rig<Shape> rig(random);
    context ctx(random, mode::train);
    tensor<Shape> in(3);
    testing::fill_normal(in, 7);
    tensor<Shape> out(3);
    tensor<Shape> d_out(3);
    testing::fill_normal(d_out, 8);
    tensor<Shape> d_in(3);

    rig.layer.forward(in, out.view(), ctx);
    rig.layer.backward(in, out, d_out, d_in.view(), ctx);
    const std::vector<float> once = rig.gradients;
    rig.layer.backward(in, out, d_out, d_in.view(), ctx);

    std::vector<double> doubled(once.begin(), once.end());
    for (double& value : doubled)
        value *= 2.0;
    BOOST_TEST(largest_error(rig.gradients, doubled) < 1e-6);
}

BOOST_AUTO_TEST_CASE(backward_without_an_input_gradient_still_gives_parameter_gradients)
{
    using Shape = shape<3, 5, 7>;
    random_stream random(1);
    bn_rig<Shape> rig(random);
    context ctx(random, mode::train);
    tensor<Shape> in(3);
    testing::fill_normal(in, 9);
    tensor<Shape> out(3);
    tensor<Shape> d_out(3);
    testing::fill_normal(d_out, 10);

    rig.layer.forward(in, out.view(), ctx);
    rig.layer.backward(in, out, d_out, tensor_view<Shape>{}, ctx);

    const reference<Shape> expected(in.span(), 3);
    const auto gradients = expected.backward(in.span(), d_out.span(), rig.scale(), true);
    BOOST_TEST(largest_error(rig.scale_gradient(), gradients.d_scale) < 1e-5);
    BOOST_TEST(largest_error(rig.shift_gradient(), gradients.d_shift) < 1e-5);
}

// The generator's step through the discriminator needs the input gradient only.
BOOST_AUTO_TEST_CASE(backward_without_parameter_gradients_gives_the_input_gradient_only)
{
    using Shape = shape<3, 5, 7>;
    random_stream random(1);
    bn_rig<Shape> rig(random);
    context ctx(random, mode::train);
    tensor<Shape> in(3);
    testing::fill_normal(in, 11);
    tensor<Shape> out(3);
    tensor<Shape> d_out(3);
    testing::fill_normal(d_out, 12);
    tensor<Shape> d_in(3);

    rig.layer.forward(in, out.view(), ctx);
    ctx.parameter_gradients = false;
    rig.layer.backward(in, out, d_out, d_in.view(), ctx);

    BOOST_TEST(
        std::all_of(rig.gradients.begin(), rig.gradients.end(), [](float g) { return g == 0.0f; }));
    const reference<Shape> expected(in.span(), 3);
    const auto gradients = expected.backward(in.span(), d_out.span(), rig.scale(), true);
    BOOST_TEST(largest_error(d_in.span(), gradients.d_in) < 1e-5);
}

// Tolerance 2e-3. Train mode normalizes by statistics of the batch, so every input moves every
// output of its channel and the function bends with 1 / σ³; with step 1e-2 and unit-spread
// inputs the central difference errs by about 1e-4 on rank 3 and by up to 1e-3 on rank 1,
// where a feature has only three samples. A wrong factor, a missing mean term or the unbiased
// variance in place of the biased one (22% off for three samples, 1% for 105) errs by more.
BOOST_AUTO_TEST_CASE(backward_matches_finite_differences_on_images)
{
    testing::gradient_options options;
    options.prepare_state = set_running_statistics;

    options.batch = 3;
    testing::expect_gradients_match_in_both_modes<bn_layer<shape<3, 5, 7>>>(options, 2e-3);
    options.batch = 1;
    testing::expect_gradients_match_in_both_modes<bn_layer<shape<3, 5, 7>>>(options, 2e-3);
}

BOOST_AUTO_TEST_CASE(backward_matches_finite_differences_on_features)
{
    testing::gradient_options options;
    options.prepare_state = set_running_statistics;

    options.batch = 3;
    testing::expect_gradients_match_in_both_modes<bn_layer<shape<11>>>(options, 2e-3);
    options.batch = 8;
    testing::expect_gradients_match_in_both_modes<bn_layer<shape<11>>>(options, 2e-3);
}
