// Two-dimensional convolution on oneDNN: `conv2d<Filters, kernel<KH, KW>, stride<SH, SW>,
// Padding, Options...>` takes C × H × W and gives Filters × H' × W'. Per axis, with input n,
// kernel k and stride s, TensorFlow's rules: padding::same n' = ⌈n / s⌉ (the odd padding pixel
// goes after), padding::valid n' = ⌈(n - k + 1) / s⌉, padding::explicit_<P> n' = ⌊(n + 2P - k)
// / s⌋ + 1. Stride, padding and the options of dense (an initializer, `no_bias`, `weight_norm`,
// `weight_norm_without_data_init`) may come in any order after the kernel; the defaults are
// stride<1>, padding::same and init::he. Parameters: the weights, Filters × C × KH × KW
// row-major (OIHW, whatever layout oneDNN runs), then the weight-norm scales, then the biases.
#pragma once

#include "../core/aligned.hpp"
#include "../core/diagnostics.hpp"
#include "../core/dnnl_runtime.hpp"
#include "../core/init.hpp"
#include "../core/type_list.hpp"
#include "../nn/layer.hpp"
#include "dense.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>
#include <unordered_map>

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
                if constexpr (count_options < is_initializer, Options... >> 0)
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

        // Weight normalization per output channel (Salimans & Kingma 2016) for weights stored
        // one output channel after another, `fan` floats each: w = g · v / ‖v‖.
        class channel_weight_norm
        {
        public:
            void resize(std::size_t channels, std::size_t fan)
            {
                channels_ = channels;
                fan_ = fan;
                norms_.assign(channels, 0.0f);
            }

            // w from v and g; keeps ‖v‖ for the backward pass.
            void apply(const float* v, const float* g, float* w)
            {
                for (std::size_t c = 0; c < channels_; ++c)
                {
                    const float* row = v + c * fan_;
                    double squares = 0.0;
                    for (std::size_t i = 0; i < fan_; ++i)
                        squares += static_cast<double>(row[i]) * row[i];
                    norms_[c] = static_cast<float>(std::sqrt(squares + weight_norm_epsilon));
                    const float factor = g[c] / norms_[c];
                    for (std::size_t i = 0; i < fan_; ++i)
                        w[c * fan_ + i] = row[i] * factor;
                }
            }

            // With G = dL/dw: dL/dg += G·v / ‖v‖, dL/dv += (g / ‖v‖) (G - (dL/dg / ‖v‖) v).
            void accumulate(const float* v, const float* g, const float* d_w, float* d_v,
                            float* d_g) const
            {
                for (std::size_t c = 0; c < channels_; ++c)
                {
                    const float* row = v + c * fan_;
                    const float* d_row = d_w + c * fan_;
                    double dot = 0.0;
                    for (std::size_t i = 0; i < fan_; ++i)
                        dot += static_cast<double>(d_row[i]) * row[i];
                    const float norm = norms_[c];
                    const float d_scale = static_cast<float>(dot) / norm;
                    d_g[c] += d_scale;
                    const float factor = g[c] / norm;
                    const float along = d_scale / norm;
                    for (std::size_t i = 0; i < fan_; ++i)
                        d_v[c * fan_ + i] += factor * (d_row[i] - along * row[i]);
                }
            }

        private:
            std::size_t channels_ = 0;
            std::size_t fan_ = 0;
            aligned_buffer norms_;
        };

        // What the convolution differs in from the transposed convolution: its geometry and
        // its oneDNN primitives.
        struct convolution_operation
        {
            template <class Spec, shape_type In>
            using geometry = convolution_geometry<Spec, In>;
            using forward_primitive = dnnl::convolution_forward;
            using backward_data_primitive = dnnl::convolution_backward_data;
            using backward_weights_primitive = dnnl::convolution_backward_weights;
            static constexpr dnnl::algorithm algorithm = dnnl::algorithm::convolution_direct;
        };

        // A convolution or transposed convolution bound to its input shape. oneDNN works on
        // plain NCHW activations and OIHW weights straight from the network's buffers: with
        // plain activations oneDNN 2.6 picks the same GEMM-based kernels whether the weights
        // are plain or left to it (format_tag::any), so a blocked copy would buy nothing.
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
            // Weights of one output channel: in_channels × KH × KW.
            static constexpr std::size_t weights_per_filter =
                in_channels * kernel_height * kernel_width;
            static constexpr std::size_t weight_count = filters * weights_per_filter;
            static constexpr std::size_t parameter_count =
                weight_count + (normalized ? filters : 0) + (biased ? filters : 0);

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
                    norm_.resize(filters, weights_per_filter);
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
                run_forward(in, out);
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
                }
                stream.wait();

                if (ctx.parameter_gradients)
                    accumulate_parameter_gradients();
            }

        private:
            struct plan
            {
                typename Operation::forward_primitive forward;
                typename Operation::backward_data_primitive backward_data;
                typename Operation::backward_weights_primitive backward_weights;
                dnnl::memory source, weights, bias, destination;
                dnnl::memory diff_destination, diff_source, diff_weights, diff_bias;
                std::unordered_map<int, dnnl::memory> forward_arguments;
                std::unordered_map<int, dnnl::memory> backward_data_arguments;
                std::unordered_map<int, dnnl::memory> backward_weights_arguments;
            };

            plan& plan_for(std::size_t batch)
            {
                return plans_.get(
                    batch,
                    [](std::size_t rows)
                    {
                        using namespace dnnl_compat;
                        using dim = dnnl::memory::dim;
                        auto& engine = dnnl_runtime::get().engine();
                        const auto n = static_cast<dim>(rows);
                        const auto source_desc = plain_desc({n, static_cast<dim>(in_channels),
                                                             static_cast<dim>(In::extents[1]),
                                                             static_cast<dim>(In::extents[2])},
                                                            tag::nchw);
                        const auto destination_desc = plain_desc(
                            {n, static_cast<dim>(filters), static_cast<dim>(Out::extents[1]),
                             static_cast<dim>(Out::extents[2])},
                            tag::nchw);
                        const auto weights_desc = plain_desc(
                            {static_cast<dim>(filters), static_cast<dim>(in_channels),
                             static_cast<dim>(kernel_height), static_cast<dim>(kernel_width)},
                            tag::oihw);
                        const auto bias_desc = biased
                                                   ? plain_desc({static_cast<dim>(filters)}, tag::x)
                                                   : dnnl::memory::desc();
                        const strided_geometry where{{static_cast<dim>(settings::stride_height),
                                                      static_cast<dim>(settings::stride_width)},
                                                     {static_cast<dim>(geometry::rows.before),
                                                      static_cast<dim>(geometry::columns.before)},
                                                     {static_cast<dim>(geometry::rows.after),
                                                      static_cast<dim>(geometry::columns.after)}};

                        const auto forward_pd =
                            strided_forward<typename Operation::forward_primitive>(
                                Operation::algorithm, source_desc, weights_desc, bias_desc,
                                destination_desc, where);
                        const auto backward_data_pd =
                            strided_backward_data<typename Operation::backward_data_primitive>(
                                Operation::algorithm, source_desc, weights_desc, destination_desc,
                                where, forward_pd);
                        const auto backward_weights_pd = strided_backward_weights<
                            typename Operation::backward_weights_primitive>(
                            Operation::algorithm, source_desc, weights_desc, bias_desc,
                            destination_desc, where, forward_pd);
                        auto none = [&](const dnnl::memory::desc& desc)
                        { return dnnl::memory(desc, engine, DNNL_MEMORY_NONE); };

                        plan made{
                            typename Operation::forward_primitive(forward_pd),
                            typename Operation::backward_data_primitive(backward_data_pd),
                            typename Operation::backward_weights_primitive(backward_weights_pd),
                            none(source_desc),
                            none(weights_desc),
                            biased ? none(bias_desc) : dnnl::memory(),
                            none(destination_desc),
                            none(destination_desc),
                            none(source_desc),
                            none(weights_desc),
                            biased ? none(bias_desc) : dnnl::memory(),
                            {},
                            {},
                            {}};
                        made.forward_arguments = {{DNNL_ARG_SRC, made.source},
                                                  {DNNL_ARG_WEIGHTS, made.weights},
                                                  {DNNL_ARG_DST, made.destination}};
                        made.backward_data_arguments = {{DNNL_ARG_DIFF_DST, made.diff_destination},
                                                        {DNNL_ARG_WEIGHTS, made.weights},
                                                        {DNNL_ARG_DIFF_SRC, made.diff_source}};
                        made.backward_weights_arguments = {
                            {DNNL_ARG_SRC, made.source},
                            {DNNL_ARG_DIFF_DST, made.diff_destination},
                            {DNNL_ARG_DIFF_WEIGHTS, made.diff_weights}};
                        if constexpr (biased)
                        {
                            made.forward_arguments.emplace(DNNL_ARG_BIAS, made.bias);
                            made.backward_weights_arguments.emplace(DNNL_ARG_DIFF_BIAS,
                                                                    made.diff_bias);
                        }
                        return made;
                    });
            }

            const float* used_weights() const
            {
                if constexpr (normalized)
                    return effective_.data();
                else
                    return weights_;
            }

            void run_forward(const_tensor_view<In> in, tensor_view<Out> out)
            {
                plan& current = plan_for(in.batch());
                current.source.set_data_handle(const_cast<float*>(in.data()));
                current.weights.set_data_handle(const_cast<float*>(used_weights()));
                if constexpr (biased)
                    current.bias.set_data_handle(bias_);
                current.destination.set_data_handle(out.data());
                current.forward.execute(dnnl_runtime::get().stream(), current.forward_arguments);
                dnnl_runtime::get().stream().wait();
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
                run_forward(in, out);

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
