// nn/network.hpp, fusion: a conv2d or deconv2d directly followed by relu, leaky_relu, tanh or
// sigmoid runs the activation as a oneDNN post-op. A fused network must give what the same
// network gives with fusion switched off: outputs, parameter and input gradients, in train
// and eval mode, across batch sizes; softplus, whose backward needs its input, is not fused.
#define BOOST_TEST_MODULE nn_fusion
#include <boost/test/unit_test.hpp>

#include "support/checks.hpp"

#include <ssgan/ssgan.hpp>

#include <boost/mpl/list.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

using namespace ssgan;
using ssgan::testing::largest_error;

namespace
{
    // Three fusable pairs (a strided convolution, a transposed one, a 1 × 1 convolution without
    // bias) and batch norm in between, so train and eval mode differ.
    template <class Activation>
    using stack = network<input<3, 9, 9>, conv2d<6, kernel<3>, stride<2>>, Activation, batch_norm<>,
                          deconv2d<4, kernel<3>, stride<2>, padding::valid>, Activation,
                          conv2d<2, kernel<1>, no_bias>, Activation, flatten, dense<5>>;

    static_assert(std::is_same_v<stack<relu>::output_shape_of<3>, shape<4, 11, 11>>);

    using fusable_activations =
        boost::mpl::list<relu, leaky_relu<0.2f>, ssgan::tanh, ssgan::sigmoid>;

    double dot(std::span<const float> values, std::span<const float> weights)
    {
        double sum = 0.0;
        for (std::size_t i = 0; i < values.size(); ++i)
            sum += static_cast<double>(values[i]) * weights[i];
        return sum;
    }

    // Two networks of one type with the same parameters, one fused and one not.
    template <class Network>
    struct twins
    {
        Network fused;
        Network unfused;

        explicit twins(std::uint64_t seed)
        {
            for (Network* net : {&fused, &unfused})
            {
                random_stream random(seed);
                net->initialize(random);
                // Non-zero biases, so the post-op sees them added first.
                testing::fill_normal(net->parameters(), seed + 1, 0.0f, 0.3f);
            }
            fused.set_fusion(true);
        }
    };

    // One forward and backward of each twin on the same batch and output gradient; everything
    // the step gives must agree.
    template <class Network, std::size_t... Compared>
    void expect_same_step(twins<Network>& nets, std::size_t batch, mode run_mode,
                          std::uint64_t seed)
    {
        tensor<typename Network::input_shape> in(batch);
        testing::fill_normal(in, seed);
        tensor<typename Network::output_shape> d_out(batch);
        testing::fill_normal(d_out, seed + 1);
        tensor<typename Network::input_shape> d_in_fused(batch);
        tensor<typename Network::input_shape> d_in_unfused(batch);

        random_stream random_fused(seed + 2);
        random_stream random_unfused(seed + 2);
        context fused_ctx(random_fused, run_mode);
        context unfused_ctx(random_unfused, run_mode);

        const auto fused_out = nets.fused.forward(in, fused_ctx);
        const auto unfused_out = nets.unfused.forward(in, unfused_ctx);
        BOOST_TEST(largest_error(fused_out.span(), unfused_out.span()) < 1e-5);
        (
            [&]
            {
                BOOST_TEST_CONTEXT("the output of layer " << Compared)
                BOOST_TEST(largest_error(nets.fused.template output<Compared>().span(),
                                         nets.unfused.template output<Compared>().span()) < 1e-5);
            }(),
            ...);

        nets.fused.zero_gradients();
        nets.unfused.zero_gradients();
        nets.fused.backward(d_out, fused_ctx, d_in_fused.view());
        nets.unfused.backward(d_out, unfused_ctx, d_in_unfused.view());
        BOOST_TEST(largest_error(nets.fused.gradients(), nets.unfused.gradients()) < 1e-5);
        BOOST_TEST(largest_error(d_in_fused.span(), d_in_unfused.span()) < 1e-5);
        BOOST_TEST(largest_error(nets.fused.state(), nets.unfused.state()) < 1e-5);
    }
}

BOOST_AUTO_TEST_CASE(convolutions_followed_by_output_derived_activations_are_fused)
{
    using net = stack<relu>;
    static_assert(net::fused_with_next<0>);  // conv2d, relu
    static_assert(!net::fused_with_next<1>); // relu, batch_norm
    static_assert(!net::fused_with_next<2>); // batch_norm, deconv2d
    static_assert(net::fused_with_next<3>);  // deconv2d, relu
    static_assert(net::fused_with_next<5>);  // conv2d without bias, relu
    static_assert(!net::fused_with_next<8>); // the last layer

    static_assert(stack<leaky_relu<0.2f>>::fused_with_next<0>);
    static_assert(stack<ssgan::tanh>::fused_with_next<3>);
    static_assert(stack<ssgan::sigmoid>::fused_with_next<5>);

    // softplus needs its input for backward; dense takes no post-op; an activation after an
    // activation has no primitive to join.
    static_assert(!network<input<2, 6, 6>, conv2d<3, kernel<3>>, softplus>::fused_with_next<0>);
    static_assert(!network<input<4>, dense<3>, relu>::fused_with_next<0>);
    static_assert(!network<input<2, 6, 6>, relu, relu>::fused_with_next<0>);
    static_assert(
        !network<input<2, 6, 6>, conv2d<3, kernel<3>>, batch_norm<>, relu>::fused_with_next<0>);

    // Off by default: with plain NCHW activations oneDNN 2.6's fused kernels are the slower.
    BOOST_TEST(!net().fusion());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(fused_network_matches_unfused_network_in_train_mode, Activation,
                              fusable_activations)
{
    twins<stack<Activation>> nets(11);
    expect_same_step<stack<Activation>, 1, 2, 4, 6, 7>(nets, 3, mode::train, 12);
    // A second batch size plans new primitives; the first one's are reused after it.
    expect_same_step<stack<Activation>, 1, 2, 4, 6, 7>(nets, 2, mode::train, 13);
    expect_same_step<stack<Activation>, 1, 2, 4, 6, 7>(nets, 3, mode::train, 14);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(fused_network_matches_unfused_network_in_eval_mode, Activation,
                              fusable_activations)
{
    twins<stack<Activation>> nets(21);
    // Running statistics away from their initial values, so eval mode is not the identity.
    testing::fill_normal(nets.fused.state(), 22, 0.5f, 0.1f);
    testing::fill_normal(nets.unfused.state(), 22, 0.5f, 0.1f);
    expect_same_step<stack<Activation>, 1, 2, 4, 6, 7>(nets, 4, mode::eval, 23);
    expect_same_step<stack<Activation>, 1, 2, 4, 6, 7>(nets, 1, mode::eval, 24);
}

BOOST_AUTO_TEST_CASE(switching_fusion_off_and_on_gives_the_same_outputs)
{
    stack<leaky_relu<0.2f>> net;
    random_stream random(31);
    net.initialize(random);
    tensor<stack<leaky_relu<0.2f>>::input_shape> in(2);
    testing::fill_normal(in, 32);
    context ctx(random, mode::eval);

    net.set_fusion(true);
    const auto first = net.forward(in, ctx).span();
    const std::vector<float> fused(first.begin(), first.end());
    net.set_fusion(false);
    BOOST_TEST(!net.fusion());
    const auto second = net.forward(in, ctx).span();
    const std::vector<float> unfused(second.begin(), second.end());
    net.set_fusion(true);
    BOOST_TEST(largest_error(net.forward(in, ctx).span(), fused) < 1e-6);
    BOOST_TEST(largest_error(std::span<const float>(unfused), fused) < 1e-5);
}

// A fused forward never writes the convolution's own output, so reading it then is an error;
// after an unfused forward it is there, and the activation's output is made from it.
BOOST_AUTO_TEST_CASE(output_of_a_fused_layer_is_readable_only_after_an_unfused_forward)
{
    using net = network<input<2, 6, 6>, conv2d<3, kernel<3>>, leaky_relu<0.2f>>;
    net network_under_test;
    random_stream random(35);
    network_under_test.initialize(random);
    tensor<net::input_shape> in(2);
    testing::fill_normal(in, 36);
    context ctx(random);

    network_under_test.set_fusion(true);
    network_under_test.forward(in, ctx);
    BOOST_CHECK_THROW(network_under_test.output<0>(), config_error);

    network_under_test.set_fusion(false);
    network_under_test.forward(in, ctx);
    const auto pre = network_under_test.output<0>().span();
    std::vector<double> expected(pre.size());
    for (std::size_t i = 0; i < pre.size(); ++i)
        expected[i] = pre[i] > 0.0f ? pre[i] : 0.2f * pre[i];
    BOOST_TEST(largest_error(network_under_test.output<1>().span(), expected) < 1e-6);
}

// Weight normalization with data-dependent initialization sets each channel's scale and bias
// from the statistics of the convolution's own output, before the activation: the fused
// network must initialize exactly as the unfused one does.
BOOST_AUTO_TEST_CASE(data_dependent_initialization_sees_the_pre_activations)
{
    using net = network<input<2, 8, 8>, conv2d<5, kernel<3>, weight_norm>, leaky_relu<0.2f>,
                        deconv2d<3, kernel<3>, stride<2>, weight_norm>, relu, flatten, dense<4>>;
    static_assert(net::fused_with_next<0> && net::fused_with_next<2>);
    twins<net> nets(41);
    tensor<net::input_shape> in(6);
    testing::fill_normal(in, 42);
    random_stream random(43);
    context ctx(random);

    nets.fused.initialize_from_data(in, ctx);
    nets.unfused.initialize_from_data(in, ctx);
    BOOST_TEST(largest_error(nets.fused.parameters(), nets.unfused.parameters()) < 1e-6);
    BOOST_TEST(!ctx.initializing);

    expect_same_step<net, 1, 3>(nets, 6, mode::train, 44);
}

BOOST_AUTO_TEST_CASE(forward_fused_refuses_data_dependent_initialization)
{
    using layer = conv2d<2, kernel<3>, weight_norm>::bind<shape<1, 4, 4>>;
    random_stream random(51);
    testing::layer_rig<layer> rig(random);
    tensor<shape<1, 4, 4>> in(1, 1.0f);
    tensor<shape<2, 4, 4>> out(1);
    context ctx(random);
    ctx.initializing = true;
    BOOST_CHECK_THROW(
        rig.layer.forward_fused(in, out.view(), ctx, relu::bind<shape<2, 4, 4>>::post_op()),
        config_error);
}

// softplus stays a layer of its own: its output is softplus of the convolution's, which stays
// readable, and its input gradient matches central differences.
BOOST_AUTO_TEST_CASE(softplus_after_a_convolution_is_not_fused_and_stays_correct)
{
    using net = network<input<2, 5, 5>, conv2d<3, kernel<3>>, softplus, flatten, dense<2>>;
    static_assert(!net::fused_with_next<0>);
    net network_under_test;
    random_stream random(61);
    network_under_test.initialize(random);
    testing::fill_normal(network_under_test.parameters(), 62, 0.0f, 0.5f);
    tensor<net::input_shape> in(2);
    testing::fill_normal(in, 63);
    tensor<net::output_shape> d_out(2);
    testing::fill_normal(d_out, 64);
    context ctx(random);

    network_under_test.forward(in, ctx);
    const auto pre = network_under_test.output<0>().span();
    const auto post = network_under_test.output<1>().span();
    std::vector<double> expected(pre.size());
    for (std::size_t i = 0; i < pre.size(); ++i)
        expected[i] = std::log1p(std::exp(static_cast<double>(pre[i])));
    BOOST_TEST(largest_error(post, expected) < 1e-5);

    tensor<net::input_shape> d_in(2);
    network_under_test.zero_gradients();
    network_under_test.backward(d_out, ctx, d_in.view());
    auto loss = [&] { return dot(network_under_test.forward(in, ctx).span(), d_out.span()); };
    std::vector<double> numeric;
    for (std::size_t i = 0; i < in.size(); ++i)
        numeric.push_back(testing::central_difference(loss, in.data()[i], 1e-2));
    BOOST_TEST(largest_error(d_in.span(), numeric) < 1e-3);
}
