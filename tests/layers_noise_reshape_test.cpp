// layers/noise.hpp and layers/reshape.hpp: dropout and gaussian_noise (identity in eval mode,
// random in train mode), flatten, reshape and global_average_pool.
#define BOOST_TEST_MODULE layers_noise_reshape
#include <boost/test/unit_test.hpp>

#include "support/checks.hpp"

#include <ssgan/ssgan.hpp>

#include <cmath>
#include <cstddef>
#include <numeric>
#include <type_traits>
#include <vector>

using namespace ssgan;
using ssgan::testing::largest_error;

namespace
{
    // 96000 units: a keep fraction p is estimated to within √(p (1 - p) / n) ≈ 0.0016 and a
    // noise std to within σ / √(2n) ≈ 0.23% (one standard error); the tolerances below are
    // about five standard errors, far inside the error of a wrong rate or a wrong scale.
    using wide = shape<3, 160, 200>;
    constexpr std::size_t wide_batch = 1;

    template <class Layer>
    struct noise_case
    {
        random_stream random{5};
        testing::layer_rig<Layer> rig{random};
        tensor<typename Layer::input_shape> in;
        tensor<typename Layer::output_shape> out;

        explicit noise_case(std::size_t batch) : in(batch), out(batch)
        {
            testing::fill_normal(in, 17);
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Dropout

BOOST_AUTO_TEST_CASE(dropout_is_the_identity_in_eval_mode)
{
    noise_case<dropout<0.5f>::bind<shape<3, 5, 7>>> test(3);
    context ctx(test.random, mode::eval);

    test.rig.layer.forward(test.in, test.out.view(), ctx);
    BOOST_TEST(test.out.span() == test.in.span(), boost::test_tools::per_element());

    tensor<shape<3, 5, 7>> d_in(3);
    test.rig.layer.backward(test.in, test.out, test.in, d_in.view(), ctx);
    BOOST_TEST(d_in.span() == test.in.span(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(dropout_keeps_about_one_minus_rate_and_scales_kept_units_up)
{
    noise_case<dropout<0.3f>::bind<wide>> test(wide_batch);
    context ctx(test.random, mode::train);

    test.rig.layer.forward(test.in, test.out.view(), ctx);

    std::size_t kept = 0;
    double worst = 0.0;
    for (std::size_t i = 0; i < test.in.size(); ++i)
    {
        if (test.out[i] == 0.0f)
            continue;
        ++kept;
        const double expected = test.in[i] / (1.0 - 0.3);
        worst = std::max(worst, std::abs(test.out[i] - expected) / std::abs(expected));
    }
    const double fraction = static_cast<double>(kept) / static_cast<double>(test.in.size());
    BOOST_TEST(std::abs(fraction - 0.7) < 0.008, "kept " << fraction);
    BOOST_TEST(worst < 1e-6, "kept units are x / (1 - rate)");
}

BOOST_AUTO_TEST_CASE(dropout_backward_lets_gradients_through_the_kept_units_only)
{
    noise_case<dropout<0.5f>::bind<shape<3, 5, 7>>> test(3);
    context ctx(test.random, mode::train);
    test.rig.layer.forward(test.in, test.out.view(), ctx);
    tensor<shape<3, 5, 7>> d_out(3, 1.0f);
    tensor<shape<3, 5, 7>> d_in(3);

    test.rig.layer.backward(test.in, test.out, d_out, d_in.view(), ctx);

    // d_in is the mask: 2 where the unit was kept, 0 where dropped.
    for (std::size_t i = 0; i < test.in.size(); ++i)
        BOOST_TEST(d_in[i] == (test.out[i] == 0.0f ? 0.0f : 2.0f), "unit " << i);
}

BOOST_AUTO_TEST_CASE(dropout_draws_a_new_mask_each_forward_unless_told_to_reuse_it)
{
    noise_case<dropout<0.5f>::bind<shape<3, 5, 7>>> test(3);
    context ctx(test.random, mode::train);
    tensor<shape<3, 5, 7>> first(3);
    tensor<shape<3, 5, 7>> second(3);
    tensor<shape<3, 5, 7>> reused(3);

    test.rig.layer.forward(test.in, first.view(), ctx);
    test.rig.layer.forward(test.in, second.view(), ctx);
    ctx.reuse_noise = true;
    test.rig.layer.forward(test.in, reused.view(), ctx);

    BOOST_TEST((first.span().size() == second.span().size() &&
                !std::equal(first.span().begin(), first.span().end(), second.span().begin())));
    BOOST_TEST(reused.span() == second.span(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(dropout_with_rate_zero_keeps_everything)
{
    noise_case<dropout<0.0f>::bind<shape<13>>> test(3);
    context ctx(test.random, mode::train);

    test.rig.layer.forward(test.in, test.out.view(), ctx);

    BOOST_TEST(test.out.span() == test.in.span(), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------------------
// Gaussian noise

BOOST_AUTO_TEST_CASE(gaussian_noise_is_the_identity_in_eval_mode)
{
    noise_case<gaussian_noise<0.5f>::bind<shape<3, 5, 7>>> test(3);
    context ctx(test.random, mode::eval);

    test.rig.layer.forward(test.in, test.out.view(), ctx);

    BOOST_TEST(test.out.span() == test.in.span(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gaussian_noise_adds_zero_mean_noise_of_the_stated_std)
{
    noise_case<gaussian_noise<0.3f>::bind<wide>> test(wide_batch);
    context ctx(test.random, mode::train);

    test.rig.layer.forward(test.in, test.out.view(), ctx);

    double sum = 0.0;
    double squares = 0.0;
    for (std::size_t i = 0; i < test.in.size(); ++i)
    {
        const double noise = static_cast<double>(test.out[i]) - test.in[i];
        sum += noise;
        squares += noise * noise;
    }
    const double count = static_cast<double>(test.in.size());
    const double mean = sum / count;
    const double stddev = std::sqrt(squares / count - mean * mean);
    BOOST_TEST(std::abs(mean) < 0.005, "mean " << mean);
    BOOST_TEST(std::abs(stddev / 0.3 - 1.0) < 0.012, "std " << stddev);
}

BOOST_AUTO_TEST_CASE(gaussian_noise_passes_gradients_unchanged)
{
    noise_case<gaussian_noise<0.3f>::bind<shape<3, 5, 7>>> test(3);
    context ctx(test.random, mode::train);
    test.rig.layer.forward(test.in, test.out.view(), ctx);
    tensor<shape<3, 5, 7>> d_out(3);
    testing::fill_normal(d_out, 3);
    tensor<shape<3, 5, 7>> d_in(3);

    test.rig.layer.backward(test.in, test.out, d_out, d_in.view(), ctx);

    BOOST_TEST(d_in.span() == d_out.span(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gaussian_noise_reuses_its_noise_when_told)
{
    noise_case<gaussian_noise<0.3f>::bind<shape<13>>> test(3);
    context ctx(test.random, mode::train);
    tensor<shape<13>> first(3);
    tensor<shape<13>> reused(3);

    test.rig.layer.forward(test.in, first.view(), ctx);
    ctx.reuse_noise = true;
    test.rig.layer.forward(test.in, reused.view(), ctx);

    BOOST_TEST(reused.span() == first.span(), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------------------
// Flatten, reshape, global average pool

BOOST_AUTO_TEST_CASE(flatten_and_reshape_compute_their_output_shapes)
{
    static_assert(std::is_same_v<flatten::bind<shape<3, 5, 7>>::output_shape, shape<105>>);
    static_assert(std::is_same_v<reshape<5, 21>::bind<shape<3, 5, 7>>::output_shape, shape<5, 21>>);
    static_assert(std::is_same_v<reshape<7, 3, 5>::bind<shape<105>>::output_shape, shape<7, 3, 5>>);
    static_assert(
        std::is_same_v<global_average_pool::bind<shape<3, 5, 7>>::output_shape, shape<3>>);
}

// The layer contract (nn/layer.hpp) asks describe() for the spec as written in code.
BOOST_AUTO_TEST_CASE(shape_layers_describe_themselves_as_written_in_code)
{
    BOOST_TEST((flatten::bind<shape<3, 5, 7>>::describe()) == "flatten");
    BOOST_TEST((reshape<7, 3, 5>::bind<shape<105>>::describe()) == "reshape<7, 3, 5>");
    BOOST_TEST((global_average_pool::bind<shape<3, 5, 7>>::describe()) == "global_average_pool");
}

// Row-major data of a batch is the same sequence of floats in every shape, so flatten and
// reshape copy it unchanged, forward and backward.
BOOST_AUTO_TEST_CASE(flatten_and_reshape_keep_the_order_of_the_values)
{
    random_stream random(1);
    context ctx(random);
    tensor<shape<3, 5, 7>> in(3);
    std::iota(in.span().begin(), in.span().end(), 0.0f);

    testing::layer_rig<flatten::bind<shape<3, 5, 7>>> flat(random);
    tensor<shape<105>> flat_out(3);
    flat.layer.forward(in, flat_out.view(), ctx);
    BOOST_TEST(flat_out.span() == in.span(), boost::test_tools::per_element());

    testing::layer_rig<reshape<5, 21>::bind<shape<105>>> reshaped(random);
    tensor<shape<5, 21>> reshaped_out(3);
    reshaped.layer.forward(flat_out, reshaped_out.view(), ctx);
    BOOST_TEST(reshaped_out.span() == in.span(), boost::test_tools::per_element());

    tensor<shape<105>> d_flat(3);
    reshaped.layer.backward(flat_out, reshaped_out, reshaped_out, d_flat.view(), ctx);
    tensor<shape<3, 5, 7>> d_in(3);
    flat.layer.backward(in, flat_out, d_flat, d_in.view(), ctx);
    BOOST_TEST(d_in.span() == in.span(), boost::test_tools::per_element());
}

// One sample of 2 × 2 × 3 holding 1 … 12: channel means 3.5 and 9.5.
BOOST_AUTO_TEST_CASE(global_average_pool_gives_each_channels_mean_and_spreads_gradients_evenly)
{
    random_stream random(1);
    context ctx(random);
    testing::layer_rig<global_average_pool::bind<shape<2, 2, 3>>> rig(random);
    tensor<shape<2, 2, 3>> in(1);
    std::iota(in.span().begin(), in.span().end(), 1.0f);
    tensor<shape<2>> out(1);

    rig.layer.forward(in, out.view(), ctx);

    const std::vector<float> means{3.5f, 9.5f};
    BOOST_TEST(out.span() == means, boost::test_tools::per_element());

    tensor<shape<2>> d_out(1);
    d_out[0] = 6.0f;
    d_out[1] = -3.0f;
    tensor<shape<2, 2, 3>> d_in(1);
    rig.layer.backward(in, out, d_out, d_in.view(), ctx);

    std::vector<float> shares(12, 1.0f);
    std::fill(shares.begin() + 6, shares.end(), -0.5f);
    BOOST_TEST(d_in.span() == shares, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(global_average_pool_matches_a_reference_loop_on_awkward_shapes)
{
    random_stream random(1);
    context ctx(random);
    testing::layer_rig<global_average_pool::bind<shape<13, 5, 7>>> rig(random);
    tensor<shape<13, 5, 7>> in(3);
    testing::fill_normal(in, 4);
    tensor<shape<13>> out(3);

    rig.layer.forward(in, out.view(), ctx);

    std::vector<double> expected(39);
    for (std::size_t plane = 0; plane < 39; ++plane)
    {
        for (std::size_t i = 0; i < 35; ++i)
            expected[plane] += in[plane * 35 + i];
        expected[plane] /= 35.0;
    }
    BOOST_TEST(largest_error(out.span(), expected) < 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Finite differences. Tolerance 1e-3: every layer here is linear in its input once the mask or
// noise is fixed (the checker freezes it), so the central difference is exact up to float
// rounding (about 1e-5); a mask applied in forward but not in backward, a missing 1 / (1 - rate)
// or a missing 1 / area errs by 0.3 or more.

namespace
{
    template <class Layer>
    void expect_gradients_match(std::size_t batch)
    {
        testing::gradient_options options;
        options.batch = batch;
        testing::expect_gradients_match_in_both_modes<Layer>(options, 1e-3);
    }
}

BOOST_AUTO_TEST_CASE(noise_layers_backward_matches_finite_differences)
{
    expect_gradients_match<dropout<0.5f>::bind<shape<3, 5, 7>>>(3);
    expect_gradients_match<dropout<0.5f>::bind<shape<3, 5, 7>>>(1);
    expect_gradients_match<dropout<0.2f>::bind<shape<13>>>(3);
    expect_gradients_match<gaussian_noise<0.3f>::bind<shape<3, 5, 7>>>(3);
    expect_gradients_match<gaussian_noise<0.5f>::bind<shape<13>>>(1);
}

BOOST_AUTO_TEST_CASE(shape_layers_backward_matches_finite_differences)
{
    expect_gradients_match<flatten::bind<shape<3, 5, 7>>>(3);
    expect_gradients_match<reshape<5, 21>::bind<shape<3, 5, 7>>>(3);
    expect_gradients_match<reshape<3, 5, 7>::bind<shape<105>>>(1);
    // The pool hands w / area to each input: over 2 × 2 and 1 × 3 the largest input gradient
    // stays above the checker's floor of 0.1 (over 5 × 7 it would be about 0.07).
    expect_gradients_match<global_average_pool::bind<shape<3, 2, 2>>>(3);
    expect_gradients_match<global_average_pool::bind<shape<4, 1, 3>>>(1);
}
