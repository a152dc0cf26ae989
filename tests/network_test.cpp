// nn/network.hpp: the compile-time shape fold, the flat parameter and gradient buffers, backward
// from the output, from an intermediate layer and from both, determinism, batch sizes that
// change between calls, and the errors a caller can make.
#define BOOST_TEST_MODULE network
#include <boost/test/unit_test.hpp>

#include "support/checks.hpp"

#include <ssgan/ssgan.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

using namespace ssgan;
using ssgan::testing::largest_error;

namespace
{
    // 6 → 5 → 4 → 3 with smooth activations between the dense layers.
    using small_net = network<input<6>, dense<5>, ssgan::tanh, dense<4>, softplus, dense<3>>;

    // Every shape-moving layer once, with batch norm's state; tanh rather than relu, so that
    // no kink lies inside a difference quotient of the whole network.
    using image_net = network<input<3, 5, 7>, batch_norm<>, ssgan::tanh, flatten, dense<4, no_bias>,
                              reshape<1, 2, 2>, global_average_pool>;

    // The MNIST discriminator of Salimans et al. 2016 (improved-GAN), all dense: Gaussian
    // noise on the input and on every hidden layer, weight-normalized dense layers.
    using mnist_discriminator =
        network<input<784>, gaussian_noise<0.3f>, dense<1000, weight_norm>, relu,
                gaussian_noise<0.5f>, dense<500, weight_norm>, relu, gaussian_noise<0.5f>,
                dense<250, weight_norm>, relu, gaussian_noise<0.5f>, dense<250, weight_norm>, relu,
                gaussian_noise<0.5f>, dense<250, weight_norm>, relu, gaussian_noise<0.5f>,
                dense<10, weight_norm>>;

    // Its generator: batch-normalized dense layers without bias, softplus, and a
    // weight-normalized sigmoid output of 28 · 28 pixels.
    using mnist_generator =
        network<input<100>, dense<500, no_bias>, batch_norm<>, softplus, dense<500, no_bias>,
                batch_norm<>, softplus, dense<784, weight_norm>, sigmoid>;

    // A network with noise in it, for the determinism tests.
    using noisy_net = network<input<8>, gaussian_noise<0.3f>, dense<16>, relu, dropout<0.5f>,
                              dense<4, weight_norm>>;

    template <class Net>
    tensor<typename Net::input_shape> make_input(std::size_t batch, std::uint64_t seed)
    {
        tensor<typename Net::input_shape> in(batch);
        testing::fill_normal(in, seed);
        return in;
    }

    template <shape_type S>
    std::vector<float> copy_of(const_tensor_view<S> view)
    {
        return {view.data(), view.data() + view.size()};
    }

    std::vector<float> copy_of(std::span<const float> values)
    {
        return {values.begin(), values.end()};
    }

    template <shape_type S>
    double weighted_sum(const_tensor_view<S> out, const tensor<S>& weights)
    {
        double total = 0.0;
        for (std::size_t i = 0; i < out.size(); ++i)
            total += static_cast<double>(out[i]) * weights[i];
        return total;
    }

    struct difference_report
    {
        double parameter_error = 0.0;
        double input_error = 0.0;
        double largest_parameter_gradient = 0.0;
        double largest_input_gradient = 0.0;
    };

    // Central differences of `loss` (which runs a forward pass) in every parameter of `net` and
    // every value of `in`, against the gradients a backward pass left in `net.gradients()` and
    // in `d_input`.
    template <class Net, class Loss>
    difference_report compare_with_differences(Net& net, tensor<typename Net::input_shape>& in,
                                               const std::vector<float>& d_input, Loss loss)
    {
        const testing::single_thread_scope one_thread;
        const std::vector<float> analytic = copy_of(std::as_const(net).gradients());
        constexpr double step = 1e-2;
        auto error = [](double got, double expected)
        { return std::abs(got - expected) / std::max(1.0, std::abs(expected)); };

        difference_report report;
        for (std::size_t i = 0; i < analytic.size(); ++i)
        {
            const double numeric = testing::central_difference(loss, net.parameters()[i], step);
            report.parameter_error = std::max(report.parameter_error, error(analytic[i], numeric));
            report.largest_parameter_gradient =
                std::max(report.largest_parameter_gradient, std::abs(numeric));
        }
        for (std::size_t i = 0; i < in.size(); ++i)
        {
            const double numeric = testing::central_difference(loss, in[i], step);
            report.input_error = std::max(report.input_error, error(d_input[i], numeric));
            report.largest_input_gradient =
                std::max(report.largest_input_gradient, std::abs(numeric));
        }
        return report;
    }
}

// ---------------------------------------------------------------------------------------------
// The shape fold

static_assert(small_net::layer_count == 5);
static_assert(std::is_same_v<small_net::input_shape, shape<6>>);
static_assert(std::is_same_v<small_net::output_shape_of<0>, shape<5>>);
static_assert(std::is_same_v<small_net::output_shape_of<1>, shape<5>>);
static_assert(std::is_same_v<small_net::output_shape_of<2>, shape<4>>);
static_assert(std::is_same_v<small_net::output_shape_of<3>, shape<4>>);
static_assert(std::is_same_v<small_net::output_shape, shape<3>>);
// (6 · 5 + 5) + (5 · 4 + 4) + (4 · 3 + 3)
static_assert(small_net::parameter_count == 74);
static_assert(small_net::state_count == 0);

static_assert(std::is_same_v<image_net::output_shape_of<0>, shape<3, 5, 7>>);
static_assert(std::is_same_v<image_net::output_shape_of<2>, shape<105>>);
static_assert(std::is_same_v<image_net::output_shape_of<3>, shape<4>>);
static_assert(std::is_same_v<image_net::output_shape_of<4>, shape<1, 2, 2>>);
static_assert(std::is_same_v<image_net::output_shape, shape<1>>);
// γ and β for 3 channels, then a 4 × 105 weight matrix without bias.
static_assert(image_net::parameter_count == 6 + 420);
static_assert(image_net::state_count == 6);

// v, g and b per weight-normalized layer:
// (784 · 1000 + 2 · 1000) + (1000 · 500 + 2 · 500) + (500 · 250 + 2 · 250)
//   + 2 · (250 · 250 + 2 · 250) + (250 · 10 + 2 · 10)
static_assert(mnist_discriminator::parameter_count == 1'541'020);
static_assert(std::is_same_v<mnist_discriminator::output_shape, shape<10>>);
// 100 · 500 + 2 · 500 + 500 · 500 + 2 · 500 + (500 · 784 + 2 · 784)
static_assert(mnist_generator::parameter_count == 695'568);
static_assert(mnist_generator::state_count == 2'000);
static_assert(
    std::is_same_v<gan_pair<mnist_generator, mnist_discriminator>::image_shape, shape<784>>);
static_assert(
    std::is_same_v<gan_pair<mnist_generator, mnist_discriminator>::noise_shape, shape<100>>);

BOOST_AUTO_TEST_CASE(describe_layers_gives_spec_shapes_and_parameter_count_per_layer)
{
    const std::vector<std::string> expected{"dense<5>: shape<6> -> shape<5>, 35 parameters",
                                            "tanh: shape<5> -> shape<5>, 0 parameters",
                                            "dense<4>: shape<5> -> shape<4>, 24 parameters",
                                            "softplus: shape<4> -> shape<4>, 0 parameters",
                                            "dense<3>: shape<4> -> shape<3>, 15 parameters"};
    BOOST_TEST(small_net::describe_layers() == expected, boost::test_tools::per_element());

    BOOST_TEST(mnist_discriminator::describe_layers()[1] ==
               "dense<1000, weight_norm>: shape<784> -> shape<1000>, 786000 parameters");
}

// Counted by hand: the convolution's 8 × 8 outputs (same padding) each take 4 filters × 3
// channels × 3 × 3 taps, 6912 multiply-adds; the dense layer 256 × 5, 1280. The transposed
// convolution's 3 × 3 inputs each reach 4 filters × 2 × 2 taps of 2 channels, 288; the same
// count from its output side: 6 × 6 × 4 outputs, each hit by one tap of 2 channels. Every
// multiply-add is 2 FLOPs; relu, flatten and batch norm count nothing.
BOOST_AUTO_TEST_CASE(forward_flops_count_two_per_multiply_add_of_conv_deconv_and_dense)
{
    using convolutional = network<input<3, 8, 8>, conv2d<4, kernel<3>>, relu, flatten, dense<5>>;
    static_assert(convolutional::layer_forward_flops ==
                  std::array<std::size_t, 4>{2 * 6912, 0, 0, 2 * 1280});
    static_assert(convolutional::forward_flops == 2 * (6912 + 1280));

    using transposed =
        network<input<2, 3, 3>, deconv2d<4, kernel<2>, stride<2>, padding::valid>, batch_norm<>>;
    static_assert(std::is_same_v<transposed::output_shape, shape<4, 6, 6>>);
    static_assert(transposed::forward_flops == 2 * (6 * 6 * 4) * 2);
    BOOST_TEST(transposed::forward_flops == 2u * 288u);
}

// ---------------------------------------------------------------------------------------------
// The flat buffers

BOOST_AUTO_TEST_CASE(buffers_are_as_long_as_the_counts_say)
{
    image_net net;
    BOOST_TEST(net.parameters().size() == 426u);
    BOOST_TEST(net.gradients().size() == 426u);
    BOOST_TEST(net.state().size() == 6u);
}

// small_net's layers own [0, 35), nothing, [35, 59), nothing, [59, 74); each dense block is
// W (row-major, units × inputs) then b. With every parameter zero but the last layer's bias,
// the output is that bias whatever the input.
BOOST_AUTO_TEST_CASE(the_last_layers_parameters_end_the_buffer)
{
    small_net net;
    std::fill(net.parameters().begin(), net.parameters().end(), 0.0f);
    net.parameters()[71] = 1.0f;
    net.parameters()[72] = -2.0f;
    net.parameters()[73] = 0.5f;
    random_stream random(1);
    context ctx(random);
    const auto in = make_input<small_net>(2, 3);

    const auto out = net.forward(in, ctx);

    const std::vector<float> expected{1.0f, -2.0f, 0.5f, 1.0f, -2.0f, 0.5f};
    BOOST_TEST(copy_of(out) == expected, boost::test_tools::per_element());
}

// A forward pass written out from the flat buffer with the layout above reproduces the
// network's output, so every layer reads its parameters where the previous ones end.
BOOST_AUTO_TEST_CASE(each_layers_parameters_start_where_the_previous_ones_end)
{
    small_net net;
    random_stream random(2);
    net.initialize(random);
    testing::fill_normal(net.parameters(), 4, 0.0f, 0.5f);
    context ctx(random);
    const auto in = make_input<small_net>(3, 5);

    const auto out = net.forward(in, ctx);

    const std::span<const float> p = net.parameters();
    auto dense_layer = [&](const std::vector<double>& x, std::size_t offset, std::size_t units)
    {
        const std::size_t inputs = x.size();
        std::vector<double> y(units);
        for (std::size_t u = 0; u < units; ++u)
        {
            y[u] = p[offset + units * inputs + u];
            for (std::size_t f = 0; f < inputs; ++f)
                y[u] += p[offset + u * inputs + f] * x[f];
        }
        return y;
    };
    std::vector<double> expected;
    for (std::size_t n = 0; n < 3; ++n)
    {
        std::vector<double> x(in.data() + 6 * n, in.data() + 6 * (n + 1));
        x = dense_layer(x, 0, 5);
        for (double& value : x)
            value = std::tanh(value);
        x = dense_layer(x, 35, 4);
        for (double& value : x)
            value = std::log1p(std::exp(value));
        x = dense_layer(x, 59, 3);
        expected.insert(expected.end(), x.begin(), x.end());
    }
    BOOST_TEST(largest_error(out.span(), expected) < 1e-5);
}

// Gradients use the parameters' layout: the last bias's gradient is the batch sum of d_out.
BOOST_AUTO_TEST_CASE(gradients_have_the_layout_of_the_parameters)
{
    small_net net;
    random_stream random(3);
    net.initialize(random);
    context ctx(random);
    const auto in = make_input<small_net>(3, 6);
    tensor<shape<3>> d_out(3);
    for (std::size_t n = 0; n < 3; ++n)
    {
        d_out[3 * n] = 1.0f;
        d_out[3 * n + 1] = 0.5f;
        d_out[3 * n + 2] = -2.0f;
    }

    net.forward(in, ctx);
    net.backward(d_out, ctx);

    const std::vector<float> last_bias(net.gradients().begin() + 71, net.gradients().end());
    const std::vector<float> expected{3.0f, 1.5f, -6.0f};
    BOOST_TEST(last_bias == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(state_holds_each_layers_running_statistics_in_order)
{
    image_net net;
    random_stream random(4);
    net.initialize(random);

    const std::vector<float> initial{0.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f};
    BOOST_TEST(copy_of(std::as_const(net).state()) == initial, boost::test_tools::per_element());

    context ctx(random, mode::train);
    tensor<shape<3, 5, 7>> in(2, 4.0f);
    net.forward(in, ctx);

    // A constant batch has mean 4 and variance 0: mean 0.1 · 4, variance 0.9 · 1.
    const std::vector<double> moved{0.4, 0.4, 0.4, 0.9, 0.9, 0.9};
    BOOST_TEST(largest_error(net.state(), moved) < 1e-6);
}

BOOST_AUTO_TEST_CASE(initialize_draws_each_layer_from_its_own_stream)
{
    network<input<6>, dense<5>> short_net;
    small_net long_net;
    random_stream first(9);
    random_stream second(9);

    short_net.initialize(first);
    long_net.initialize(second);

    // Appending layers leaves the first layer's draws as they were.
    const std::vector<float> short_first(short_net.parameters().begin(),
                                         short_net.parameters().end());
    const std::vector<float> long_first(long_net.parameters().begin(),
                                        long_net.parameters().begin() + 35);
    BOOST_TEST(short_first == long_first, boost::test_tools::per_element());
    // Two dense layers of one kind still differ.
    BOOST_TEST(!std::equal(long_net.parameters().begin(), long_net.parameters().begin() + 20,
                           long_net.parameters().begin() + 35));
}

// ---------------------------------------------------------------------------------------------
// Backward against finite differences. Tolerance 1e-3: the network is smooth, the central
// difference with step 1e-2 errs by about 1e-5 here, and the gradients are of size 0.1 to 3,
// so a wrong factor, a skipped layer or a gradient routed to the wrong layer shows by far.

BOOST_AUTO_TEST_CASE(backward_from_the_output_matches_finite_differences)
{
    small_net net;
    random_stream random(10);
    net.initialize(random);
    context ctx(random);
    auto in = make_input<small_net>(3, 11);
    tensor<shape<3>> weights(3);
    testing::fill_normal(weights, 12);
    tensor<shape<6>> d_input(3);

    net.forward(in, ctx);
    net.zero_gradients();
    net.backward(weights, ctx, d_input.view());

    const auto report =
        compare_with_differences(net, in, copy_of(std::as_const(d_input).view()),
                                 [&] { return weighted_sum(net.forward(in, ctx), weights); });
    BOOST_TEST(report.parameter_error < 1e-3);
    BOOST_TEST(report.input_error < 1e-3);
    BOOST_TEST(report.largest_parameter_gradient > 0.1);
    BOOST_TEST(report.largest_input_gradient > 0.1);
}

// Feature matching: a loss on layer 3's output (after the softplus) only.
BOOST_AUTO_TEST_CASE(backward_from_an_intermediate_layer_matches_finite_differences)
{
    small_net net;
    random_stream random(13);
    net.initialize(random);
    context ctx(random);
    auto in = make_input<small_net>(3, 14);
    tensor<shape<4>> weights(3);
    testing::fill_normal(weights, 15);
    tensor<shape<6>> d_input(3);

    net.forward(in, ctx);
    net.zero_gradients();
    net.backward_from<3>(weights, ctx, d_input.view());

    const auto report = compare_with_differences(net, in, copy_of(std::as_const(d_input).view()),
                                                 [&]
                                                 {
                                                     net.forward(in, ctx);
                                                     return weighted_sum(net.output<3>(), weights);
                                                 });
    BOOST_TEST(report.parameter_error < 1e-3);
    BOOST_TEST(report.input_error < 1e-3);
    BOOST_TEST(report.largest_parameter_gradient > 0.1);
    BOOST_TEST(report.largest_input_gradient > 0.1);

    // The last layer is not visited: its gradients stay zero.
    BOOST_TEST(std::all_of(net.gradients().begin() + 59, net.gradients().end(),
                           [](float g) { return g == 0.0f; }));
}

BOOST_AUTO_TEST_CASE(backward_with_batch_norm_and_shape_layers_matches_finite_differences)
{
    image_net net;
    random_stream random(16);
    net.initialize(random);
    testing::fill_normal(net.parameters().subspan(6), 17, 0.0f, 0.3f);
    context ctx(random, mode::train);
    ctx.freeze_statistics = true;
    auto in = make_input<image_net>(3, 18);
    tensor<shape<1>> weights(3);
    testing::fill_normal(weights, 19);
    tensor<shape<3, 5, 7>> d_input(3);

    net.forward(in, ctx);
    net.zero_gradients();
    net.backward(weights, ctx, d_input.view());

    const auto report =
        compare_with_differences(net, in, copy_of(std::as_const(d_input).view()),
                                 [&] { return weighted_sum(net.forward(in, ctx), weights); });
    BOOST_TEST(report.parameter_error < 1e-3);
    BOOST_TEST(report.input_error < 1e-3);
    BOOST_TEST(report.largest_parameter_gradient > 0.1);
}

// The gradient at layer 3's output is the sum of what comes from the output and what comes
// from the loss on layer 3; backward is linear in it.
BOOST_AUTO_TEST_CASE(two_source_backward_equals_the_sum_of_the_two_single_source_backwards)
{
    small_net net;
    random_stream random(20);
    net.initialize(random);
    context ctx(random);
    const auto in = make_input<small_net>(3, 21);
    tensor<shape<3>> d_out(3);
    testing::fill_normal(d_out, 22);
    tensor<shape<4>> d_mid(3);
    testing::fill_normal(d_mid, 23);
    tensor<shape<6>> d_input(3);
    net.forward(in, ctx);

    net.zero_gradients();
    net.backward<3>(d_out, d_mid, ctx, d_input.view());
    const std::vector<float> both = copy_of(std::as_const(net).gradients());
    const std::vector<float> both_input = copy_of(std::as_const(d_input).view());

    net.zero_gradients();
    net.backward(d_out, ctx, d_input.view());
    std::vector<double> sum(both.size());
    std::vector<double> sum_input(both_input.size());
    for (std::size_t i = 0; i < sum.size(); ++i)
        sum[i] = net.gradients()[i];
    for (std::size_t i = 0; i < sum_input.size(); ++i)
        sum_input[i] = d_input[i];
    net.zero_gradients();
    net.backward_from<3>(d_mid, ctx, d_input.view());
    for (std::size_t i = 0; i < sum.size(); ++i)
        sum[i] += net.gradients()[i];
    for (std::size_t i = 0; i < sum_input.size(); ++i)
        sum_input[i] += d_input[i];

    BOOST_TEST(largest_error(both, sum) < 1e-5);
    BOOST_TEST(largest_error(both_input, sum_input) < 1e-5);
}

BOOST_AUTO_TEST_CASE(parameter_gradients_accumulate_until_zero_gradients)
{
    small_net net;
    random_stream random(24);
    net.initialize(random);
    context ctx(random);
    const auto in = make_input<small_net>(3, 25);
    tensor<shape<3>> d_out(3);
    testing::fill_normal(d_out, 26);
    net.forward(in, ctx);

    net.backward(d_out, ctx);
    const std::vector<float> once = copy_of(std::as_const(net).gradients());
    net.backward(d_out, ctx);
    std::vector<double> doubled(once.begin(), once.end());
    for (double& value : doubled)
        value *= 2.0;
    BOOST_TEST(largest_error(net.gradients(), doubled) < 1e-6);

    net.zero_gradients();
    BOOST_TEST(std::all_of(net.gradients().begin(), net.gradients().end(),
                           [](float g) { return g == 0.0f; }));

    net.backward(d_out, ctx);
    BOOST_TEST(copy_of(std::as_const(net).gradients()) == once, boost::test_tools::per_element());
}

// The contract: parameter gradients add up, the input gradient is overwritten.
BOOST_AUTO_TEST_CASE(input_gradient_is_overwritten_not_accumulated)
{
    small_net net;
    random_stream random(27);
    net.initialize(random);
    context ctx(random);
    const auto in = make_input<small_net>(3, 28);
    tensor<shape<3>> d_out(3);
    testing::fill_normal(d_out, 29);
    tensor<shape<6>> d_input(3);
    net.forward(in, ctx);

    net.backward(d_out, ctx, d_input.view());
    const std::vector<float> once = copy_of(std::as_const(d_input).view());
    net.backward(d_out, ctx, d_input.view());

    BOOST_TEST(copy_of(std::as_const(d_input).view()) == once, boost::test_tools::per_element());
}

// The generator learns through the discriminator: the discriminator passes the gradient to its
// input without touching its own parameter gradients.
BOOST_AUTO_TEST_CASE(backward_without_parameter_gradients_still_gives_the_input_gradient)
{
    image_net net;
    random_stream random(43);
    net.initialize(random);
    context ctx(random, mode::train);
    const auto in = make_input<image_net>(3, 44);
    tensor<shape<1>> d_out(3);
    testing::fill_normal(d_out, 45);
    tensor<shape<3, 5, 7>> full_d_input(3);
    tensor<shape<3, 5, 7>> d_input(3);
    net.forward(in, ctx);
    net.backward(d_out, ctx, full_d_input.view());
    net.zero_gradients();

    ctx.parameter_gradients = false;
    net.backward(d_out, ctx, d_input.view());

    BOOST_TEST(std::all_of(net.gradients().begin(), net.gradients().end(),
                           [](float g) { return g == 0.0f; }));
    BOOST_TEST(copy_of(std::as_const(d_input).view()) ==
                   copy_of(std::as_const(full_d_input).view()),
               boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------------------
// Data-dependent initialization through the network

// Each weight-normalized layer is initialized on the output of the already initialized layers
// before it, so the last one's output on the init batch is standardized per unit.
BOOST_AUTO_TEST_CASE(initialize_from_data_standardizes_the_last_weight_normalized_layer)
{
    network<input<6>, dense<8, weight_norm>, relu, dense<4, weight_norm>> net;
    random_stream random(30);
    net.initialize(random);
    context ctx(random);
    tensor<shape<6>> in(64);
    testing::fill_normal(in, 31, 2.0f, 3.0f);

    net.initialize_from_data(in, ctx);
    BOOST_TEST(!ctx.initializing, "the context is handed back as it came");
    const auto out = net.forward(in, ctx);

    for (std::size_t unit = 0; unit < 4; ++unit)
    {
        double sum = 0.0;
        double squares = 0.0;
        for (std::size_t n = 0; n < 64; ++n)
        {
            sum += out[4 * n + unit];
            squares += std::pow(out[4 * n + unit], 2);
        }
        const double mean = sum / 64.0;
        const double stddev = std::sqrt(squares / 64.0 - mean * mean);
        BOOST_TEST(std::abs(mean) < 1e-4, "unit " << unit << " mean " << mean);
        BOOST_TEST(std::abs(stddev - 1.0) < 1e-4, "unit " << unit << " std " << stddev);
    }
}

// ---------------------------------------------------------------------------------------------
// Determinism

namespace
{
    struct run
    {
        std::vector<float> parameters;
        std::vector<float> output;
    };

    run initialize_and_forward(std::uint64_t init_seed, std::uint64_t forward_seed)
    {
        noisy_net net;
        random_stream init_random(init_seed);
        net.initialize(init_random);
        random_stream forward_random(forward_seed);
        context ctx(forward_random, mode::train);
        const auto in = make_input<noisy_net>(5, 33);
        return {copy_of(std::as_const(net).parameters()), copy_of(net.forward(in, ctx))};
    }

    struct thread_count_guard
    {
        ~thread_count_guard() { set_threads(0); }
    };
}

BOOST_AUTO_TEST_CASE(same_seeds_give_identical_parameters_and_outputs_with_noise_and_dropout)
{
    thread_count_guard guard;
    set_threads(1);

    const run first = initialize_and_forward(42, 7);
    const run second = initialize_and_forward(42, 7);

    BOOST_TEST(first.parameters == second.parameters, boost::test_tools::per_element());
    BOOST_TEST(first.output == second.output, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(different_seeds_give_different_parameters_and_outputs)
{
    thread_count_guard guard;
    set_threads(1);

    const run base = initialize_and_forward(42, 7);
    const run other_init = initialize_and_forward(43, 7);
    const run other_noise = initialize_and_forward(42, 8);

    BOOST_TEST(base.parameters != other_init.parameters);
    BOOST_TEST(base.parameters == other_noise.parameters, boost::test_tools::per_element());
    BOOST_TEST(base.output != other_noise.output);
}

// ---------------------------------------------------------------------------------------------
// Batch sizes

// In eval mode samples do not interact, so a sample's output and input gradient are the same
// in a batch of three and alone; the layers plan per batch size and must pick the right plan.
BOOST_AUTO_TEST_CASE(forward_and_backward_work_at_batch_one_and_then_batch_three)
{
    using net_type =
        network<input<3, 5, 7>, batch_norm<>, leaky_relu<>, flatten, dense<6>, sigmoid, dense<2>>;
    net_type net;
    random_stream random(34);
    net.initialize(random);
    std::vector<float> running{0.5f, -0.2f, 0.1f, 2.0f, 0.5f, 1.5f};
    std::copy(running.begin(), running.end(), net.state().begin());
    context ctx(random, mode::eval);
    const auto batch = make_input<net_type>(3, 35);
    tensor<shape<2>> d_out(3);
    testing::fill_normal(d_out, 36);

    std::vector<std::vector<float>> alone_outputs;
    std::vector<std::vector<float>> alone_d_inputs;
    for (std::size_t n = 0; n < 3; ++n)
    {
        tensor<shape<3, 5, 7>> one(1);
        std::copy_n(batch.data() + n * 105, 105, one.data());
        tensor<shape<2>> one_d_out(1);
        std::copy_n(d_out.data() + 2 * n, 2, one_d_out.data());
        tensor<shape<3, 5, 7>> one_d_input(1);

        alone_outputs.push_back(copy_of(net.forward(one, ctx)));
        net.backward(one_d_out, ctx, one_d_input.view());
        alone_d_inputs.push_back(copy_of(std::as_const(one_d_input).view()));
    }

    tensor<shape<3, 5, 7>> d_input(3);
    const std::vector<float> outputs = copy_of(net.forward(batch, ctx));
    net.backward(d_out, ctx, d_input.view());

    for (std::size_t n = 0; n < 3; ++n)
    {
        const std::span<const float> sample_out(outputs.data() + 2 * n, 2);
        const std::span<const float> sample_d_input(d_input.data() + 105 * n, 105);
        BOOST_TEST(largest_error(sample_out, alone_outputs[n]) < 1e-6, "sample " << n);
        BOOST_TEST(largest_error(sample_d_input, alone_d_inputs[n]) < 1e-6, "sample " << n);
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

BOOST_AUTO_TEST_CASE(backward_with_a_gradient_of_another_batch_size_throws)
{
    small_net net;
    random_stream random(37);
    net.initialize(random);
    context ctx(random);
    const auto in = make_input<small_net>(3, 38);
    net.forward(in, ctx);
    tensor<shape<3>> d_out(2);
    tensor<shape<4>> d_mid(2);
    tensor<shape<3>> good_d_out(3);
    tensor<shape<4>> good_d_mid(3);

    BOOST_CHECK_THROW(net.backward(d_out, ctx), config_error);
    BOOST_CHECK_THROW(net.backward_from<3>(d_mid, ctx), config_error);
    BOOST_CHECK_THROW(net.backward<3>(d_out, good_d_mid, ctx), config_error);
    BOOST_CHECK_THROW(net.backward<3>(good_d_out, d_mid, ctx), config_error);

    try
    {
        net.backward(d_out, ctx);
    }
    catch (const config_error& error)
    {
        const std::string message = error.what();
        BOOST_TEST(message.find("batch 2") != std::string::npos, message);
        BOOST_TEST(message.find("batch 3") != std::string::npos, message);
    }
}

// An input gradient of another batch size would be written past its end. The view below
// borrows storage for three samples but says two, so the test itself stays in bounds.
BOOST_AUTO_TEST_CASE(backward_into_an_input_gradient_of_another_batch_size_throws)
{
    small_net net;
    random_stream random(39);
    net.initialize(random);
    context ctx(random);
    const auto in = make_input<small_net>(3, 40);
    net.forward(in, ctx);
    tensor<shape<3>> d_out(3);
    tensor<shape<4>> d_mid(3);
    tensor<shape<6>> storage(3);
    const tensor_view<shape<6>> two_samples(storage.data(), 2);

    BOOST_CHECK_THROW(net.backward(d_out, ctx, two_samples), config_error);
    BOOST_CHECK_THROW(net.backward_from<3>(d_mid, ctx, two_samples), config_error);
    BOOST_CHECK_THROW(net.backward<3>(d_out, d_mid, ctx, two_samples), config_error);
}

BOOST_AUTO_TEST_CASE(backward_before_any_forward_throws)
{
    small_net net;
    random_stream random(41);
    context ctx(random);
    tensor<shape<3>> d_out(3);

    BOOST_CHECK_THROW(net.backward(d_out, ctx), config_error);
}

BOOST_AUTO_TEST_CASE(forward_of_an_empty_batch_throws)
{
    small_net net;
    random_stream random(42);
    context ctx(random);
    tensor<shape<6>> empty(0);

    BOOST_CHECK_THROW(net.forward(empty, ctx), config_error);
}
