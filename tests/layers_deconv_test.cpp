// deconv2d: output sizes by TensorFlow's rules (and requested ones), forward and both backward
// passes against direct loops in double precision, finite differences (plain and
// weight-normalized), the data-dependent initialization, and the SSGAN generators running.
#define BOOST_TEST_MODULE layers_deconv
#include <boost/test/unit_test.hpp>

#include "support/checks.hpp"

#include <ssgan/ssgan.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

using namespace ssgan;

namespace
{
    // ---------------------------------------------------------------------------------------
    // Output sizes

    template <class Spec, class In>
    using output_of = typename Spec::template bind<In>::output_shape;

    // VALID: (n - 1)·s + k.
    static_assert(std::is_same_v<
                  output_of<deconv2d<25, kernel<3>, stride<2>, padding::valid>, shape<4, 2, 2>>,
                  shape<25, 5, 5>>);
    static_assert(std::is_same_v<output_of<deconv2d<3, kernel<4, 3>, stride<3, 2>, padding::valid>,
                                           shape<2, 2, 3>>,
                                 shape<3, 7, 7>>);
    // SAME: n·s, whatever the kernel.
    static_assert(std::is_same_v<output_of<deconv2d<256, kernel<5>, stride<2>>, shape<512, 4, 4>>,
                                 shape<256, 8, 8>>);
    static_assert(std::is_same_v<output_of<deconv2d<3, kernel<2>, stride<3>>, shape<2, 3, 2>>,
                                 shape<3, 9, 6>>);
    // explicit_<P>: (n - 1)·s + k - 2P.
    static_assert(
        std::is_same_v<output_of<deconv2d<2, kernel<4, 3>, stride<3, 2>, padding::explicit_<1>>,
                                 shape<3, 3, 4>>,
                       shape<2, 8, 7>>);
    // output_size: any size the matching conv2d maps back to the input.
    static_assert(std::is_same_v<output_of<deconv2d<1, kernel<5>, stride<2>, output_size<27, 28>>,
                                           shape<8, 14, 14>>,
                                 shape<1, 27, 28>>);
    static_assert(
        std::is_same_v<output_of<deconv2d<4, kernel<3>, stride<2>, padding::valid, output_size<6>>,
                                 shape<2, 2, 2>>,
                       shape<4, 6, 6>>);

    // The conv2d with the same kernel, stride and padding takes the output back to the input.
    template <class Conv, class Deconv, class In>
    constexpr bool round_trips = []
    {
        using out = output_of<Deconv, In>;
        using back = output_of<Conv, out>;
        return back::extents[1] == In::extents[1] && back::extents[2] == In::extents[2];
    }();

    static_assert(round_trips<conv2d<1, kernel<5>, stride<2>>, deconv2d<1, kernel<5>, stride<2>>,
                              shape<1, 7, 5>>);
    static_assert(round_trips<conv2d<1, kernel<3>, stride<2>, padding::valid>,
                              deconv2d<1, kernel<3>, stride<2>, padding::valid>, shape<1, 4, 3>>);
    static_assert(
        round_trips<conv2d<1, kernel<4>, stride<3>, padding::explicit_<1>>,
                    deconv2d<1, kernel<4>, stride<3>, padding::explicit_<1>>, shape<1, 5, 2>>);
    static_assert(round_trips<conv2d<1, kernel<3>, stride<2>, padding::valid>,
                              deconv2d<1, kernel<3>, stride<2>, padding::valid, output_size<6, 8>>,
                              shape<1, 2, 3>>);

    // Parameters: weights C × Filters × KH × KW, then scales with weight norm, then biases.
    static_assert(deconv2d<5, kernel<3, 2>>::bind<shape<3, 6, 6>>::parameter_count ==
                  3 * 5 * 6 + 5);
    static_assert(
        deconv2d<5, kernel<3>, weight_norm, no_bias>::bind<shape<3, 6, 6>>::parameter_count ==
        3 * 5 * 9 + 5);

    // ---------------------------------------------------------------------------------------
    // The reference: direct loops in double precision

    // One axis of the output: its size and the padding the matching conv2d puts before it, as
    // TensorFlow states the rules (written out here independently of the library).
    struct axis
    {
        std::size_t output;
        std::ptrdiff_t before;
    };

    axis transposed_same(std::size_t in, std::size_t k, std::size_t s, std::size_t requested = 0)
    {
        const std::size_t out = requested != 0 ? requested : in * s;
        const std::size_t back = (out + s - 1) / s;
        const auto total = std::max<std::ptrdiff_t>(
            static_cast<std::ptrdiff_t>((back - 1) * s + k) - static_cast<std::ptrdiff_t>(out), 0);
        return {out, total / 2};
    }

    axis transposed_valid(std::size_t in, std::size_t k, std::size_t s, std::size_t requested = 0)
    {
        return {requested != 0 ? requested : (in - 1) * s + k, 0};
    }

    axis transposed_explicit(std::size_t in, std::size_t k, std::size_t s, std::size_t p)
    {
        return {(in - 1) * s + k - 2 * p, static_cast<std::ptrdiff_t>(p)};
    }

    struct geometry
    {
        std::size_t channels, height, width, filters;
        std::size_t kernel_height, kernel_width, stride_height, stride_width;
        axis rows, columns;
    };

    // Calls visit(input index, output index, weight index) for every product the transposed
    // convolution sums: out[n, o, y·s + i - top, x·s + j - left] += in[n, c, y, x] · w[c, o, i, j].
    template <class Visit>
    void for_each_tap(const geometry& g, std::size_t batch, Visit&& visit)
    {
        const auto out_h = static_cast<std::ptrdiff_t>(g.rows.output);
        const auto out_w = static_cast<std::ptrdiff_t>(g.columns.output);
        for (std::size_t n = 0; n < batch; ++n)
            for (std::size_t c = 0; c < g.channels; ++c)
                for (std::size_t y = 0; y < g.height; ++y)
                    for (std::size_t x = 0; x < g.width; ++x)
                        for (std::size_t o = 0; o < g.filters; ++o)
                            for (std::size_t i = 0; i < g.kernel_height; ++i)
                                for (std::size_t j = 0; j < g.kernel_width; ++j)
                                {
                                    const auto h =
                                        static_cast<std::ptrdiff_t>(y * g.stride_height + i) -
                                        g.rows.before;
                                    const auto w =
                                        static_cast<std::ptrdiff_t>(x * g.stride_width + j) -
                                        g.columns.before;
                                    if (h < 0 || w < 0 || h >= out_h || w >= out_w)
                                        continue;
                                    const std::size_t in_index =
                                        ((n * g.channels + c) * g.height + y) * g.width + x;
                                    const std::size_t out_index =
                                        ((n * g.filters + o) * static_cast<std::size_t>(out_h) +
                                         static_cast<std::size_t>(h)) *
                                            static_cast<std::size_t>(out_w) +
                                        static_cast<std::size_t>(w);
                                    const std::size_t weight_index =
                                        ((c * g.filters + o) * g.kernel_height + i) *
                                            g.kernel_width +
                                        j;
                                    visit(in_index, out_index, weight_index);
                                }
    }

    struct reference_result
    {
        std::vector<double> out, d_in, d_weights, d_bias;
    };

    reference_result reference(const geometry& g, std::size_t batch, const float* in,
                               const std::vector<float>& weights, const float* bias,
                               const float* d_out)
    {
        const std::size_t area = g.rows.output * g.columns.output;
        reference_result r{std::vector<double>(batch * g.filters * area),
                           std::vector<double>(batch * g.channels * g.height * g.width),
                           std::vector<double>(weights.size()), std::vector<double>(g.filters)};
        for (std::size_t i = 0; i < r.out.size(); ++i)
        {
            const std::size_t o = (i / area) % g.filters;
            r.out[i] = bias == nullptr ? 0.0 : bias[o];
            r.d_bias[o] += d_out[i];
        }
        for_each_tap(g, batch,
                     [&](std::size_t x, std::size_t y, std::size_t w)
                     {
                         r.out[y] += static_cast<double>(in[x]) * weights[w];
                         r.d_in[x] += static_cast<double>(d_out[y]) * weights[w];
                         r.d_weights[w] += static_cast<double>(d_out[y]) * in[x];
                     });
        return r;
    }

    // The weights the layer convolves with: v itself, or g · v / ‖v‖ per output channel o,
    // whose weights lie at ((c · filters + o) · KH + i) · KW + j.
    template <class Layer>
    std::vector<float> effective_weights(const std::vector<float>& values)
    {
        std::vector<float> weights(values.begin(), values.begin() + Layer::weight_count);
        if constexpr (Layer::normalized)
        {
            const std::size_t filters = Layer::output_shape::extents[0];
            const std::size_t taps = Layer::weight_count / filters / Layer::in_channels;
            for (std::size_t o = 0; o < filters; ++o)
            {
                double squares = 0.0;
                for (std::size_t c = 0; c < Layer::in_channels; ++c)
                    for (std::size_t k = 0; k < taps; ++k)
                    {
                        const double value = weights[(c * filters + o) * taps + k];
                        squares += value * value;
                    }
                const double factor = values[Layer::weight_count + o] / std::sqrt(squares);
                for (std::size_t c = 0; c < Layer::in_channels; ++c)
                    for (std::size_t k = 0; k < taps; ++k)
                    {
                        float& value = weights[(c * filters + o) * taps + k];
                        value = static_cast<float>(value * factor);
                    }
            }
        }
        return weights;
    }

    // Forward, backward with d_in and backward without it, at each batch size in turn, against
    // the reference; d_in must be overwritten and parameter gradients added.
    template <class Spec, class In>
    void expect_matches_reference(const geometry& g, std::initializer_list<std::size_t> batches)
    {
        using layer_type = typename Spec::template bind<In>;
        using out_shape = typename layer_type::output_shape;
        BOOST_TEST_REQUIRE(out_shape::extents[0] == g.filters);
        BOOST_TEST_REQUIRE(out_shape::extents[1] == g.rows.output);
        BOOST_TEST_REQUIRE(out_shape::extents[2] == g.columns.output);

        random_stream random(12);
        testing::layer_rig<layer_type> rig(random);
        std::vector<float> jitter(rig.values.size());
        random.fill_normal(jitter, 0.0f, 0.3f);
        for (std::size_t i = 0; i < jitter.size(); ++i)
            rig.values[i] += jitter[i];
        const std::vector<float> weights = effective_weights<layer_type>(rig.values);
        const float* bias =
            layer_type::biased ? rig.values.data() + rig.values.size() - g.filters : nullptr;

        for (std::size_t batch : batches)
        {
            BOOST_TEST_CONTEXT(Spec::describe() << " on " << In::describe() << ", batch " << batch)
            {
                tensor<In> in(batch);
                testing::fill_normal(in, 300 + batch);
                tensor<out_shape> d_out(batch);
                testing::fill_normal(d_out, 400 + batch);
                const reference_result expected =
                    reference(g, batch, in.data(), weights, bias, d_out.data());

                context ctx(random);
                tensor<out_shape> out(batch);
                rig.layer.forward(in, out.view(), ctx);
                BOOST_TEST(testing::largest_error(out.span(), expected.out) < 1e-4);

                tensor<In> d_in(batch, std::numeric_limits<float>::quiet_NaN());
                std::fill(rig.gradients.begin(), rig.gradients.end(), 0.5f);
                rig.layer.backward(in, out, d_out, d_in.view(), ctx);
                BOOST_TEST(testing::largest_error(d_in.span(), expected.d_in) < 1e-4);

                if constexpr (!layer_type::normalized)
                {
                    std::vector<float> added(rig.gradients.size());
                    for (std::size_t i = 0; i < added.size(); ++i)
                        added[i] = rig.gradients[i] - 0.5f;
                    std::vector<double> want(expected.d_weights);
                    if constexpr (layer_type::biased)
                        want.insert(want.end(), expected.d_bias.begin(), expected.d_bias.end());
                    BOOST_TEST(testing::largest_error(added, want) < 1e-4);

                    rig.layer.backward(in, out, d_out, {}, ctx);
                    for (std::size_t i = 0; i < added.size(); ++i)
                        added[i] = (rig.gradients[i] - 0.5f) / 2.0f;
                    BOOST_TEST(testing::largest_error(added, want) < 1e-4);
                }
            }
        }
    }

    // Per output channel over the batch and all positions: mean and standard deviation.
    template <class Shape>
    std::vector<std::pair<double, double>> channel_statistics(const tensor<Shape>& out)
    {
        const std::size_t channels = Shape::extents[0];
        const std::size_t area = Shape::size / channels;
        const double count = static_cast<double>(out.batch() * area);
        std::vector<std::pair<double, double>> statistics(channels);
        for (std::size_t c = 0; c < channels; ++c)
        {
            double sum = 0.0, squares = 0.0;
            for (std::size_t n = 0; n < out.batch(); ++n)
                for (std::size_t i = 0; i < area; ++i)
                {
                    const double value = out[(n * channels + c) * area + i];
                    sum += value;
                    squares += value * value;
                }
            const double mean = sum / count;
            statistics[c] = {mean, std::sqrt(squares / count - mean * mean)};
        }
        return statistics;
    }
}

// -------------------------------------------------------------------------------------------
// Forward and backward against the reference loops

BOOST_AUTO_TEST_CASE(deconv2d_valid_stride_2_on_a_non_square_input_matches_reference_loops)
{
    expect_matches_reference<deconv2d<3, kernel<3>, stride<2>, padding::valid>, shape<2, 2, 3>>(
        {2, 2, 3, 3, 3, 3, 2, 2, transposed_valid(2, 3, 2), transposed_valid(3, 3, 2)}, {3, 1});
}

BOOST_AUTO_TEST_CASE(deconv2d_valid_stride_1_from_one_pixel_matches_reference_loops)
{
    expect_matches_reference<deconv2d<5, kernel<2>, padding::valid>, shape<7, 1, 1>>(
        {7, 1, 1, 5, 2, 2, 1, 1, transposed_valid(1, 2, 1), transposed_valid(1, 2, 1)}, {1, 3});
}

BOOST_AUTO_TEST_CASE(deconv2d_same_stride_2_with_odd_padding_matches_reference_loops)
{
    // 4 → 8 and 3 → 6: the matching conv2d pads 1 before and 2 after.
    expect_matches_reference<deconv2d<5, kernel<5>, stride<2>, padding::same, no_bias>,
                             shape<3, 4, 3>>(
        {3, 4, 3, 5, 5, 5, 2, 2, transposed_same(4, 5, 2), transposed_same(3, 5, 2)}, {1, 3});
}

BOOST_AUTO_TEST_CASE(deconv2d_same_with_kernel_smaller_than_stride_matches_reference_loops)
{
    // 3 → 9 with a 2-pixel kernel: the last output row of each stride gets only the bias.
    expect_matches_reference<deconv2d<3, kernel<2>, stride<3>>, shape<2, 3, 2>>(
        {2, 3, 2, 3, 2, 2, 3, 3, transposed_same(3, 2, 3), transposed_same(2, 2, 3)}, {3});
}

BOOST_AUTO_TEST_CASE(deconv2d_explicit_padding_with_rectangular_kernel_matches_reference_loops)
{
    expect_matches_reference<deconv2d<2, kernel<4, 3>, stride<3, 2>, padding::explicit_<1>>,
                             shape<3, 3, 4>>(
        {3, 3, 4, 2, 4, 3, 3, 2, transposed_explicit(3, 4, 3, 1), transposed_explicit(4, 3, 2, 1)},
        {3, 1});
}

BOOST_AUTO_TEST_CASE(deconv2d_requested_output_past_the_last_tap_matches_reference_loops)
{
    // VALID gives 5 × 7; 6 × 8 also maps back to 2 × 3, its last row and column bias only.
    expect_matches_reference<deconv2d<4, kernel<3>, stride<2>, padding::valid, output_size<6, 8>>,
                             shape<2, 2, 3>>(
        {2, 2, 3, 4, 3, 3, 2, 2, transposed_valid(2, 3, 2, 6), transposed_valid(3, 3, 2, 8)},
        {3, 1});
}

BOOST_AUTO_TEST_CASE(deconv2d_requested_odd_output_under_same_padding_matches_reference_loops)
{
    expect_matches_reference<deconv2d<3, kernel<5>, stride<2>, padding::same, output_size<7, 5>>,
                             shape<2, 4, 3>>(
        {2, 4, 3, 3, 5, 5, 2, 2, transposed_same(4, 5, 2, 7), transposed_same(3, 5, 2, 5)}, {3});
}

BOOST_AUTO_TEST_CASE(deconv2d_weight_norm_forward_and_backward_data_match_reference_loops)
{
    expect_matches_reference<deconv2d<3, kernel<5>, stride<2>, weight_norm_without_data_init>,
                             shape<4, 3, 2>>(
        {4, 3, 2, 3, 5, 5, 2, 2, transposed_same(3, 5, 2), transposed_same(2, 5, 2)}, {3, 1});
}

// -------------------------------------------------------------------------------------------
// Finite differences

BOOST_AUTO_TEST_CASE(deconv2d_backward_matches_finite_differences)
{
    testing::gradient_options options;
    options.batch = 2;
    testing::expect_gradients_match<
        deconv2d<3, kernel<3>, stride<2>, padding::valid>::bind<shape<4, 3, 2>>>(options, 1e-2);
    testing::expect_gradients_match<
        deconv2d<2, kernel<5>, stride<2>, no_bias>::bind<shape<3, 2, 3>>>(options, 1e-2);
    testing::expect_gradients_match<
        deconv2d<3, kernel<3>, stride<2>, padding::valid, output_size<6>>::bind<shape<2, 2, 2>>>(
        options, 1e-2);
}

BOOST_AUTO_TEST_CASE(deconv2d_weight_norm_backward_matches_finite_differences_in_both_modes)
{
    testing::gradient_options options;
    options.batch = 2;
    testing::expect_gradients_match_in_both_modes<
        deconv2d<3, kernel<5>, stride<2>, weight_norm>::bind<shape<4, 3, 3>>>(options, 1e-2);
    testing::expect_gradients_match_in_both_modes<
        deconv2d<2, kernel<4>, stride<2>, padding::valid, weight_norm_without_data_init,
                 no_bias>::bind<shape<3, 2, 3>>>(options, 1e-2);
}

// -------------------------------------------------------------------------------------------
// Contract details

BOOST_AUTO_TEST_CASE(deconv2d_describes_itself_as_written_with_its_defaults)
{
    BOOST_TEST((deconv2d<3, kernel<5>, stride<2>, weight_norm>::describe()) ==
               "deconv2d<3, kernel<5>, stride<2>, padding::same, weight_norm>");
    BOOST_TEST(
        (deconv2d<1, kernel<6>, stride<2>, padding::valid, output_size<29, 28>>::describe()) ==
        "deconv2d<1, kernel<6>, stride<2>, padding::valid, output_size<29, 28>>");
}

BOOST_AUTO_TEST_CASE(deconv2d_weight_norm_data_init_standardizes_each_output_channel)
{
    using layer_type = deconv2d<5, kernel<5>, stride<2>, weight_norm>::bind<shape<6, 4, 3>>;
    random_stream random(41);
    testing::layer_rig<layer_type> rig(random);
    tensor<shape<6, 4, 3>> in(16);
    testing::fill_normal(in, 42, -0.4f, 3.0f);
    tensor<layer_type::output_shape> out(16), again(16);

    context ctx(random);
    ctx.initializing = true;
    rig.layer.forward(in, out.view(), ctx);
    for (const auto& [mean, deviation] : channel_statistics(out))
    {
        BOOST_TEST(std::abs(mean) < 1e-4);
        BOOST_TEST(deviation == 1.0, boost::test_tools::tolerance(1e-3));
    }

    ctx.initializing = false;
    rig.layer.forward(in, again.view(), ctx);
    BOOST_TEST(testing::largest_error(again.span(), out.span()) < 1e-4);
}

// -------------------------------------------------------------------------------------------
// The SSGAN generators

namespace
{
    // MNIST: z → 100 × 1 × 1 → 100 × 2 × 2 → 25 × 5 × 5 → 6 × 12 × 12 → 1 × 28 × 28.
    using mnist_generator =
        network<input<100>, reshape<100, 1, 1>, deconv2d<100, kernel<2>, padding::valid>,
                batch_norm<>, relu, deconv2d<25, kernel<3>, stride<2>, padding::valid>,
                batch_norm<>, relu, deconv2d<6, kernel<4>, stride<2>, padding::valid>, batch_norm<>,
                relu, deconv2d<1, kernel<6>, stride<2>, padding::valid>, sigmoid>;

    static_assert(std::is_same_v<mnist_generator::output_shape_of<1>, shape<100, 2, 2>>);
    static_assert(std::is_same_v<mnist_generator::output_shape_of<4>, shape<25, 5, 5>>);
    static_assert(std::is_same_v<mnist_generator::output_shape_of<7>, shape<6, 12, 12>>);
    static_assert(std::is_same_v<mnist_generator::output_shape, shape<1, 28, 28>>);

    // CIFAR-10 (Salimans et al. 2016): 512 × 4 × 4 → 256 × 8 × 8 → 128 × 16 × 16 → 3 × 32 × 32,
    // 5 × 5 kernels, stride 2, SAME; weight norm on the last.
    using cifar_generator =
        network<input<100>, dense<512 * 4 * 4>, batch_norm<>, relu, reshape<512, 4, 4>,
                deconv2d<256, kernel<5>, stride<2>>, batch_norm<>, relu,
                deconv2d<128, kernel<5>, stride<2>>, batch_norm<>, relu,
                deconv2d<3, kernel<5>, stride<2>, weight_norm>, ssgan::tanh>;

    static_assert(std::is_same_v<cifar_generator::output_shape_of<4>, shape<256, 8, 8>>);
    static_assert(std::is_same_v<cifar_generator::output_shape_of<7>, shape<128, 16, 16>>);
    static_assert(std::is_same_v<cifar_generator::output_shape, shape<3, 32, 32>>);

    template <class Network>
    void expect_runs(std::size_t batch)
    {
        random_stream random(51);
        Network net;
        net.initialize(random);
        tensor<typename Network::input_shape> z(batch);
        testing::fill_normal(z, 52);
        context ctx(random);
        net.initialize_from_data(z, ctx);

        const auto out = net.forward(z, ctx);
        BOOST_TEST(std::all_of(out.span().begin(), out.span().end(),
                               [](float value) { return std::isfinite(value); }));
        tensor<typename Network::output_shape> d_out(batch);
        testing::fill_normal(d_out, 53);
        tensor<typename Network::input_shape> d_z(batch);
        net.backward(d_out, ctx, d_z.view());
        BOOST_TEST(std::all_of(d_z.span().begin(), d_z.span().end(),
                               [](float value) { return std::isfinite(value); }));
        BOOST_TEST(std::any_of(d_z.span().begin(), d_z.span().end(),
                               [](float value) { return value != 0.0f; }));
    }
}

BOOST_AUTO_TEST_CASE(ssgan_mnist_generator_binds_and_runs)
{
    expect_runs<mnist_generator>(3);
}

BOOST_AUTO_TEST_CASE(ssgan_cifar_generator_binds_initializes_from_data_and_runs)
{
    expect_runs<cifar_generator>(4);
}
