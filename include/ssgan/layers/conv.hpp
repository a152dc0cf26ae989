// Two-dimensional convolution on oneDNN: `conv2d<Filters, kernel<KH, KW>, stride<SH, SW>,
// Padding, Options...>` takes C × H × W and gives Filters × H' × W'. Per axis, with input n,
// kernel k and stride s, TensorFlow's rules: padding::same n' = ⌈n / s⌉ (the odd padding pixel
// goes after), padding::valid n' = ⌈(n - k + 1) / s⌉, padding::explicit_<P> n' = ⌊(n + 2P - k)
// / s⌋ + 1. Stride, padding and the options of dense (an initializer, `no_bias`, `weight_norm`,
// `weight_norm_without_data_init`) may come in any order after the kernel; the defaults are
// stride<1>, padding::same and init::he. Parameters: the weights, Filters × C × KH × KW
// row-major (OIHW, whatever layout oneDNN runs on), then the weight-norm scales, then biases.
#pragma once

#include "../core/aligned.hpp"
#include "../core/diagnostics.hpp"
#include "../core/dnnl_runtime.hpp"
#include "../core/error.hpp"
#include "../core/init.hpp"
#include "../core/type_list.hpp"
#include "../nn/layer.hpp"
#include "dense.hpp"

#include <algorithm>
#include <cmath>
#include <compare>
#include <cstddef>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace ssgan
{
    // Spec argument: the kernel's height and width.
    template <std::size_t Height, std::size_t Width = Height>
    struct kernel
    {
        static_assert(Height > 0 && Width > 0, "kernel: both extents are positive");
        static constexpr std::size_t height = Height;
        static constexpr std::size_t width = Width;

        static std::string describe()
        {
            return "kernel<" + std::to_string(Height) +
                   (Height == Width ? "" : ", " + std::to_string(Width)) + ">";
        }
    };

    // Spec option: the step between kernel positions, vertically and horizontally.
    template <std::size_t Height, std::size_t Width = Height>
    struct stride
    {
        static_assert(Height > 0 && Width > 0, "stride: both steps are positive");
        static constexpr std::size_t height = Height;
        static constexpr std::size_t width = Width;

        static std::string describe()
        {
            return "stride<" + std::to_string(Height) +
                   (Height == Width ? "" : ", " + std::to_string(Width)) + ">";
        }
    };

    namespace detail
    {
        // One spatial axis of a convolution: the kernel slides over `padded` positions (the
        // input with `before` and `after` added) and stops at `output` places. `fits` is false
        // when the kernel is larger than the padded input.
        struct convolution_axis
        {
            bool fits;
            std::size_t padded;
            std::size_t output;
            std::ptrdiff_t before;
            std::ptrdiff_t after;
        };

        constexpr convolution_axis slide(std::size_t input, std::size_t kernel, std::size_t stride,
                                         std::size_t before, std::size_t after)
        {
            const std::size_t padded = input + before + after;
            const bool fits = kernel <= padded;
            return {fits, padded, fits ? (padded - kernel) / stride + 1 : 0,
                    static_cast<std::ptrdiff_t>(before), static_cast<std::ptrdiff_t>(after)};
        }
    }

    // Padding rules (a spec option). Each gives the convolution's geometry on one axis and the
    // output size a transposed convolution gives by default.
    namespace padding
    {
        // TensorFlow's SAME: as little padding as makes ⌈n / s⌉ outputs, half before and the
        // rest (the odd pixel) after.
        struct same
        {
            static std::string describe() { return "padding::same"; }

            static constexpr detail::convolution_axis
            convolution(std::size_t input, std::size_t kernel, std::size_t stride)
            {
                const std::size_t output = (input + stride - 1) / stride;
                const std::size_t reach = (output - 1) * stride + kernel;
                const std::size_t total = reach > input ? reach - input : 0;
                return detail::slide(input, kernel, stride, total / 2, total - total / 2);
            }

            static constexpr std::ptrdiff_t transposed_output(std::size_t input, std::size_t,
                                                              std::size_t stride)
            {
                return static_cast<std::ptrdiff_t>(input * stride);
            }
        };

        // No padding; kernel positions that would leave the input are dropped.
        struct valid
        {
            static std::string describe() { return "padding::valid"; }

            static constexpr detail::convolution_axis
            convolution(std::size_t input, std::size_t kernel, std::size_t stride)
            {
                return detail::slide(input, kernel, stride, 0, 0);
            }

            static constexpr std::ptrdiff_t transposed_output(std::size_t input, std::size_t kernel,
                                                              std::size_t stride)
            {
                return static_cast<std::ptrdiff_t>((input - 1) * stride + kernel);
            }
        };

        // Pixels zeros on every side.
        template <std::size_t Pixels>
        struct explicit_
        {
            static std::string describe()
            {
                return "padding::explicit_<" + std::to_string(Pixels) + ">";
            }

            static constexpr detail::convolution_axis
            convolution(std::size_t input, std::size_t kernel, std::size_t stride)
            {
                return detail::slide(input, kernel, stride, Pixels, Pixels);
            }

            static constexpr std::ptrdiff_t transposed_output(std::size_t input, std::size_t kernel,
                                                              std::size_t stride)
            {
                return static_cast<std::ptrdiff_t>((input - 1) * stride + kernel) -
                       static_cast<std::ptrdiff_t>(2 * Pixels);
            }
        };
    }

    // Spec option of deconv2d: the output's height and width, when the padding rule's default
    // is not the one wanted.
    template <std::size_t Height, std::size_t Width = Height>
    struct output_size
    {
        static_assert(Height > 0 && Width > 0, "output_size: both extents are positive");
        static constexpr std::size_t height = Height;
        static constexpr std::size_t width = Width;

        static std::string describe()
        {
            return "output_size<" + std::to_string(Height) +
                   (Height == Width ? "" : ", " + std::to_string(Width)) + ">";
        }
    };

    // What a diagnostic shows for a kernel that does not fit: the input's extents once padded.
    template <std::size_t Height, std::size_t Width>
    struct padded_input
    {
    };

    namespace detail
    {
        template <class T>
        struct is_kernel : std::false_type
        {
        };
        template <std::size_t H, std::size_t W>
        struct is_kernel<kernel<H, W>> : std::true_type
        {
        };

        template <class T>
        struct is_stride : std::false_type
        {
        };
        template <std::size_t H, std::size_t W>
        struct is_stride<stride<H, W>> : std::true_type
        {
        };

        template <class T>
        struct is_padding : std::bool_constant<std::is_same_v<T, padding::same> ||
                                               std::is_same_v<T, padding::valid>>
        {
        };
        template <std::size_t P>
        struct is_padding<padding::explicit_<P>> : std::true_type
        {
        };

        template <class T>
        struct is_output_size : std::false_type
        {
        };
        template <std::size_t H, std::size_t W>
        struct is_output_size<output_size<H, W>> : std::true_type
        {
        };

        template <class T>
        struct is_initializer : std::bool_constant<init::initializer<T>>
        {
        };

        template <class T>
        struct is_flag
            : std::bool_constant<std::is_same_v<T, no_bias> || std::is_same_v<T, weight_norm> ||
                                 std::is_same_v<T, weight_norm_without_data_init>>
        {
        };

        // The first option with Trait, or Default.
        template <template <class> class Trait, class Default, class... Options>
        struct first_option
        {
            using type = Default;
        };

        template <template <class> class Trait, class Default, class Head, class... Tail>
        struct first_option<Trait, Default, Head, Tail...>
        {
            using type = std::conditional_t<Trait<Head>::value, Head,
                                            typename first_option<Trait, Default, Tail...>::type>;
        };

        template <template <class> class Trait, class... Options>
        inline constexpr std::size_t count_options = (std::size_t{Trait<Options>::value} + ... +
                                                      std::size_t{0});

        // The arguments of conv2d (AllowOutputSize false) or deconv2d (true) make sense. Checked
        // before anything reads them, so a wrong argument gives this message and no other.
        template <bool AllowOutputSize, std::size_t Filters, class Kernel, class... Options>
        constexpr bool check_convolution_arguments()
        {
            static_assert(Filters > 0, "conv2d/deconv2d: the number of filters is positive");
            static_assert(is_kernel<Kernel>::value,
                          "conv2d/deconv2d: the second argument is kernel<KH, KW>");
            static_assert(((is_stride<Options>::value || is_padding<Options>::value ||
                            is_initializer<Options>::value || is_flag<Options>::value ||
                            (AllowOutputSize && is_output_size<Options>::value)) &&
                           ...),
                          "conv2d/deconv2d: an option is none of stride<...>, a padding rule, "
                          "an initializer, no_bias, weight_norm, "
                          "weight_norm_without_data_init (or, for deconv2d, output_size<...>)");
            static_assert(count_options<is_stride, Options...> <= 1,
                          "conv2d/deconv2d: give at most one stride");
            static_assert(count_options<is_padding, Options...> <= 1,
                          "conv2d/deconv2d: give at most one padding rule");
            static_assert(count_options<is_initializer, Options...> <= 1,
                          "conv2d/deconv2d: give at most one initializer");
            static_assert(count_options<is_output_size, Options...> <= 1,
                          "deconv2d: give at most one output_size");
            static_assert(!(has_option<weight_norm, Options...> &&
                            has_option<weight_norm_without_data_init, Options...>),
                          "conv2d/deconv2d: weight_norm and weight_norm_without_data_init "
                          "exclude each other");
            return true;
        }

        // The hyper-parameters of conv2d and deconv2d, read from the spec's arguments.
        template <std::size_t Filters, class Kernel, class... Options>
        struct convolution_settings
        {
            static constexpr std::size_t filters = Filters;
            static constexpr std::size_t kernel_height = Kernel::height;
            static constexpr std::size_t kernel_width = Kernel::width;
            using stride_type = typename first_option<is_stride, stride<1>, Options...>::type;
            using padding_type = typename first_option<is_padding, padding::same, Options...>::type;
            using output_size_type = typename first_option<is_output_size, void, Options...>::type;
            using initializer = init::chosen<init::he, Options...>;
            static constexpr std::size_t stride_height = stride_type::height;
            static constexpr std::size_t stride_width = stride_type::width;
            static constexpr bool biased = !has_option<no_bias, Options...>;
            static constexpr bool data_init = has_option<weight_norm, Options...>;
            static constexpr bool normalized =
                data_init || has_option<weight_norm_without_data_init, Options...>;

            // "conv2d<32, kernel<5>, stride<2>, padding::same, weight_norm>".
            static std::string describe(const char* name)
            {
                std::string text = std::string(name) + "<" + std::to_string(Filters) + ", " +
                                   Kernel::describe() + ", " + stride_type::describe() + ", " +
                                   padding_type::describe();
                if constexpr (!std::is_void_v<output_size_type>)
                    text += ", " + output_size_type::describe();
                if constexpr ((is_initializer<Options>::value || ...))
                    text += std::string(", ") + initializer::name;
                return text + describe_options<Options...>() + ">";
            }
        };

        // Extent Index of S, or 1 where S has no such extent, so that a layer given the wrong
        // rank still has a well-formed output shape and the only error is its diagnostic.
        template <shape_type S, std::size_t Index>
        inline constexpr std::size_t extent_or_one = Index < S::rank ? S::extents[Index] : 1;

        template <class Spec, shape_type In>
        struct convolution_geometry
        {
            using settings = typename Spec::settings;
            using padding_type = typename settings::padding_type;

            static constexpr std::size_t in_channels = extent_or_one<In, 0>;
            static constexpr convolution_axis rows = padding_type::convolution(
                extent_or_one<In, 1>, settings::kernel_height, settings::stride_height);
            static constexpr convolution_axis columns = padding_type::convolution(
                extent_or_one<In, 2>, settings::kernel_width, settings::stride_width);

            static_assert(
                rule_holds<In::rank == 3,
                           SSGAN_SHAPE_MISMATCH<
                               Spec, rule::layer_needs_a_rank_3_channels_height_width_input, In>>);
            static constexpr bool kernel_fits = In::rank != 3 || (rows.fits && columns.fits);
            static_assert(
                rule_holds<kernel_fits,
                           SSGAN_SHAPE_MISMATCH<Spec, rule::kernel_must_not_exceed_the_padded_input,
                                                In, padded_input<rows.padded, columns.padded>>>);

            using output_shape = shape<settings::filters, std::max<std::size_t>(rows.output, 1),
                                       std::max<std::size_t>(columns.output, 1)>;

            static constexpr std::size_t fan_in =
                in_channels * settings::kernel_height * settings::kernel_width;
            static constexpr std::size_t fan_out =
                settings::filters * settings::kernel_height * settings::kernel_width;
        };

        // Where each weight lives: index ((outer · filters + o) · inner + k) for output channel
        // o. A convolution stores O × I × KH × KW (outer 1, inner I·KH·KW); a transposed one
        // I × O × KH × KW (outer I, inner KH·KW).
        struct weight_layout
        {
            std::size_t outer;
            std::size_t filters;
            std::size_t inner;
        };

        // Weight normalization per output channel (Salimans & Kingma 2016): w = g · v / ‖v‖,
        // the norm over all the weights of one output channel.
        class channel_weight_norm
        {
        public:
            void resize(weight_layout layout)
            {
                layout_ = layout;
                norms_.assign(layout.filters, 0.0f);
                sums_.assign(layout.filters, 0.0);
            }

            // w from v and g; keeps ‖v‖ for the backward pass.
            void apply(const float* v, const float* g, float* w)
            {
                std::fill(sums_.begin(), sums_.end(), 0.0);
                visit([&](std::size_t o, std::size_t index)
                      { sums_[o] += static_cast<double>(v[index]) * v[index]; });
                for (std::size_t o = 0; o < layout_.filters; ++o)
                    norms_[o] = static_cast<float>(std::sqrt(sums_[o] + weight_norm_epsilon));
                visit([&](std::size_t o, std::size_t index)
                      { w[index] = v[index] * (g[o] / norms_[o]); });
            }

            // With G = dL/dw: dL/dg += G·v / ‖v‖, dL/dv += (g / ‖v‖) (G - (dL/dg / ‖v‖) v).
            void accumulate(const float* v, const float* g, const float* d_w, float* d_v,
                            float* d_g)
            {
                std::fill(sums_.begin(), sums_.end(), 0.0);
                visit([&](std::size_t o, std::size_t index)
                      { sums_[o] += static_cast<double>(d_w[index]) * v[index]; });
                for (std::size_t o = 0; o < layout_.filters; ++o)
                {
                    sums_[o] /= norms_[o];
                    d_g[o] += static_cast<float>(sums_[o]);
                }
                visit(
                    [&](std::size_t o, std::size_t index)
                    {
                        const float d_scale = static_cast<float>(sums_[o]);
                        d_v[index] +=
                            (g[o] / norms_[o]) * (d_w[index] - (d_scale / norms_[o]) * v[index]);
                    });
            }

        private:
            template <class Body>
            void visit(Body&& body) const
            {
                std::size_t index = 0;
                for (std::size_t outer = 0; outer < layout_.outer; ++outer)
                    for (std::size_t o = 0; o < layout_.filters; ++o)
                        for (std::size_t k = 0; k < layout_.inner; ++k)
                            body(o, index++);
            }

            weight_layout layout_{};
            aligned_buffer norms_;
            std::vector<double> sums_;
        };

        // What a convolution differs in from a transposed convolution: geometry, primitives,
        // and how the weights are stored.
        struct convolution_operation
        {
            template <class Spec, shape_type In>
            using geometry = convolution_geometry<Spec, In>;
            using forward_primitive = dnnl::convolution_forward;
            using backward_data_primitive = dnnl::convolution_backward_data;
            using backward_weights_primitive = dnnl::convolution_backward_weights;
            static constexpr dnnl::algorithm algorithm = dnnl::algorithm::convolution_direct;
            // oneDNN's weight dimensions are (O, I, KH, KW) for both; stored in that order.
            static constexpr dnnl::memory::format_tag weights_tag = dnnl::memory::format_tag::oihw;
            static constexpr bool input_channels_outer = false;
            // Each output position uses every weight once (padding counted as data).
            static constexpr std::size_t positions(std::size_t, std::size_t output_area)
            {
                return output_area;
            }
        };

        // Weights as a primitive reads or writes them. When oneDNN picks the layout the layer
        // stores, `memory` is the layer's own buffer; otherwise a plan-owned copy in oneDNN's
        // layout and the reorder that fills it (or empties it, for gradients).
        struct weights_copy
        {
            bool needed = false;
            dnnl::memory memory;
            dnnl::reorder reorder;
            std::unordered_map<int, dnnl::memory> arguments;

            void run(dnnl::stream& stream)
            {
                if (needed)
                    reorder.execute(stream, arguments);
            }
        };

        // `stored` wraps the layer's buffer; `wanted` is the primitive's layout. Toward_stored
        // for gradients (oneDNN's layout to the layer's), otherwise the other way round.
        inline weights_copy adapt_weights(const dnnl::memory& stored,
                                          const dnnl::memory::desc& wanted, bool toward_stored)
        {
            if (wanted == stored.get_desc())
                return {false, stored, {}, {}};
            dnnl::memory copy(wanted, dnnl_runtime::get().engine());
            const dnnl::memory& from = toward_stored ? copy : stored;
            const dnnl::memory& to = toward_stored ? stored : copy;
            return {true,
                    copy,
                    dnnl::reorder(dnnl_compat::reorder_between(from.get_desc(), to.get_desc())),
                    {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}}};
        }

        // A convolution or transposed convolution bound to its input shape. Activations stay
        // plain NCHW, in and out of the network's buffers. The weights are offered to oneDNN in
        // any layout it likes and copied per step only where it picks another than the stored
        // one: with plain activations oneDNN 2.6 takes OIHW for convolutions and IOHW for
        // transposed ones (its GEMM kernels; on plain OIHW a transposed convolution falls to a
        // reference kernel some thousand times slower), so on 2.6 nothing is copied.
        template <class Operation, class Spec, shape_type In>
        class strided_layer
            : public layer_base<In, typename Operation::template geometry<Spec, In>::output_shape>
        {
            using geometry = typename Operation::template geometry<Spec, In>;
            using settings = typename Spec::settings;
            using Out = typename geometry::output_shape;

            static constexpr std::size_t filters = settings::filters;
            static constexpr std::size_t kernel_height = settings::kernel_height;
            static constexpr std::size_t kernel_width = settings::kernel_width;
            static constexpr std::size_t area = Out::size / filters;

        public:
            static constexpr std::size_t in_channels = geometry::in_channels;
            static constexpr bool biased = settings::biased;
            static constexpr bool normalized = settings::normalized;
            static constexpr bool data_init = settings::data_init;
            static constexpr std::size_t weight_count =
                filters * in_channels * kernel_height * kernel_width;
            static constexpr std::size_t parameter_count =
                weight_count + (normalized ? filters : 0) + (biased ? filters : 0);
            static constexpr std::size_t forward_flops =
                2 * weight_count * Operation::positions(In::size / in_channels, area);
            static constexpr weight_layout layout =
                Operation::input_channels_outer
                    ? weight_layout{in_channels, filters, kernel_height* kernel_width}
                    : weight_layout{1, filters, in_channels* kernel_height* kernel_width};

            using initializer = typename settings::initializer;

            static std::string describe() { return Spec::describe(); }

            void attach(parameter_block block)
            {
                weights_ = block.values.data();
                weight_gradients_ = block.gradients.data();
                std::size_t offset = weight_count;
                if constexpr (normalized)
                {
                    scale_ = block.values.data() + offset;
                    scale_gradients_ = block.gradients.data() + offset;
                    offset += filters;
                    effective_.assign(weight_count, 0.0f);
                    norm_.resize(layout);
                }
                if constexpr (biased)
                {
                    bias_ = block.values.data() + offset;
                    bias_gradients_ = block.gradients.data() + offset;
                    d_bias_.assign(filters, 0.0f);
                }
                d_weights_.assign(weight_count, 0.0f);
            }

            void initialize(random_stream& random)
            {
                std::span<float> weights(weights_, weight_count);
                if constexpr (normalized)
                {
                    // Only the direction of v matters; a fixed spread keeps ‖v‖ well scaled.
                    random.fill_normal(weights, 0.0f, 0.05f);
                    std::fill_n(scale_, filters, 1.0f);
                }
                else
                {
                    initializer::fill(weights, geometry::fan_in, geometry::fan_out, random);
                }
                if constexpr (biased)
                    std::fill_n(bias_, filters, 0.0f);
            }

            void forward(const_tensor_view<In> in, tensor_view<Out> out, context& ctx)
            {
                if constexpr (normalized)
                {
                    if (data_init && ctx.initializing)
                    {
                        initialize_from(in, out);
                        return;
                    }
                    norm_.apply(weights_, scale_, effective_.data());
                }
                run(plan_for(in.batch()).forward, in, out);
            }

            // Forward with `activation`, the element-wise layer after this one, as a oneDNN
            // post-op: `activated` receives f(conv(in)) in the same pass over the output, and
            // the convolution's own result is never stored. Backward reads only `in` and
            // `d_out`, so it needs nothing that this skips; the activation's backward must read
            // only its output. Data-dependent initialization needs the convolution's own
            // result, so during it only forward is allowed.
            void forward_fused(const_tensor_view<In> in, tensor_view<Out> activated, context& ctx,
                               const eltwise_post_op& activation)
            {
                if constexpr (data_init)
                    if (ctx.initializing)
                        throw config_error(describe() +
                                           ": forward_fused during data-dependent "
                                           "initialization; the scales come from the "
                                           "pre-activations, which only forward gives");
                if constexpr (normalized)
                    norm_.apply(weights_, scale_, effective_.data());
                run(fused_plan_for(in.batch(), activation), in, activated);
            }

            void backward(const_tensor_view<In> in, const_tensor_view<Out>,
                          const_tensor_view<Out> d_out, tensor_view<In> d_in, context& ctx)
            {
                plan& current = plan_for(in.batch());
                auto& stream = dnnl_runtime::get().stream();
                current.diff_destination.set_data_handle(const_cast<float*>(d_out.data()));

                if (!d_in.empty())
                {
                    current.weights.set_data_handle(const_cast<float*>(used_weights()));
                    current.backward_data_weights.run(stream);
                    current.diff_source.set_data_handle(d_in.data());
                    current.backward_data.execute(stream, current.backward_data_arguments);
                }
                if (ctx.parameter_gradients)
                {
                    // oneDNN overwrites its weight gradients; ours accumulate, so it writes
                    // into scratch that is then added.
                    current.source.set_data_handle(const_cast<float*>(in.data()));
                    current.diff_weights.set_data_handle(d_weights_.data());
                    if constexpr (biased)
                        current.diff_bias.set_data_handle(d_bias_.data());
                    current.backward_weights.execute(stream, current.backward_weights_arguments);
                    current.diff_weights_copy.run(stream);
                }
                stream.wait();

                if (ctx.parameter_gradients)
                    accumulate_parameter_gradients();
            }

        private:
            using forward_primitive = typename Operation::forward_primitive;
            using backward_data_primitive = typename Operation::backward_data_primitive;
            using backward_weights_primitive = typename Operation::backward_weights_primitive;

            // One forward primitive and the memory objects it reads and writes.
            struct forward_pass
            {
                forward_primitive primitive;
                dnnl::memory source, bias, destination;
                // The layer's own weights, and the primitive's view of them.
                dnnl::memory weights;
                weights_copy weights_in_layout;
                std::unordered_map<int, dnnl::memory> arguments;
            };

            // What a training step runs: the plain forward pass and the two backward passes.
            struct plan
            {
                forward_pass forward;
                backward_data_primitive backward_data;
                backward_weights_primitive backward_weights;
                dnnl::memory source, diff_destination, diff_source, diff_bias;
                // The layer's own weights and weight gradients, and the primitives' views.
                dnnl::memory weights, diff_weights;
                weights_copy backward_data_weights, diff_weights_copy;
                std::unordered_map<int, dnnl::memory> backward_data_arguments;
                std::unordered_map<int, dnnl::memory> backward_weights_arguments;
            };

            // A fused forward pass is a primitive of its own, planned per batch size and
            // activation (a layer in a network only ever meets the one after it).
            struct fused_key
            {
                std::size_t batch;
                eltwise_post_op activation;

                friend auto operator<=>(const fused_key&, const fused_key&) = default;
            };

            // The memory descriptors and geometry of one batch size.
            struct descriptors
            {
                dnnl::memory::desc source, destination, stored_weights, any_weights, bias;
                dnnl_compat::strided_geometry where;
            };

            static descriptors descriptors_for(std::size_t rows)
            {
                using namespace dnnl_compat;
                using dim = dnnl::memory::dim;
                const auto n = static_cast<dim>(rows);
                const dnnl::memory::dims weight_dims{
                    static_cast<dim>(filters), static_cast<dim>(in_channels),
                    static_cast<dim>(kernel_height), static_cast<dim>(kernel_width)};
                return {
                    plain_desc({n, static_cast<dim>(in_channels), static_cast<dim>(In::extents[1]),
                                static_cast<dim>(In::extents[2])},
                               tag::nchw),
                    plain_desc({n, static_cast<dim>(filters), static_cast<dim>(Out::extents[1]),
                                static_cast<dim>(Out::extents[2])},
                               tag::nchw),
                    plain_desc(weight_dims, Operation::weights_tag),
                    plain_desc(weight_dims, tag::any),
                    biased ? plain_desc({static_cast<dim>(filters)}, tag::x) : dnnl::memory::desc(),
                    {{static_cast<dim>(settings::stride_height),
                      static_cast<dim>(settings::stride_width)},
                     {static_cast<dim>(geometry::rows.before),
                      static_cast<dim>(geometry::columns.before)},
                     {static_cast<dim>(geometry::rows.after),
                      static_cast<dim>(geometry::columns.after)}}};
            }

            // Memory whose data pointer is set before each run.
            static dnnl::memory unbound(const dnnl::memory::desc& desc)
            {
                return dnnl::memory(desc, dnnl_runtime::get().engine(), DNNL_MEMORY_NONE);
            }

            static forward_pass
            make_forward_pass(const descriptors& described,
                              const typename forward_primitive::primitive_desc& forward_pd)
            {
                forward_pass made;
                made.primitive = forward_primitive(forward_pd);
                made.source = unbound(described.source);
                made.destination = unbound(described.destination);
                made.weights = unbound(described.stored_weights);
                made.weights_in_layout =
                    adapt_weights(made.weights, forward_pd.weights_desc(), false);
                made.arguments = {{DNNL_ARG_SRC, made.source},
                                  {DNNL_ARG_WEIGHTS, made.weights_in_layout.memory},
                                  {DNNL_ARG_DST, made.destination}};
                if constexpr (biased)
                {
                    made.bias = unbound(described.bias);
                    made.arguments.emplace(DNNL_ARG_BIAS, made.bias);
                }
                return made;
            }

            plan& plan_for(std::size_t batch)
            {
                return plans_.get(
                    batch,
                    [](std::size_t rows)
                    {
                        using namespace dnnl_compat;
                        const descriptors described = descriptors_for(rows);
                        const auto forward_pd = strided_forward<forward_primitive>(
                            Operation::algorithm, described.source, described.any_weights,
                            described.bias, described.destination, described.where);
                        const auto backward_data_pd =
                            strided_backward_data<backward_data_primitive>(
                                Operation::algorithm, described.source, described.any_weights,
                                described.destination, described.where, forward_pd);
                        const auto backward_weights_pd =
                            strided_backward_weights<backward_weights_primitive>(
                                Operation::algorithm, described.source, described.any_weights,
                                described.bias, described.destination, described.where, forward_pd);

                        plan made;
                        made.forward = make_forward_pass(described, forward_pd);
                        made.backward_data = backward_data_primitive(backward_data_pd);
                        made.backward_weights = backward_weights_primitive(backward_weights_pd);
                        made.source = unbound(described.source);
                        made.diff_destination = unbound(described.destination);
                        made.diff_source = unbound(described.source);
                        made.weights = unbound(described.stored_weights);
                        made.diff_weights = unbound(described.stored_weights);
                        made.backward_data_weights =
                            adapt_weights(made.weights, backward_data_pd.weights_desc(), false);
                        made.diff_weights_copy = adapt_weights(
                            made.diff_weights, backward_weights_pd.diff_weights_desc(), true);

                        made.backward_data_arguments = {
                            {DNNL_ARG_DIFF_DST, made.diff_destination},
                            {DNNL_ARG_WEIGHTS, made.backward_data_weights.memory},
                            {DNNL_ARG_DIFF_SRC, made.diff_source}};
                        made.backward_weights_arguments = {
                            {DNNL_ARG_SRC, made.source},
                            {DNNL_ARG_DIFF_DST, made.diff_destination},
                            {DNNL_ARG_DIFF_WEIGHTS, made.diff_weights_copy.memory}};
                        if constexpr (biased)
                        {
                            made.diff_bias = unbound(described.bias);
                            made.backward_weights_arguments.emplace(DNNL_ARG_DIFF_BIAS,
                                                                    made.diff_bias);
                        }
                        return made;
                    });
            }

            forward_pass& fused_plan_for(std::size_t batch, const eltwise_post_op& activation)
            {
                return fused_plans_.get(
                    {batch, activation},
                    [](const fused_key& key)
                    {
                        using namespace dnnl_compat;
                        const descriptors described = descriptors_for(key.batch);
                        const auto forward_pd = strided_forward<forward_primitive>(
                            Operation::algorithm, described.source, described.any_weights,
                            described.bias, described.destination, described.where,
                            with_post_op(key.activation));
                        return make_forward_pass(described, forward_pd);
                    });
            }

            const float* used_weights() const
            {
                if constexpr (normalized)
                    return effective_.data();
                else
                    return weights_;
            }

            void run(forward_pass& pass, const_tensor_view<In> in, tensor_view<Out> out)
            {
                auto& stream = dnnl_runtime::get().stream();
                pass.weights.set_data_handle(const_cast<float*>(used_weights()));
                pass.weights_in_layout.run(stream);
                pass.source.set_data_handle(const_cast<float*>(in.data()));
                if constexpr (biased)
                    pass.bias.set_data_handle(bias_);
                pass.destination.set_data_handle(out.data());
                pass.primitive.execute(stream, pass.arguments);
                stream.wait();
            }

            // g = 1 / σ and b = -μ / σ per output channel, μ and σ over the batch and all
            // positions of the pre-activations t computed with v / ‖v‖; the output is then
            // what the layer gives from now on, (t - μ) / σ (t / σ without a bias).
            void initialize_from(const_tensor_view<In> in, tensor_view<Out> out)
            {
                std::fill_n(scale_, filters, 1.0f);
                if constexpr (biased)
                    std::fill_n(bias_, filters, 0.0f);
                norm_.apply(weights_, scale_, effective_.data());
                run(plan_for(in.batch()).forward, in, out);

                const std::size_t batch = in.batch();
                const double count = static_cast<double>(batch * area);
                for (std::size_t c = 0; c < filters; ++c)
                {
                    double sum = 0.0;
                    for (std::size_t n = 0; n < batch; ++n)
                        for (std::size_t i = 0; i < area; ++i)
                            sum += out.sample(n)[c * area + i];
                    const double mean = sum / count;
                    double squares = 0.0;
                    for (std::size_t n = 0; n < batch; ++n)
                        for (std::size_t i = 0; i < area; ++i)
                        {
                            const double centred = out.sample(n)[c * area + i] - mean;
                            squares += centred * centred;
                        }
                    const double inverse_std = 1.0 / std::sqrt(squares / count + 1e-10);
                    const double shift = biased ? -mean * inverse_std : 0.0;
                    scale_[c] = static_cast<float>(inverse_std);
                    if constexpr (biased)
                        bias_[c] = static_cast<float>(shift);
                    for (std::size_t n = 0; n < batch; ++n)
                        for (std::size_t i = 0; i < area; ++i)
                        {
                            float& value = out.sample(n)[c * area + i];
                            value = static_cast<float>(value * inverse_std + shift);
                        }
                }
                norm_.apply(weights_, scale_, effective_.data());
            }

            void accumulate_parameter_gradients()
            {
                if constexpr (normalized)
                {
                    norm_.accumulate(weights_, scale_, d_weights_.data(), weight_gradients_,
                                     scale_gradients_);
                }
                else
                {
                    for (std::size_t i = 0; i < weight_count; ++i)
                        weight_gradients_[i] += d_weights_[i];
                }
                if constexpr (biased)
                    for (std::size_t c = 0; c < filters; ++c)
                        bias_gradients_[c] += d_bias_[c];
            }

            float* weights_ = nullptr;
            float* weight_gradients_ = nullptr;
            float* scale_ = nullptr;
            float* scale_gradients_ = nullptr;
            float* bias_ = nullptr;
            float* bias_gradients_ = nullptr;
            aligned_buffer effective_;
            aligned_buffer d_weights_;
            aligned_buffer d_bias_;
            channel_weight_norm norm_;
            plan_cache<plan> plans_;
            plan_cache<forward_pass, fused_key> fused_plans_;
        };
    }

    template <std::size_t Filters, class Kernel, class... Options>
    struct conv2d
    {
        static_assert(detail::check_convolution_arguments<false, Filters, Kernel, Options...>());
        using settings = detail::convolution_settings<Filters, Kernel, Options...>;

        static std::string describe() { return settings::describe("conv2d"); }

        template <shape_type In>
        using bind = detail::strided_layer<detail::convolution_operation, conv2d, In>;
    };
}
