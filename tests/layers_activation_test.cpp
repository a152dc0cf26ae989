// layers/activation.hpp: relu, leaky_relu, tanh, sigmoid and softplus on oneDNN, forward and
// backward against plain loops, on shapes whose sizes are not multiples of a vector width.
#define BOOST_TEST_MODULE layers_activation
#include <boost/test/unit_test.hpp>

#include "support/checks.hpp"

#include <ssgan/ssgan.hpp>

#include <boost/mpl/list.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

using namespace ssgan;
using ssgan::testing::largest_error;

namespace
{
    // Each reference states the function and its derivative in double precision, and how far
    // oneDNN's float result may lie from it: exact for the piecewise-linear ones, a few float
    // ulps (oneDNN evaluates exp and tanh by polynomial approximations) for the smooth ones.
    struct relu_reference
    {
        using spec = relu;
        static double value(double x) { return x > 0.0 ? x : 0.0; }
        static double derivative(double x) { return x > 0.0 ? 1.0 : 0.0; }
        static constexpr double tolerance = 0.0;
    };

    struct leaky_relu_reference
    {
        using spec = leaky_relu<>;
        static double slope() { return static_cast<double>(0.2f); }
        static double value(double x) { return x > 0.0 ? x : slope() * x; }
        static double derivative(double x) { return x > 0.0 ? 1.0 : slope(); }
        static constexpr double tolerance = 1e-7;
    };

    struct leaky_relu_tenth_reference
    {
        using spec = leaky_relu<0.1f>;
        static double slope() { return static_cast<double>(0.1f); }
        static double value(double x) { return x > 0.0 ? x : slope() * x; }
        static double derivative(double x) { return x > 0.0 ? 1.0 : slope(); }
        static constexpr double tolerance = 1e-7;
    };

    struct tanh_reference
    {
        using spec = ssgan::tanh;
        static double value(double x) { return std::tanh(x); }
        static double derivative(double x) { return 1.0 - std::tanh(x) * std::tanh(x); }
        static constexpr double tolerance = 1e-6;
    };

    struct sigmoid_reference
    {
        using spec = sigmoid;
        static double value(double x) { return 1.0 / (1.0 + std::exp(-x)); }
        static double derivative(double x) { return value(x) * (1.0 - value(x)); }
        static constexpr double tolerance = 1e-6;
    };

    // oneDNN 2.6 evaluates log(1 + e^x) in float, so where e^x is tiny the sum rounds to 1 and
    // the result can be off by a few 1e-6 (measured: 3.8e-6 near x = -40), even below zero.
    struct softplus_reference
    {
        using spec = softplus;
        static double value(double x)
        {
            return x > 0.0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
        }
        static double derivative(double x) { return 1.0 / (1.0 + std::exp(-x)); }
        static constexpr double tolerance = 1e-5;
    };

    using all_references =
        boost::mpl::list<relu_reference, leaky_relu_reference, leaky_relu_tenth_reference,
                         tanh_reference, sigmoid_reference, softplus_reference>;

    // Inputs spread over the saturating ranges too (N(0, 3²)), with no exact zeros so that the
    // derivative is defined everywhere.
    template <class Tensor>
    void fill_inputs(Tensor& in, std::uint64_t seed)
    {
        testing::fill_normal(in, seed, 0.0f, 3.0f);
        for (float& value : in.span())
            if (value == 0.0f)
                value = 0.5f;
    }

    template <class Reference, class Shape>
    void expect_forward_and_backward_match_reference(std::size_t batch, std::uint64_t seed)
    {
        using layer_type = typename Reference::spec::template bind<Shape>;
        random_stream random(seed);
        testing::layer_rig<layer_type> rig(random);
        context ctx(random);

        tensor<Shape> in(batch);
        fill_inputs(in, seed);
        tensor<Shape> out(batch);
        rig.layer.forward(in, out.view(), ctx);

        tensor<Shape> d_out(batch);
        testing::fill_normal(d_out, seed + 1);
        tensor<Shape> d_in(batch);
        rig.layer.backward(in, out, d_out, d_in.view(), ctx);

        std::vector<double> expected_out(in.size());
        std::vector<double> expected_d_in(in.size());
        for (std::size_t i = 0; i < in.size(); ++i)
        {
            expected_out[i] = Reference::value(in[i]);
            expected_d_in[i] = d_out[i] * Reference::derivative(in[i]);
        }

        BOOST_TEST(largest_error(out.span(), expected_out) <= Reference::tolerance,
                   layer_type::describe() << " forward on " << Shape::describe() << " × " << batch);
        // Backward works from float values (the saved output, for the *_use_dst variants), so
        // it may lie a few float ulps further from the reference than forward does.
        BOOST_TEST(largest_error(d_in.span(), expected_d_in) <= Reference::tolerance + 1e-6,
                   layer_type::describe()
                       << " backward on " << Shape::describe() << " × " << batch);
    }
}

BOOST_AUTO_TEST_CASE(relu_and_leaky_relu_give_exact_values_on_hand_picked_inputs)
{
    using relu_layer = relu::bind<shape<5>>;
    using leaky_layer = leaky_relu<0.25f>::bind<shape<5>>;
    random_stream random(1);
    context ctx(random);
    testing::layer_rig<relu_layer> relu_rig(random);
    testing::layer_rig<leaky_layer> leaky_rig(random);

    tensor<shape<5>> in(1);
    const float values[] = {-2.0f, -0.5f, 0.0f, 0.5f, 3.0f};
    std::copy(std::begin(values), std::end(values), in.span().begin());
    tensor<shape<5>> out(1);

    relu_rig.layer.forward(in, out.view(), ctx);
    const std::vector<float> relu_expected{0.0f, 0.0f, 0.0f, 0.5f, 3.0f};
    BOOST_TEST(out.span() == relu_expected, boost::test_tools::per_element());

    // 0.25 is a power of two, so slope · x is exact.
    leaky_rig.layer.forward(in, out.view(), ctx);
    const std::vector<float> leaky_expected{-0.5f, -0.125f, 0.0f, 0.5f, 3.0f};
    BOOST_TEST(out.span() == leaky_expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(smooth_activations_give_known_values_at_zero)
{
    random_stream random(1);
    context ctx(random);
    tensor<shape<1>> zero(1, 0.0f);
    tensor<shape<1>> out(1);

    testing::layer_rig<ssgan::tanh::bind<shape<1>>> tanh_rig(random);
    tanh_rig.layer.forward(zero, out.view(), ctx);
    BOOST_TEST(out[0] == 0.0f);

    testing::layer_rig<sigmoid::bind<shape<1>>> sigmoid_rig(random);
    sigmoid_rig.layer.forward(zero, out.view(), ctx);
    BOOST_TEST(out[0] == 0.5f);

    testing::layer_rig<softplus::bind<shape<1>>> softplus_rig(random);
    softplus_rig.layer.forward(zero, out.view(), ctx);
    BOOST_TEST(out[0] == 0.69314718f, boost::test_tools::tolerance(1e-6f));
}

// Far in the tails exp(x) overflows float; a naive log(1 + e^x) or 1 / (1 + e^-x) would give
// infinity or NaN there, which would poison a whole training step.
BOOST_AUTO_TEST_CASE(smooth_activations_stay_finite_and_saturate_far_from_zero)
{
    random_stream random(1);
    context ctx(random);
    tensor<shape<4>> in(1);
    const float values[] = {-100.0f, -30.0f, 30.0f, 100.0f};
    std::copy(std::begin(values), std::end(values), in.span().begin());
    tensor<shape<4>> out(1);
    tensor<shape<4>> d_out(1, 1.0f);
    tensor<shape<4>> d_in(1);

    testing::layer_rig<ssgan::tanh::bind<shape<4>>> tanh_rig(random);
    tanh_rig.layer.forward(in, out.view(), ctx);
    tanh_rig.layer.backward(in, out, d_out, d_in.view(), ctx);
    const std::vector<float> tanh_expected{-1.0f, -1.0f, 1.0f, 1.0f};
    BOOST_TEST(out.span() == tanh_expected, boost::test_tools::per_element());
    for (float gradient : d_in.span())
        BOOST_TEST((std::isfinite(gradient) && std::abs(gradient) < 1e-6f));

    testing::layer_rig<sigmoid::bind<shape<4>>> sigmoid_rig(random);
    sigmoid_rig.layer.forward(in, out.view(), ctx);
    sigmoid_rig.layer.backward(in, out, d_out, d_in.view(), ctx);
    BOOST_TEST((out[0] >= 0.0f && out[0] < 1e-12f));
    BOOST_TEST((out[1] > 0.0f && out[1] < 1e-12f));
    BOOST_TEST(out[2] == 1.0f);
    BOOST_TEST(out[3] == 1.0f);
    for (float gradient : d_in.span())
        BOOST_TEST((std::isfinite(gradient) && std::abs(gradient) < 1e-12f));

    testing::layer_rig<softplus::bind<shape<4>>> softplus_rig(random);
    softplus_rig.layer.forward(in, out.view(), ctx);
    softplus_rig.layer.backward(in, out, d_out, d_in.view(), ctx);
    // log(1 + e^-30) is 9.4e-14; oneDNN 2.6 gives it only to an absolute 1e-5 (see above).
    BOOST_TEST(std::abs(out[0]) < 1e-5f);
    BOOST_TEST(std::abs(out[1]) < 1e-5f);
    BOOST_TEST(out[2] == 30.0f);
    BOOST_TEST(out[3] == 100.0f);
    const std::vector<float> softplus_slopes{0.0f, 0.0f, 1.0f, 1.0f};
    BOOST_TEST(d_in.span() == softplus_slopes, boost::test_tools::tolerance(1e-6f)
                                                   << boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_and_backward_match_a_reference_loop_on_awkward_shapes,
                              Reference, all_references)
{
    expect_forward_and_backward_match_reference<Reference, shape<3, 5, 7>>(1, 11);
    expect_forward_and_backward_match_reference<Reference, shape<3, 5, 7>>(3, 12);
    expect_forward_and_backward_match_reference<Reference, shape<13>>(3, 13);
    expect_forward_and_backward_match_reference<Reference, shape<13>>(1, 14);
    // 17 samples of 105 values: 1785 values, enough for oneDNN to split the work.
    expect_forward_and_backward_match_reference<Reference, shape<3, 5, 7>>(17, 15);
}

// The layer plans its primitives per batch size; switching back and forth must pick the
// plan for the batch at hand, not the last one made.
BOOST_AUTO_TEST_CASE_TEMPLATE(one_layer_serves_batches_of_different_sizes, Reference,
                              all_references)
{
    using layer_type = typename Reference::spec::template bind<shape<3, 5, 7>>;
    random_stream random(3);
    testing::layer_rig<layer_type> rig(random);
    context ctx(random);

    for (std::size_t batch : {3u, 1u, 3u, 2u})
    {
        tensor<shape<3, 5, 7>> in(batch);
        fill_inputs(in, 100 + batch);
        tensor<shape<3, 5, 7>> out(batch, std::numeric_limits<float>::quiet_NaN());
        rig.layer.forward(in, out.view(), ctx);

        std::vector<double> expected(in.size());
        for (std::size_t i = 0; i < in.size(); ++i)
            expected[i] = Reference::value(in[i]);
        BOOST_TEST(largest_error(out.span(), expected) <= Reference::tolerance,
                   layer_type::describe() << " at batch " << batch);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(backward_without_an_input_gradient_is_allowed, Reference,
                              all_references)
{
    using layer_type = typename Reference::spec::template bind<shape<6>>;
    random_stream random(4);
    testing::layer_rig<layer_type> rig(random);
    context ctx(random);
    tensor<shape<6>> in(2, 1.0f);
    tensor<shape<6>> out(2);
    tensor<shape<6>> d_out(2, 1.0f);

    rig.layer.forward(in, out.view(), ctx);
    BOOST_CHECK_NO_THROW(rig.layer.backward(in, out, d_out, tensor_view<shape<6>>{}, ctx));
}

// Tolerance 1e-3: with step 1e-2 the central difference errs by h² |f'''| / 6 < 1e-4 for these
// functions, and float rounding of the one output that moves adds about 1e-5; a derivative
// taken at the wrong point, or off by a factor, errs by more than 0.1 on the largest
// gradients the check sees. Inputs keep 0.05 away from zero so relu's kink never lies inside a
// difference quotient.
BOOST_AUTO_TEST_CASE_TEMPLATE(backward_matches_finite_differences, Reference, all_references)
{
    using layer_type = typename Reference::spec::template bind<shape<3, 5, 7>>;
    testing::gradient_options options;
    options.avoid_zero = 0.05f;

    options.batch = 3;
    testing::expect_gradients_match_in_both_modes<layer_type>(options, 1e-3);
    options.batch = 1;
    testing::expect_gradients_match_in_both_modes<layer_type>(options, 1e-3);
    testing::expect_gradients_match_in_both_modes<
        typename Reference::spec::template bind<shape<13>>>(options, 1e-3);
}
