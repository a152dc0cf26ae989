// conv2d: output sizes by TensorFlow's padding rules, forward and both backward passes against
// direct loops in double precision, finite differences (plain and weight-normalized), the
// data-dependent initialization, and the SSGAN discriminators binding and running.
#define BOOST_TEST_MODULE layers_conv
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
    // Output sizes, by the rules as TensorFlow states them

    template <class Spec, class In>
    using output_of = typename Spec::template bind<In>::output_shape;

    // 28 → 14 → 7 → 4 with SAME padding and stride 2 (MNIST discriminator).
    static_assert(std::is_same_v<output_of<conv2d<32, kernel<5>, stride<2>>, shape<1, 28, 28>>,
                                 shape<32, 14, 14>>);
    static_assert(std::is_same_v<output_of<conv2d<64, kernel<5>, stride<2>>, shape<32, 14, 14>>,
                                 shape<64, 7, 7>>);
    static_assert(std::is_same_v<output_of<conv2d<128, kernel<5>, stride<2>>, shape<64, 7, 7>>,
                                 shape<128, 4, 4>>);
    // VALID: ⌈(n - k + 1) / s⌉.
    static_assert(std::is_same_v<output_of<conv2d<8, kernel<3>, padding::valid>, shape<3, 8, 6>>,
                                 shape<8, 6, 4>>);
    static_assert(
        std::is_same_v<output_of<conv2d<8, kernel<3>, stride<2>, padding::valid>, shape<3, 8, 7>>,
                       shape<8, 3, 3>>);
    static_assert(std::is_same_v<
                  output_of<conv2d<8, kernel<4, 2>, stride<3, 1>, padding::valid>, shape<1, 10, 5>>,
                  shape<8, 3, 4>>);
    // explicit_<P>: ⌊(n + 2P - k) / s⌋ + 1.
    static_assert(std::is_same_v<
                  output_of<conv2d<8, kernel<3>, stride<3>, padding::explicit_<2>>, shape<3, 8, 5>>,
                  shape<8, 4, 3>>);
    // Defaults: stride<1>, padding::same; a 1 × 1 kernel keeps the size.
    static_assert(std::is_same_v<output_of<conv2d<4, kernel<3>>, shape<3, 5, 7>>, shape<4, 5, 7>>);
    static_assert(std::is_same_v<output_of<conv2d<4, kernel<1>>, shape<3, 6, 6>>, shape<4, 6, 6>>);
    // SAME pads a kernel larger than the input; it always fits.
    static_assert(
        std::is_same_v<output_of<conv2d<4, kernel<7>, stride<2>>, shape<1, 3, 3>>, shape<4, 2, 2>>);
    // Options in any order after the kernel.
    static_assert(
        std::is_same_v<
            output_of<conv2d<8, kernel<3>, no_bias, padding::valid, stride<2>>, shape<3, 8, 7>>,
            output_of<conv2d<8, kernel<3>, stride<2>, padding::valid, no_bias>, shape<3, 8, 7>>>);
    // Parameters: weights OIHW, then scales with weight norm, then biases unless no_bias.
    static_assert(conv2d<5, kernel<3, 2>>::bind<shape<3, 6, 6>>::parameter_count == 5 * 3 * 6 + 5);
    static_assert(conv2d<5, kernel<3>, no_bias>::bind<shape<3, 6, 6>>::parameter_count ==
                  5 * 3 * 9);
    static_assert(conv2d<5, kernel<3>, weight_norm>::bind<shape<3, 6, 6>>::parameter_count ==
                  5 * 3 * 9 + 5 + 5);

    // ---------------------------------------------------------------------------------------
    // The reference: direct loops in double precision

    // One axis: the output size and the padding before the first input pixel, as TensorFlow's
    // documentation states them (written out here independently of the library).
    struct axis
    {
        std::size_t output;
        std::ptrdiff_t before;
    };

    axis tf_same(std::size_t in, std::size_t k, std::size_t s)
    {
        const std::size_t out = (in + s - 1) / s;
        const auto total = std::max<std::ptrdiff_t>(
            static_cast<std::ptrdiff_t>((out - 1) * s + k) - static_cast<std::ptrdiff_t>(in), 0);
        return {out, total / 2};
    }

    axis tf_valid(std::size_t in, std::size_t k, std::size_t s)
    {
        return {(in - k) / s + 1, 0};
    }

    axis tf_explicit(std::size_t in, std::size_t k, std::size_t s, std::size_t p)
    {
        return {(in + 2 * p - k) / s + 1, static_cast<std::ptrdiff_t>(p)};
    }

    struct geometry
    {
        std::size_t channels, height, width, filters;
        std::size_t kernel_height, kernel_width, stride_height, stride_width;
        axis rows, columns;
    };

    // Calls visit(input index, output index, weight index) for every product the convolution
    // sums: out[n, o, y, x] += in[n, c, y·s + i - top, x·s + j - left] · w[o, c, i, j].
    template <class Visit>
    void for_each_tap(const geometry& g, std::size_t batch, Visit&& visit)
    {
        const std::size_t out_h = g.rows.output, out_w = g.columns.output;
        for (std::size_t n = 0; n < batch; ++n)
            for (std::size_t o = 0; o < g.filters; ++o)
                for (std::size_t y = 0; y < out_h; ++y)
                    for (std::size_t x = 0; x < out_w; ++x)
                        for (std::size_t c = 0; c < g.channels; ++c)
                            for (std::size_t i = 0; i < g.kernel_height; ++i)
                                for (std::size_t j = 0; j < g.kernel_width; ++j)
                                {
                                    const auto h =
                                        static_cast<std::ptrdiff_t>(y * g.stride_height + i) -
                                        g.rows.before;
                                    const auto w =
                                        static_cast<std::ptrdiff_t>(x * g.stride_width + j) -
                                        g.columns.before;
                                    if (h < 0 || w < 0 ||
                                        h >= static_cast<std::ptrdiff_t>(g.height) ||
                                        w >= static_cast<std::ptrdiff_t>(g.width))
                                        continue;
                                    const std::size_t in_index =
                                        ((n * g.channels + c) * g.height + h) * g.width + w;
                                    const std::size_t out_index =
                                        ((n * g.filters + o) * out_h + y) * out_w + x;
                                    const std::size_t weight_index =
                                        ((o * g.channels + c) * g.kernel_height + i) *
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

    // The weights the layer convolves with: v itself, or g · v / ‖v‖ per output channel.
    template <class Layer>
    std::vector<float> effective_weights(const std::vector<float>& values)
    {
        std::vector<float> weights(values.begin(), values.begin() + Layer::weight_count);
        if constexpr (Layer::normalized)
        {
            const std::size_t filters = Layer::output_shape::extents[0];
            const std::size_t fan = Layer::weight_count / filters;
            for (std::size_t o = 0; o < filters; ++o)
            {
                double squares = 0.0;
                for (std::size_t i = 0; i < fan; ++i)
                    squares += static_cast<double>(weights[o * fan + i]) * weights[o * fan + i];
                const double factor = values[Layer::weight_count + o] / std::sqrt(squares);
                for (std::size_t i = 0; i < fan; ++i)
                    weights[o * fan + i] = static_cast<float>(weights[o * fan + i] * factor);
            }
        }
        return weights;
    }

    // Forward, backward with d_in and backward without it, at each batch size in turn (one
    // layer object, so plans for several batch sizes coexist), against the reference.
    template <class Spec, class In>
    void expect_matches_reference(const geometry& g, std::initializer_list<std::size_t> batches)
    {
        using layer_type = typename Spec::template bind<In>;
        using out_shape = typename layer_type::output_shape;
        BOOST_TEST_REQUIRE(out_shape::extents[0] == g.filters);
        BOOST_TEST_REQUIRE(out_shape::extents[1] == g.rows.output);
        BOOST_TEST_REQUIRE(out_shape::extents[2] == g.columns.output);

        random_stream random(11);
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
                testing::fill_normal(in, 100 + batch);
                tensor<out_shape> d_out(batch);
                testing::fill_normal(d_out, 200 + batch);
                const reference_result expected =
                    reference(g, batch, in.data(), weights, bias, d_out.data());

                context ctx(random);
                tensor<out_shape> out(batch);
                rig.layer.forward(in, out.view(), ctx);
                BOOST_TEST(testing::largest_error(out.span(), expected.out) < 1e-4);

                // d_in is overwritten; parameter gradients are added to what is there.
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

                    // Without d_in the parameter gradients still arrive, once more.
                    rig.layer.backward(in, out, d_out, {}, ctx);
                    for (std::size_t i = 0; i < added.size(); ++i)
                        added[i] = (rig.gradients[i] - 0.5f) / 2.0f;
                    BOOST_TEST(testing::largest_error(added, want) < 1e-4);
                }
            }
        }
    }

    template <class Layer>
    std::vector<double> channel_means(const tensor<typename Layer::output_shape>& out)
    {
        using out_shape = typename Layer::output_shape;
        const std::size_t channels = out_shape::extents[0];
        const std::size_t area = out_shape::size / channels;
        std::vector<double> means(channels, 0.0);
        for (std::size_t n = 0; n < out.batch(); ++n)
            for (std::size_t c = 0; c < channels; ++c)
                for (std::size_t i = 0; i < area; ++i)
                    means[c] += out[(n * channels + c) * area + i];
        for (double& mean : means)
            mean /= static_cast<double>(out.batch() * area);
        return means;
    }

    template <class Layer>
    std::vector<double> channel_deviations(const tensor<typename Layer::output_shape>& out)
    {
        using out_shape = typename Layer::output_shape;
        const std::size_t channels = out_shape::extents[0];
        const std::size_t area = out_shape::size / channels;
        const std::vector<double> means = channel_means<Layer>(out);
        std::vector<double> deviations(channels, 0.0);
        for (std::size_t n = 0; n < out.batch(); ++n)
            for (std::size_t c = 0; c < channels; ++c)
                for (std::size_t i = 0; i < area; ++i)
                {
                    const double centred = out[(n * channels + c) * area + i] - means[c];
                    deviations[c] += centred * centred;
                }
        for (double& deviation : deviations)
            deviation = std::sqrt(deviation / static_cast<double>(out.batch() * area));
        return deviations;
    }
}

// -------------------------------------------------------------------------------------------
// Forward and backward against the reference loops

BOOST_AUTO_TEST_CASE(conv2d_same_stride_2_on_odd_non_square_input_matches_reference_loops)
{
    // Rows: 7 → 4 with one padding row on each side; columns: 10 → 5 with one after only.
    expect_matches_reference<conv2d<5, kernel<3>, stride<2>, padding::same>, shape<3, 7, 10>>(
        {3, 7, 10, 5, 3, 3, 2, 2, tf_same(7, 3, 2), tf_same(10, 3, 2)}, {3, 1, 3});
}

BOOST_AUTO_TEST_CASE(conv2d_same_with_the_odd_padding_pixel_after_matches_reference_loops)
{
    // 12 → 6 pads 1 before and 2 after; 11 → 6 pads 2 and 2.
    expect_matches_reference<conv2d<4, kernel<5>, stride<2>>, shape<2, 12, 11>>(
        {2, 12, 11, 4, 5, 5, 2, 2, tf_same(12, 5, 2), tf_same(11, 5, 2)}, {1, 3});
}

BOOST_AUTO_TEST_CASE(conv2d_valid_with_rectangular_kernel_and_stride_matches_reference_loops)
{
    expect_matches_reference<conv2d<6, kernel<4, 3>, stride<2, 1>, padding::valid, no_bias>,
                             shape<2, 9, 6>>(
        {2, 9, 6, 6, 4, 3, 2, 1, tf_valid(9, 4, 2), tf_valid(6, 3, 1)}, {1, 3});
}

BOOST_AUTO_TEST_CASE(conv2d_explicit_padding_matches_reference_loops)
{
    expect_matches_reference<conv2d<7, kernel<3>, padding::explicit_<2>, stride<3>>,
                             shape<3, 8, 5>>(
        {3, 8, 5, 7, 3, 3, 3, 3, tf_explicit(8, 3, 3, 2), tf_explicit(5, 3, 3, 2)}, {3, 1});
}

BOOST_AUTO_TEST_CASE(conv2d_kernel_larger_than_the_input_under_same_padding_matches_reference)
{
    expect_matches_reference<conv2d<3, kernel<7>, stride<2>, no_bias>, shape<2, 3, 4>>(
        {2, 3, 4, 3, 7, 7, 2, 2, tf_same(3, 7, 2), tf_same(4, 7, 2)}, {3});
}

BOOST_AUTO_TEST_CASE(conv2d_weight_norm_forward_and_backward_data_match_reference_loops)
{
    expect_matches_reference<conv2d<5, kernel<3>, stride<2>, weight_norm_without_data_init>,
                             shape<3, 7, 6>>(
        {3, 7, 6, 5, 3, 3, 2, 2, tf_same(7, 3, 2), tf_same(6, 3, 2)}, {3, 1});
}

// -------------------------------------------------------------------------------------------
// Finite differences

BOOST_AUTO_TEST_CASE(conv2d_backward_matches_finite_differences)
{
    testing::gradient_options options;
    options.batch = 2;
    testing::expect_gradients_match<conv2d<4, kernel<3>, stride<2>>::bind<shape<3, 7, 6>>>(options,
                                                                                           1e-2);
    testing::expect_gradients_match<
        conv2d<3, kernel<2, 3>, padding::valid, no_bias>::bind<shape<2, 5, 6>>>(options, 1e-2);
    testing::expect_gradients_match<
        conv2d<5, kernel<3>, stride<2>, padding::explicit_<1>>::bind<shape<3, 6, 7>>>(options,
                                                                                      1e-2);
}

BOOST_AUTO_TEST_CASE(conv2d_weight_norm_backward_matches_finite_differences_in_both_modes)
{
    testing::gradient_options options;
    options.batch = 2;
    testing::expect_gradients_match_in_both_modes<
        conv2d<4, kernel<3>, stride<2>, weight_norm>::bind<shape<3, 7, 6>>>(options, 1e-2);
    testing::expect_gradients_match_in_both_modes<
        conv2d<3, kernel<3>, padding::valid, weight_norm_without_data_init,
               no_bias>::bind<shape<2, 6, 5>>>(options, 1e-2);
}

// -------------------------------------------------------------------------------------------
// Contract details

BOOST_AUTO_TEST_CASE(conv2d_without_parameter_gradients_leaves_them_and_still_gives_d_in)
{
    using layer_type = conv2d<4, kernel<3>, stride<2>>::bind<shape<3, 7, 6>>;
    random_stream random(3);
    testing::layer_rig<layer_type> rig(random);
    tensor<shape<3, 7, 6>> in(2);
    testing::fill_normal(in, 5);
    tensor<layer_type::output_shape> out(2), d_out(2, 1.0f);
    context ctx(random);
    rig.layer.forward(in, out.view(), ctx);

    std::fill(rig.gradients.begin(), rig.gradients.end(), 0.25f);
    tensor<shape<3, 7, 6>> d_in(2, std::numeric_limits<float>::quiet_NaN());
    ctx.parameter_gradients = false;
    rig.layer.backward(in, out, d_out, d_in.view(), ctx);

    BOOST_TEST(std::all_of(rig.gradients.begin(), rig.gradients.end(),
                           [](float value) { return value == 0.25f; }));
    BOOST_TEST(std::none_of(d_in.span().begin(), d_in.span().end(),
                            [](float value) { return std::isnan(value); }));
}

// oneDNN 2.6 takes the stored layouts as they are, so layers never copy weights there; this
// is the copy a layer makes where another version or processor prefers another layout.
BOOST_AUTO_TEST_CASE(weights_wanted_in_another_layout_are_copied_there_and_gradients_back)
{
    using namespace dnnl_compat;
    auto& engine = dnnl_runtime::get().engine();
    auto& stream = dnnl_runtime::get().stream();
    const dnnl::memory::dims dims{4, 3, 2, 2}; // O, I, KH, KW
    std::vector<float> stored(48), gradients(48, -1.0f);
    for (std::size_t i = 0; i < stored.size(); ++i)
        stored[i] = static_cast<float>(i);
    dnnl::memory stored_memory(plain_desc(dims, tag::oihw), engine, stored.data());
    dnnl::memory gradient_memory(plain_desc(dims, tag::oihw), engine, gradients.data());
    const auto wanted = plain_desc(dims, tag::iohw);

    detail::weights_copy weights = detail::adapt_weights(stored_memory, wanted, false);
    BOOST_TEST_REQUIRE(weights.needed);
    weights.run(stream);
    stream.wait();
    const auto* copied = static_cast<const float*>(weights.memory.get_data_handle());
    for (std::size_t o = 0; o < 4; ++o)
        for (std::size_t c = 0; c < 3; ++c)
            for (std::size_t k = 0; k < 4; ++k)
                BOOST_TEST(copied[(c * 4 + o) * 4 + k] == stored[(o * 3 + c) * 4 + k]);

    detail::weights_copy back = detail::adapt_weights(gradient_memory, wanted, true);
    BOOST_TEST_REQUIRE(back.needed);
    std::copy_n(copied, 48, static_cast<float*>(back.memory.get_data_handle()));
    back.run(stream);
    stream.wait();
    BOOST_TEST(gradients == stored, boost::test_tools::per_element());

    BOOST_TEST(!detail::adapt_weights(stored_memory, stored_memory.get_desc(), false).needed);
}

BOOST_AUTO_TEST_CASE(conv2d_describes_itself_as_written_with_its_defaults)
{
    BOOST_TEST((conv2d<32, kernel<5>, stride<2>, weight_norm>::describe()) ==
               "conv2d<32, kernel<5>, stride<2>, padding::same, weight_norm>");
    BOOST_TEST(
        (conv2d<8, kernel<3, 1>, padding::explicit_<1>, init::glorot, no_bias>::describe()) ==
        "conv2d<8, kernel<3, 1>, stride<1>, padding::explicit_<1>, init::glorot, no_bias>");
}

BOOST_AUTO_TEST_CASE(conv2d_he_initialization_scales_by_the_fan_in)
{
    using layer_type = conv2d<64, kernel<5>>::bind<shape<32, 8, 8>>;
    random_stream random(9);
    testing::layer_rig<layer_type> rig(random);
    double squares = 0.0;
    for (std::size_t i = 0; i < layer_type::weight_count; ++i)
        squares += static_cast<double>(rig.values[i]) * rig.values[i];
    const double deviation = std::sqrt(squares / layer_type::weight_count);
    BOOST_TEST(deviation == std::sqrt(2.0 / (32 * 25)), boost::test_tools::tolerance(0.02));
}

// -------------------------------------------------------------------------------------------
// Data-dependent initialization

BOOST_AUTO_TEST_CASE(conv2d_weight_norm_data_init_standardizes_each_output_channel)
{
    using layer_type = conv2d<6, kernel<3>, stride<2>, weight_norm>::bind<shape<3, 11, 9>>;
    random_stream random(21);
    testing::layer_rig<layer_type> rig(random);
    tensor<shape<3, 11, 9>> in(16);
    testing::fill_normal(in, 22, 0.7f, 2.0f);
    tensor<layer_type::output_shape> out(16), again(16);

    context ctx(random);
    ctx.initializing = true;
    rig.layer.forward(in, out.view(), ctx);
    for (double mean : channel_means<layer_type>(out))
        BOOST_TEST(std::abs(mean) < 1e-4);
    for (double deviation : channel_deviations<layer_type>(out))
        BOOST_TEST(deviation == 1.0, boost::test_tools::tolerance(1e-3));

    // The standardized output is what the new scales and biases give.
    ctx.initializing = false;
    rig.layer.forward(in, again.view(), ctx);
    BOOST_TEST(testing::largest_error(again.span(), out.span()) < 1e-4);
}

BOOST_AUTO_TEST_CASE(conv2d_weight_norm_data_init_without_bias_gives_unit_deviation)
{
    using layer_type = conv2d<5, kernel<3>, weight_norm, no_bias>::bind<shape<2, 7, 7>>;
    random_stream random(23);
    testing::layer_rig<layer_type> rig(random);
    tensor<shape<2, 7, 7>> in(8);
    testing::fill_normal(in, 24, 0.5f, 1.5f);
    tensor<layer_type::output_shape> out(8), again(8);

    context ctx(random);
    ctx.initializing = true;
    rig.layer.forward(in, out.view(), ctx);
    for (double deviation : channel_deviations<layer_type>(out))
        BOOST_TEST(deviation == 1.0, boost::test_tools::tolerance(1e-3));

    ctx.initializing = false;
    rig.layer.forward(in, again.view(), ctx);
    BOOST_TEST(testing::largest_error(again.span(), out.span()) < 1e-4);
}

// -------------------------------------------------------------------------------------------
// The SSGAN discriminators

namespace
{
    using mnist_discriminator =
        network<input<1, 28, 28>, conv2d<32, kernel<5>, stride<2>>, leaky_relu<>,
                conv2d<64, kernel<5>, stride<2>>, leaky_relu<>, conv2d<128, kernel<5>, stride<2>>,
                leaky_relu<>, flatten, dense<10>>;

    // Salimans et al. 2016, CIFAR-10: 3 × 3 convolutions with weight norm, 96 then 192
    // channels, SAME and VALID, then 1 × 1 (network in network) and global average pooling.
    using cifar_discriminator = network<
        input<3, 32, 32>, dropout<0.2f>, conv2d<96, kernel<3>, weight_norm>, leaky_relu<>,
        conv2d<96, kernel<3>, weight_norm>, leaky_relu<>,
        conv2d<96, kernel<3>, stride<2>, weight_norm>, leaky_relu<>, dropout<0.5f>,
        conv2d<192, kernel<3>, weight_norm>, leaky_relu<>, conv2d<192, kernel<3>, weight_norm>,
        leaky_relu<>, conv2d<192, kernel<3>, stride<2>, weight_norm>, leaky_relu<>, dropout<0.5f>,
        conv2d<192, kernel<3>, padding::valid, weight_norm>, leaky_relu<>,
        conv2d<192, kernel<1>, weight_norm>, leaky_relu<>, conv2d<192, kernel<1>, weight_norm>,
        leaky_relu<>, global_average_pool, dense<10, weight_norm>>;

    static_assert(std::is_same_v<mnist_discriminator::output_shape_of<4>, shape<128, 4, 4>>);
    static_assert(std::is_same_v<cifar_discriminator::output_shape_of<7>, shape<96, 16, 16>>);
    static_assert(std::is_same_v<cifar_discriminator::output_shape_of<14>, shape<192, 8, 8>>);
    static_assert(std::is_same_v<cifar_discriminator::output_shape_of<15>, shape<192, 6, 6>>);

    template <class Network>
    void expect_runs(std::size_t batch, bool data_init)
    {
        random_stream random(31);
        Network net;
        net.initialize(random);
        tensor<typename Network::input_shape> in(batch);
        testing::fill_normal(in, 32);
        context ctx(random);
        if (data_init)
            net.initialize_from_data(in, ctx);

        const auto out = net.forward(in, ctx);
        BOOST_TEST(std::all_of(out.span().begin(), out.span().end(),
                               [](float value) { return std::isfinite(value); }));
        tensor<typename Network::output_shape> d_out(batch, 1.0f);
        tensor<typename Network::input_shape> d_in(batch);
        net.backward(d_out, ctx, d_in.view());
        BOOST_TEST(std::all_of(d_in.span().begin(), d_in.span().end(),
                               [](float value) { return std::isfinite(value); }));
        BOOST_TEST(std::any_of(net.gradients().begin(), net.gradients().end(),
                               [](float value) { return value != 0.0f; }));
    }
}

BOOST_AUTO_TEST_CASE(ssgan_mnist_discriminator_binds_and_runs)
{
    expect_runs<mnist_discriminator>(3, false);
}

BOOST_AUTO_TEST_CASE(ssgan_cifar_discriminator_binds_initializes_from_data_and_runs)
{
    expect_runs<cifar_discriminator>(2, true);
}
