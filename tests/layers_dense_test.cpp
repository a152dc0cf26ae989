// layers/dense.hpp: y = x Wᵀ + b against hand-worked values and a plain loop; the no_bias,
// weight_norm and weight_norm_without_data_init options; initializers; and backward against
// finite differences for every variant.
#define BOOST_TEST_MODULE layers_dense
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
    template <std::size_t Units, std::size_t Inputs, class... Options>
    using dense_layer = typename dense<Units, Options...>::template bind<shape<Inputs>>;

    // The effective weight matrix (Units × Inputs, row-major) of a parameter block laid out as
    // the header states: W or v, then g if weight-normalized, then b if biased.
    std::vector<double> effective_weights(std::span<const float> values, std::size_t units,
                                          std::size_t inputs, bool normalized)
    {
        std::vector<double> weights(values.begin(), values.begin() + units * inputs);
        if (!normalized)
            return weights;
        for (std::size_t u = 0; u < units; ++u)
        {
            double squares = 0.0;
            for (std::size_t f = 0; f < inputs; ++f)
                squares += std::pow(weights[u * inputs + f], 2);
            const double g = values[units * inputs + u];
            for (std::size_t f = 0; f < inputs; ++f)
                weights[u * inputs + f] *= g / std::sqrt(squares);
        }
        return weights;
    }

    std::vector<double> reference_forward(std::span<const float> in, std::size_t batch,
                                          const std::vector<double>& weights,
                                          std::span<const float> bias, std::size_t units)
    {
        const std::size_t inputs = in.size() / batch;
        std::vector<double> out(batch * units);
        for (std::size_t n = 0; n < batch; ++n)
            for (std::size_t u = 0; u < units; ++u)
            {
                double sum = bias.empty() ? 0.0 : bias[u];
                for (std::size_t f = 0; f < inputs; ++f)
                    sum += weights[u * inputs + f] * in[n * inputs + f];
                out[n * units + u] = sum;
            }
        return out;
    }

    struct moments
    {
        double mean = 0.0;
        double stddev = 0.0; // biased: divided by the count
    };

    moments column_moments(std::span<const float> values, std::size_t columns, std::size_t column)
    {
        const std::size_t rows = values.size() / columns;
        moments result;
        for (std::size_t r = 0; r < rows; ++r)
            result.mean += values[r * columns + column];
        result.mean /= static_cast<double>(rows);
        for (std::size_t r = 0; r < rows; ++r)
            result.stddev += std::pow(values[r * columns + column] - result.mean, 2);
        result.stddev = std::sqrt(result.stddev / static_cast<double>(rows));
        return result;
    }

    moments span_moments(std::span<const float> values)
    {
        return column_moments(values, 1, 0);
    }

    template <std::size_t Units, std::size_t Inputs, class... Options>
    void expect_forward_and_backward_match_reference(std::size_t batch, std::uint64_t seed)
    {
        using layer_type = dense_layer<Units, Inputs, Options...>;
        constexpr bool normalized = layer_type::normalized;
        constexpr bool biased = layer_type::biased;
        random_stream random(seed);
        testing::layer_rig<layer_type> rig(random);
        testing::fill_normal(rig.values, seed + 1, 0.0f, 0.5f);
        if constexpr (normalized)
            for (std::size_t u = 0; u < Units; ++u)
                rig.values[Units * Inputs + u] = 0.5f + 0.1f * static_cast<float>(u);
        const std::span<const float> bias =
            biased ? std::span<const float>(rig.values).last(Units) : std::span<const float>{};
        context ctx(random);

        tensor<shape<Inputs>> in(batch);
        testing::fill_normal(in, seed + 2);
        tensor<shape<Units>> out(batch);
        rig.layer.forward(in, out.view(), ctx);

        const auto weights = effective_weights(rig.values, Units, Inputs, normalized);
        BOOST_TEST(largest_error(out.span(),
                                 reference_forward(in.span(), batch, weights, bias, Units)) < 1e-5,
                   layer_type::describe() << " forward, batch " << batch);

        tensor<shape<Units>> d_out(batch);
        testing::fill_normal(d_out, seed + 3);
        tensor<shape<Inputs>> d_in(batch);
        rig.layer.backward(in, out, d_out, d_in.view(), ctx);

        // d_in = d_out W; dW = d_outᵀ x; db = Σ d_out over the batch.
        std::vector<double> expected_d_in(batch * Inputs);
        std::vector<double> expected_d_weights(Units * Inputs);
        std::vector<double> expected_d_bias(Units);
        for (std::size_t n = 0; n < batch; ++n)
            for (std::size_t u = 0; u < Units; ++u)
            {
                const double g = d_out[n * Units + u];
                expected_d_bias[u] += g;
                for (std::size_t f = 0; f < Inputs; ++f)
                {
                    expected_d_in[n * Inputs + f] += g * weights[u * Inputs + f];
                    expected_d_weights[u * Inputs + f] += g * in[n * Inputs + f];
                }
            }
        BOOST_TEST(largest_error(d_in.span(), expected_d_in) < 1e-5,
                   layer_type::describe() << " d_in, batch " << batch);
        if constexpr (!normalized)
            BOOST_TEST(largest_error(std::span<const float>(rig.gradients).first(Units * Inputs),
                                     expected_d_weights) < 1e-5,
                       layer_type::describe() << " dW, batch " << batch);
        if constexpr (biased)
            BOOST_TEST(largest_error(std::span<const float>(rig.gradients).last(Units),
                                     expected_d_bias) < 1e-5,
                       layer_type::describe() << " db, batch " << batch);
    }
}

BOOST_AUTO_TEST_CASE(parameter_count_is_weights_then_scale_then_bias)
{
    BOOST_TEST((dense_layer<10, 250>::parameter_count) == 2510u);
    BOOST_TEST((dense_layer<10, 250, no_bias>::parameter_count) == 2500u);
    BOOST_TEST((dense_layer<10, 250, weight_norm>::parameter_count) == 2520u);
    BOOST_TEST((dense_layer<10, 250, weight_norm_without_data_init>::parameter_count) == 2520u);
    BOOST_TEST((dense_layer<10, 250, weight_norm, no_bias>::parameter_count) == 2510u);
    BOOST_TEST((dense_layer<10, 250>::state_count) == 0u);
}

BOOST_AUTO_TEST_CASE(describe_spells_the_spec_as_written)
{
    BOOST_TEST((dense_layer<10, 4>::describe()) == "dense<10>");
    BOOST_TEST((dense_layer<10, 4, weight_norm>::describe()) == "dense<10, weight_norm>");
    BOOST_TEST((dense_layer<3, 4, no_bias>::describe()) == "dense<3, no_bias>");
    BOOST_TEST((dense_layer<3, 4, weight_norm_without_data_init, no_bias>::describe()) ==
               "dense<3, weight_norm_without_data_init, no_bias>");
}

// W = [[1, 2], [3, 4], [0.5, -1]], b = [0.5, 0, -1], x = [[1, -1], [2, 0.5]], worked by hand.
BOOST_AUTO_TEST_CASE(forward_and_backward_give_hand_worked_values)
{
    random_stream random(1);
    testing::layer_rig<dense_layer<3, 2>> rig(random);
    const float parameters[] = {1.0f, 2.0f, 3.0f, 4.0f, 0.5f, -1.0f, 0.5f, 0.0f, -1.0f};
    std::copy(std::begin(parameters), std::end(parameters), rig.values.begin());
    context ctx(random);
    tensor<shape<2>> in(2);
    const float inputs[] = {1.0f, -1.0f, 2.0f, 0.5f};
    std::copy(std::begin(inputs), std::end(inputs), in.span().begin());
    tensor<shape<3>> out(2);

    rig.layer.forward(in, out.view(), ctx);

    const std::vector<float> expected_out{-0.5f, -1.0f, 0.5f, 3.5f, 8.0f, -0.5f};
    BOOST_TEST(out.span() == expected_out, boost::test_tools::per_element());

    tensor<shape<3>> d_out(2);
    const float gradients[] = {1.0f, 0.0f, -1.0f, 0.0f, 2.0f, 1.0f};
    std::copy(std::begin(gradients), std::end(gradients), d_out.span().begin());
    tensor<shape<2>> d_in(2);
    rig.layer.backward(in, out, d_out, d_in.view(), ctx);

    // d_in = d_out W, dW = d_outᵀ x, db = column sums of d_out.
    const std::vector<float> expected_d_in{0.5f, 3.0f, 6.5f, 7.0f};
    const std::vector<float> expected_d_parameters{1.0f, -1.0f, 4.0f, 1.0f, 1.0f,
                                                   1.5f, 1.0f,  2.0f, 0.0f};
    BOOST_TEST(d_in.span() == expected_d_in, boost::test_tools::per_element());
    BOOST_TEST(rig.gradients == expected_d_parameters, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(forward_and_backward_match_a_reference_loop)
{
    expect_forward_and_backward_match_reference<5, 7>(1, 10);
    expect_forward_and_backward_match_reference<5, 7>(3, 20);
    expect_forward_and_backward_match_reference<13, 11, no_bias>(3, 30);
    expect_forward_and_backward_match_reference<13, 11, weight_norm>(3, 40);
    expect_forward_and_backward_match_reference<13, 11, weight_norm_without_data_init>(1, 50);
    expect_forward_and_backward_match_reference<6, 9, weight_norm, no_bias>(3, 60);
    // Large enough for Eigen to block and thread the products.
    expect_forward_and_backward_match_reference<37, 300>(64, 70);
}

BOOST_AUTO_TEST_CASE(parameter_gradients_add_up_over_backward_calls)
{
    using layer_type = dense_layer<4, 6, weight_norm>;
    random_stream random(1);
    testing::layer_rig<layer_type> rig(random);
    context ctx(random);
    tensor<shape<6>> in(3);
    testing::fill_normal(in, 2);
    tensor<shape<4>> out(3);
    tensor<shape<4>> d_out(3);
    testing::fill_normal(d_out, 3);
    tensor<shape<6>> d_in(3);

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
    using layer_type = dense_layer<4, 6>;
    random_stream random(1);
    testing::layer_rig<layer_type> rig(random);
    context ctx(random);
    tensor<shape<6>> in(2, 1.0f);
    tensor<shape<4>> out(2);
    tensor<shape<4>> d_out(2, 0.5f);

    rig.layer.forward(in, out.view(), ctx);
    rig.layer.backward(in, out, d_out, tensor_view<shape<6>>{}, ctx);

    // Every weight sees x = 1 twice with gradient 0.5; every bias sees 0.5 twice.
    const std::vector<float> expected(28, 1.0f);
    BOOST_TEST(rig.gradients == expected, boost::test_tools::per_element());
}

// The generator's step through the discriminator needs the input gradient only.
BOOST_AUTO_TEST_CASE(backward_without_parameter_gradients_gives_the_input_gradient_only)
{
    using layer_type = dense_layer<4, 6, weight_norm>;
    random_stream random(1);
    testing::layer_rig<layer_type> rig(random);
    context ctx(random);
    tensor<shape<6>> in(3);
    testing::fill_normal(in, 2);
    tensor<shape<4>> out(3);
    tensor<shape<4>> d_out(3);
    testing::fill_normal(d_out, 3);
    tensor<shape<6>> full_d_in(3);
    tensor<shape<6>> d_in(3);
    rig.layer.forward(in, out.view(), ctx);
    rig.layer.backward(in, out, d_out, full_d_in.view(), ctx);
    std::fill(rig.gradients.begin(), rig.gradients.end(), 0.0f);

    ctx.parameter_gradients = false;
    rig.layer.backward(in, out, d_out, d_in.view(), ctx);

    BOOST_TEST(
        std::all_of(rig.gradients.begin(), rig.gradients.end(), [](float g) { return g == 0.0f; }));
    BOOST_TEST(d_in.span() == full_d_in.span(), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------------------
// Weight normalization

// v = [[3, 4], [0, -2]], g = [2, 0.5], b = [0.25, -1]: W = [[1.2, 1.6], [0, -0.5]].
BOOST_AUTO_TEST_CASE(weight_norm_uses_g_times_v_over_its_norm)
{
    random_stream random(1);
    testing::layer_rig<dense_layer<2, 2, weight_norm_without_data_init>> rig(random);
    const float parameters[] = {3.0f, 4.0f, 0.0f, -2.0f, 2.0f, 0.5f, 0.25f, -1.0f};
    std::copy(std::begin(parameters), std::end(parameters), rig.values.begin());
    context ctx(random);
    tensor<shape<2>> in(1, 1.0f);
    tensor<shape<2>> out(1);

    rig.layer.forward(in, out.view(), ctx);

    const std::vector<double> expected{1.2 + 1.6 + 0.25, -0.5 - 1.0};
    BOOST_TEST(largest_error(out.span(), expected) < 1e-6);
}

BOOST_AUTO_TEST_CASE(weight_norm_output_does_not_depend_on_the_length_of_v)
{
    using layer_type = dense_layer<3, 5, weight_norm_without_data_init>;
    random_stream random(1);
    testing::layer_rig<layer_type> rig(random);
    context ctx(random);
    tensor<shape<5>> in(2);
    testing::fill_normal(in, 2);
    tensor<shape<3>> out(2);
    tensor<shape<3>> scaled_out(2);

    rig.layer.forward(in, out.view(), ctx);
    for (std::size_t i = 0; i < 15; ++i)
        rig.values[i] *= 8.0f;
    rig.layer.forward(in, scaled_out.view(), ctx);

    BOOST_TEST(largest_error(scaled_out.span(), out.span()) < 1e-6);
}

// With G = dL/dW: dL/dg = G·v / ‖v‖ and dL/dv = g / ‖v‖ (G - (dL/dg / ‖v‖) v).
BOOST_AUTO_TEST_CASE(weight_norm_backward_matches_the_chain_rule_through_g_v_over_norm)
{
    constexpr std::size_t units = 4;
    constexpr std::size_t inputs = 6;
    constexpr std::size_t batch = 3;
    using layer_type = dense_layer<units, inputs, weight_norm>;
    random_stream random(1);
    testing::layer_rig<layer_type> rig(random);
    testing::fill_normal(rig.values, 2, 0.0f, 0.7f);
    context ctx(random);
    tensor<shape<inputs>> in(batch);
    testing::fill_normal(in, 3);
    tensor<shape<units>> out(batch);
    tensor<shape<units>> d_out(batch);
    testing::fill_normal(d_out, 4);

    rig.layer.forward(in, out.view(), ctx);
    rig.layer.backward(in, out, d_out, tensor_view<shape<inputs>>{}, ctx);

    std::vector<double> expected(rig.values.size());
    for (std::size_t u = 0; u < units; ++u)
    {
        std::vector<double> d_w(inputs);
        for (std::size_t n = 0; n < batch; ++n)
            for (std::size_t f = 0; f < inputs; ++f)
                d_w[f] += d_out[n * units + u] * in[n * inputs + f];
        double norm = 0.0;
        double d_w_dot_v = 0.0;
        for (std::size_t f = 0; f < inputs; ++f)
        {
            norm += std::pow(rig.values[u * inputs + f], 2);
            d_w_dot_v += d_w[f] * rig.values[u * inputs + f];
        }
        norm = std::sqrt(norm);
        const double g = rig.values[units * inputs + u];
        const double d_g = d_w_dot_v / norm;
        for (std::size_t f = 0; f < inputs; ++f)
            expected[u * inputs + f] =
                g / norm * (d_w[f] - d_g / norm * rig.values[u * inputs + f]);
        expected[units * inputs + u] = d_g;
        for (std::size_t n = 0; n < batch; ++n)
            expected[units * inputs + units + u] += d_out[n * units + u];
    }
    BOOST_TEST(largest_error(rig.gradients, expected) < 1e-5);
}

BOOST_AUTO_TEST_CASE(weight_norm_starts_with_unit_scale_and_zero_bias)
{
    random_stream random(1);
    testing::layer_rig<dense_layer<3, 4, weight_norm>> rig(random);

    const std::span<const float> scale_and_bias = std::span<const float>(rig.values).last(6);
    const std::vector<float> expected{1.0f, 1.0f, 1.0f, 0.0f, 0.0f, 0.0f};
    BOOST_TEST(scale_and_bias == expected, boost::test_tools::per_element());
}

namespace
{
    // A batch whose features have means and spreads far from 0 and 1, so the initialization
    // has something to correct.
    tensor<shape<5>> init_batch()
    {
        tensor<shape<5>> in(64);
        testing::fill_normal(in, 99, 3.0f, 2.0f);
        return in;
    }
}

// Salimans & Kingma 2016: with t = x (v / ‖v‖)ᵀ on the init batch, g = 1 / σ(t) and
// b = -μ(t) / σ(t), so each unit's output on that batch has mean 0 and (biased) std 1.
// Tolerance 1e-4: float sums over 64 rows err by about 1e-6; the unbiased std would be
// off by √(64 / 63) - 1 = 0.8%.
BOOST_AUTO_TEST_CASE(data_dependent_init_standardizes_each_unit_on_the_init_batch)
{
    constexpr std::size_t units = 7;
    using layer_type = dense_layer<units, 5, weight_norm>;
    random_stream random(1);
    testing::layer_rig<layer_type> rig(random);
    const tensor<shape<5>> in = init_batch();
    tensor<shape<units>> out(64);
    context ctx(random);
    ctx.initializing = true;

    rig.layer.forward(in, out.view(), ctx);

    for (std::size_t u = 0; u < units; ++u)
    {
        const moments unit = column_moments(out.span(), units, u);
        BOOST_TEST(std::abs(unit.mean) < 1e-4, "unit " << u << " mean " << unit.mean);
        BOOST_TEST(std::abs(unit.stddev - 1.0) < 1e-4, "unit " << u << " std " << unit.stddev);
    }

    // g and b follow from the statistics of t, computed here from v.
    const std::vector<float> unit_scale(units, 1.0f);
    std::vector<float> direction_only(rig.values.begin(), rig.values.begin() + units * 5);
    direction_only.insert(direction_only.end(), unit_scale.begin(), unit_scale.end());
    const auto t = reference_forward(in.span(), 64,
                                     effective_weights(direction_only, units, 5, true), {}, units);
    std::vector<double> expected_scale_and_bias(2 * units);
    for (std::size_t u = 0; u < units; ++u)
    {
        std::vector<float> column(64);
        for (std::size_t n = 0; n < 64; ++n)
            column[n] = static_cast<float>(t[n * units + u]);
        const moments stats = span_moments(column);
        expected_scale_and_bias[u] = 1.0 / stats.stddev;
        expected_scale_and_bias[units + u] = -stats.mean / stats.stddev;
    }
    BOOST_TEST(largest_error(std::span<const float>(rig.values).last(2 * units),
                             expected_scale_and_bias) < 1e-4);
}

// What the init pass hands to the next layer is what the layer computes from then on, so a
// network initialized layer by layer sees the same values it will see in training.
BOOST_AUTO_TEST_CASE(data_dependent_init_output_equals_the_next_forward_on_the_same_batch)
{
    random_stream random(1);
    testing::layer_rig<dense_layer<7, 5, weight_norm>> rig(random);
    const tensor<shape<5>> in = init_batch();
    tensor<shape<7>> init_out(64);
    tensor<shape<7>> out(64);
    context ctx(random);

    ctx.initializing = true;
    rig.layer.forward(in, init_out.view(), ctx);
    ctx.initializing = false;
    rig.layer.forward(in, out.view(), ctx);

    BOOST_TEST(largest_error(out.span(), init_out.span()) < 1e-5);
}

// Without a bias only the scale can be set: g = 1 / σ(t), and the output on the init batch
// has unit std per unit but keeps its mean μ(t) / σ(t).
BOOST_AUTO_TEST_CASE(data_dependent_init_without_bias_sets_the_scale_only)
{
    constexpr std::size_t units = 7;
    random_stream random(1);
    testing::layer_rig<dense_layer<units, 5, weight_norm, no_bias>> rig(random);
    const tensor<shape<5>> in = init_batch();
    tensor<shape<units>> init_out(64);
    tensor<shape<units>> out(64);
    context ctx(random);

    ctx.initializing = true;
    rig.layer.forward(in, init_out.view(), ctx);
    ctx.initializing = false;
    rig.layer.forward(in, out.view(), ctx);

    for (std::size_t u = 0; u < units; ++u)
    {
        const moments unit = column_moments(out.span(), units, u);
        BOOST_TEST(std::abs(unit.stddev - 1.0) < 1e-4, "unit " << u << " std " << unit.stddev);
    }
    BOOST_TEST(largest_error(init_out.span(), out.span()) < 1e-5,
               "the init pass's output is what the layer computes with the scale it set");
}

BOOST_AUTO_TEST_CASE(weight_norm_without_data_init_ignores_the_init_pass)
{
    random_stream random(1);
    testing::layer_rig<dense_layer<7, 5, weight_norm_without_data_init>> rig(random);
    const std::vector<float> before = rig.values;
    const tensor<shape<5>> in = init_batch();
    tensor<shape<7>> init_out(64);
    tensor<shape<7>> out(64);
    context ctx(random);

    ctx.initializing = true;
    rig.layer.forward(in, init_out.view(), ctx);
    ctx.initializing = false;
    rig.layer.forward(in, out.view(), ctx);

    BOOST_TEST(rig.values == before, boost::test_tools::per_element());
    BOOST_TEST(init_out.span() == out.span(), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------------------
// Initializers. 60000 weights estimate a std to within 0.3% (one standard error is
// std / √(2 · 60000)); 2% is more than six standard errors yet catches a wrong fan.

BOOST_AUTO_TEST_CASE(glorot_is_the_default_and_draws_uniformly_within_its_limit)
{
    random_stream random(1);
    testing::layer_rig<dense_layer<200, 300>> rig(random);
    const std::span<const float> weights = std::span<const float>(rig.values).first(60000);
    const double limit = std::sqrt(6.0 / 500.0);

    const auto [low, high] = std::minmax_element(weights.begin(), weights.end());
    BOOST_TEST(*low >= -limit);
    BOOST_TEST(*high < limit);
    BOOST_TEST(*low < -0.99 * limit, "the draws fill the range");
    BOOST_TEST(*high > 0.99 * limit, "the draws fill the range");
    const moments stats = span_moments(weights);
    BOOST_TEST(std::abs(stats.mean) < 0.002);
    BOOST_TEST(std::abs(stats.stddev / (limit / std::sqrt(3.0)) - 1.0) < 0.02);

    const std::span<const float> bias = std::span<const float>(rig.values).last(200);
    BOOST_TEST(std::all_of(bias.begin(), bias.end(), [](float b) { return b == 0.0f; }));
}

BOOST_AUTO_TEST_CASE(he_and_normal_initializers_draw_with_their_stated_spread)
{
    random_stream random(1);
    testing::layer_rig<dense_layer<200, 300, init::he>> he(random);
    testing::layer_rig<dense_layer<200, 300, init::normal, no_bias>> normal(random);

    const moments he_stats = span_moments(std::span<const float>(he.values).first(60000));
    BOOST_TEST(std::abs(he_stats.stddev / std::sqrt(2.0 / 300.0) - 1.0) < 0.02);
    const moments normal_stats = span_moments(normal.values);
    BOOST_TEST(std::abs(normal_stats.stddev / 0.02 - 1.0) < 0.02);
}

// ---------------------------------------------------------------------------------------------
// Finite differences. Tolerance 1e-3: dense is linear in x, W and b, so the central difference
// is exact up to float rounding (about 1e-5 here); weight normalization bends in v with
// 1 / ‖v‖², so its check steps by 1e-3 instead of 1e-2 (measured error 2e-4; 2e-3 at 1e-2).
// A wrong factor or a missing term errs by more than 0.1 on gradients of size 1 to 10.

BOOST_AUTO_TEST_CASE(dense_backward_matches_finite_differences)
{
    testing::gradient_options options;
    testing::expect_gradients_match_in_both_modes<dense_layer<5, 7>>(options, 1e-3);
    testing::expect_gradients_match_in_both_modes<dense_layer<5, 7, no_bias>>(options, 1e-3);
    options.batch = 1;
    testing::expect_gradients_match_in_both_modes<dense_layer<13, 11>>(options, 1e-3);
}

BOOST_AUTO_TEST_CASE(weight_normalized_dense_backward_matches_finite_differences)
{
    testing::gradient_options options;
    options.step = 1e-3;
    testing::expect_gradients_match_in_both_modes<dense_layer<5, 7, weight_norm>>(options, 1e-3);
    testing::expect_gradients_match_in_both_modes<dense_layer<5, 7, weight_norm_without_data_init>>(
        options, 1e-3);
    testing::expect_gradients_match_in_both_modes<dense_layer<5, 7, weight_norm, no_bias>>(options,
                                                                                           1e-3);
    options.batch = 1;
    testing::expect_gradients_match_in_both_modes<dense_layer<13, 11, weight_norm>>(options, 1e-3);
}
