// A network is a type: `network<input<C, H, W>, spec, spec, ...>` binds each layer spec to
// the output shape of the one before it, so shapes are checked while compiling. The network
// owns its layers, one flat parameter buffer (and a gradient buffer of the same layout), one
// flat buffer of non-trainable state, and the activations of the last forward pass.
//
// Backward starts from the gradient at the output, at an intermediate layer's output, or
// both, and can return the gradient with respect to the network's input. Parameter
// gradients accumulate until zero_gradients(). As each layer's parameter gradients are done,
// backward tells context::gradients_ready, so data-parallel training can start reducing them.
//
// Fusion: where a layer that takes a post-op (conv2d, deconv2d) is directly followed by an
// activation whose backward needs only its output (relu, leaky_relu, tanh, sigmoid), forward
// can run the activation inside the layer's primitive, straight into the activation's
// output, skipping the activation's own pass; backward is unchanged. The layer's own output
// is then not kept: after a fused forward, output<Index>() of such a layer throws (read the
// activation's, Index + 1, instead). Data-dependent initialization never fuses, since it
// reads the pre-activations.
//
// Fusion is off until set_fusion(true). With the plain NCHW activations kept here, oneDNN
// 2.6 runs these convolutions on its GEMM kernels, where a post-op costs far more than a
// separate eltwise pass: on one thread, 3 → 96 channels, 3 × 3, 32 × 32, batch 100, the
// fused forward took 68 ms against 17 ms, and transposed convolutions lose as much. On
// blocked layouts oneDNN's direct kernels fuse cheaply (that convolution: 3.5 ms fused
// against 10.6 ms), so fusion pays once activations move to those layouts.
#pragma once

#include "../core/aligned.hpp"
#include "../core/error.hpp"
#include "../core/type_list.hpp"
#include "layer.hpp"

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace ssgan
{
    namespace detail
    {
        template <class In, class... Specs>
        struct bind_all
        {
            using layers = type_list<>;
            using output = In;
        };

        template <class In, class Spec, class... Rest>
        struct bind_all<In, Spec, Rest...>
        {
            using layer = typename Spec::template bind<In>;
            using next = bind_all<typename layer::output_shape, Rest...>;
            using layers = typename prepend<layer, typename next::layers>::type;
            using output = typename next::output;
        };

        // 2 FLOPs per multiply-add of one sample's forward pass through L; 0 for a layer that
        // does not say (element-wise, normalization and reshaping layers, whose cost is small).
        template <class L>
        constexpr std::size_t forward_flops_of()
        {
            if constexpr (requires { L::forward_flops; })
                return L::forward_flops;
            else
                return 0;
        }

        template <class List>
        struct layer_tuple;

        template <class... Layers>
        struct layer_tuple<type_list<Layers...>>
        {
            using type = std::tuple<Layers...>;
            using outputs = std::tuple<tensor<typename Layers::output_shape>...>;
            static constexpr std::array<std::size_t, sizeof...(Layers)> parameter_counts{
                Layers::parameter_count...};
            static constexpr std::array<std::size_t, sizeof...(Layers)> state_counts{
                Layers::state_count...};
            static constexpr std::array<std::size_t, sizeof...(Layers)> forward_flops{
                forward_flops_of<Layers>()...};
        };

        template <std::size_t N>
        constexpr std::size_t sum(const std::array<std::size_t, N>& values, std::size_t end = N)
        {
            std::size_t total = 0;
            for (std::size_t i = 0; i < end; ++i)
                total += values[i];
            return total;
        }

        inline std::string fused_output_message(std::size_t index, const std::string& layer)
        {
            return "network::output<" + std::to_string(index) + ">: " + layer +
                   " ran fused with the activation after it in the last forward, so its own "
                   "output was not kept; read output<" +
                   std::to_string(index + 1) + ">(), or switch fusion off with set_fusion(false)";
        }

        inline void add_floats(const float* from, float* to, std::size_t count)
        {
            for (std::size_t i = 0; i < count; ++i)
                to[i] += from[i];
        }
    }

    // The layer Activation can run inside Layer, the layer before it: Activation offers itself
    // as a post-op, post_op(), only if its backward reads nothing but its output, and Layer's
    // forward_fused(in, out, context, post_op) writes the activated result into `out`, the
    // activation's output, and leaves a backward that needs only its input and d_out.
    template <class Layer, class Activation>
    concept fusable_pair =
        std::same_as<typename Layer::output_shape, typename Activation::input_shape> &&
        requires(Layer& layer, const_tensor_view<typename Layer::input_shape> in,
                 tensor_view<typename Activation::output_shape> out, context& ctx)
    {
        Activation::post_op();
        layer.forward_fused(in, out, ctx, Activation::post_op());
    };

    template <shape_type Input, class... Specs>
    class network
    {
        using binding = detail::bind_all<Input, Specs...>;
        using tuple_info = detail::layer_tuple<typename binding::layers>;

    public:
        using input_shape = Input;
        using output_shape = typename binding::output;
        using layer_types = typename binding::layers;

        static constexpr std::size_t layer_count = sizeof...(Specs);
        static_assert(layer_count > 0, "network: give at least one layer spec after the input");

        template <std::size_t Index>
        using layer_type = type_at<Index, layer_types>;

        template <std::size_t Index>
        using output_shape_of = typename layer_type<Index>::output_shape;

        // Layer Index runs the activation after it inside its own primitive.
        template <std::size_t Index>
        static constexpr bool fused_with_next = []
        {
            if constexpr (Index + 1 < layer_count)
                return fusable_pair<layer_type<Index>, layer_type<Index + 1>>;
            else
                return false;
        }();

        static constexpr std::size_t parameter_count = detail::sum(tuple_info::parameter_counts);
        static constexpr std::size_t state_count = detail::sum(tuple_info::state_counts);

        // FLOPs per sample of each layer's forward pass (2 per multiply-add of conv2d, deconv2d
        // and dense; 0 for the rest), and of the whole forward pass. A layer's backward pass
        // costs as much again for the input gradient and again for the parameter gradients.
        static constexpr std::array<std::size_t, layer_count> layer_forward_flops =
            tuple_info::forward_flops;
        static constexpr std::size_t forward_flops = detail::sum(tuple_info::forward_flops);

        network()
            : parameters_(parameter_count, 0.0f), gradients_(parameter_count, 0.0f),
              state_(state_count, 0.0f)
        {
            attach_all(std::make_index_sequence<layer_count>{});
        }

        // Layers hold views into this object's buffers, so a network is neither copied nor
        // moved; copy parameters between networks of one type with parameters().
        network(const network&) = delete;
        network& operator=(const network&) = delete;

        // Default values for every parameter and state; each layer draws from its own
        // sub-stream, so adding a layer does not change the draws of the others.
        void initialize(random_stream& random)
        {
            initialize_all(random, std::make_index_sequence<layer_count>{});
        }

        // Data-dependent initialization: one forward pass in which layers with it (weight
        // normalization) set their scale and bias from the statistics of `batch`.
        void initialize_from_data(const_tensor_view<Input> batch, context& ctx)
        {
            const bool was = ctx.initializing;
            ctx.initializing = true;
            forward(batch, ctx);
            ctx.initializing = was;
        }

        // Runs every layer. `in` must stay alive and unchanged until the matching backward.
        const_tensor_view<output_shape> forward(const_tensor_view<Input> in, context& ctx)
        {
            if (in.batch() == 0)
                throw config_error("network::forward: the batch is empty");
            input_ = in;
            // Data-dependent initialization sets scales from the pre-activations, which a fused
            // pass never writes.
            fused_last_ = fusion_ && !ctx.initializing;
            forward_from<0>(ctx);
            return output<layer_count - 1>();
        }

        // The output of layer Index from the last forward pass.
        template <std::size_t Index>
        const_tensor_view<output_shape_of<Index>> output() const
        {
            if constexpr (fused_with_next<Index>)
                if (fused_last_)
                    throw config_error(
                        detail::fused_output_message(Index, layer_type<Index>::describe()));
            return stored_output<Index>();
        }

        // Whether forward fuses (off by default; see the top of this file). Results agree
        // either way to rounding; only the time differs.
        void set_fusion(bool enabled) { fusion_ = enabled; }
        bool fusion() const { return fusion_; }

        // Backward from the gradient at the output.
        void backward(const_tensor_view<output_shape> d_out, context& ctx,
                      tensor_view<Input> d_input = {})
        {
            check_batch(d_out.batch());
            check_input_gradient(d_input);
            backward_from<layer_count - 1>(d_out, no_extra(), ctx, d_input);
        }

        // Backward from the gradient at the output of layer Index only (feature matching);
        // layers after Index are not visited.
        template <std::size_t Index>
        void backward_from(const_tensor_view<output_shape_of<Index>> d_mid, context& ctx,
                           tensor_view<Input> d_input = {})
        {
            check_batch(d_mid.batch());
            check_input_gradient(d_input);
            backward_from<Index>(d_mid, no_extra(), ctx, d_input);
        }

        // Backward from the gradient at the output plus one at the output of layer Index.
        template <std::size_t Index>
        void backward(const_tensor_view<output_shape> d_out,
                      const_tensor_view<output_shape_of<Index>> d_mid, context& ctx,
                      tensor_view<Input> d_input = {})
        {
            static_assert(Index + 1 < layer_count,
                          "network::backward: the intermediate layer comes before the last one; "
                          "for the last one, add the two gradients yourself");
            check_batch(d_out.batch());
            check_batch(d_mid.batch());
            check_input_gradient(d_input);
            backward_from<layer_count - 1>(d_out, extra_gradient{Index, d_mid.data()}, ctx,
                                           d_input);
        }

        void zero_gradients() { std::fill(gradients_.begin(), gradients_.end(), 0.0f); }

        std::span<float> parameters() { return parameters_; }
        std::span<const float> parameters() const { return parameters_; }
        std::span<float> gradients() { return gradients_; }
        std::span<const float> gradients() const { return gradients_; }
        std::span<float> state() { return state_; }
        std::span<const float> state() const { return state_; }

        template <std::size_t Index>
        layer_type<Index>& layer()
        {
            return std::get<Index>(layers_);
        }

        // One line per layer: "dense<10>: shape<250> -> shape<10>, 2510 parameters".
        static std::vector<std::string> describe_layers()
        {
            std::vector<std::string> lines;
            describe_all(lines, std::make_index_sequence<layer_count>{});
            return lines;
        }

        static std::string describe()
        {
            std::string text = "network<" + Input::describe();
            for (const auto& line : describe_layers())
                text += ",\n  " + line;
            return text + ">";
        }

    private:
        struct extra_gradient
        {
            std::size_t index;
            const float* data;
        };

        static constexpr extra_gradient no_extra() { return {layer_count, nullptr}; }

        template <std::size_t... Index>
        void attach_all(std::index_sequence<Index...>)
        {
            (std::get<Index>(layers_).attach(
                 {std::span<float>(parameters_)
                      .subspan(parameter_offset(Index), tuple_info::parameter_counts[Index]),
                  std::span<float>(gradients_)
                      .subspan(parameter_offset(Index), tuple_info::parameter_counts[Index]),
                  std::span<float>(state_).subspan(state_offset(Index),
                                                   tuple_info::state_counts[Index])}),
             ...);
        }

        template <std::size_t... Index>
        void initialize_all(random_stream& random, std::index_sequence<Index...>)
        {
            (
                [&]
                {
                    random_stream layer_stream = random.split(Index);
                    std::get<Index>(layers_).initialize(layer_stream);
                }(),
                ...);
        }

        template <std::size_t... Index>
        static void describe_all(std::vector<std::string>& lines, std::index_sequence<Index...>)
        {
            (lines.push_back(layer_type<Index>::describe() + ": " +
                             layer_type<Index>::input_shape::describe() + " -> " +
                             layer_type<Index>::output_shape::describe() + ", " +
                             std::to_string(layer_type<Index>::parameter_count) + " parameters"),
             ...);
        }

        static constexpr std::size_t parameter_offset(std::size_t index)
        {
            return detail::sum(tuple_info::parameter_counts, index);
        }

        static constexpr std::size_t state_offset(std::size_t index)
        {
            return detail::sum(tuple_info::state_counts, index);
        }

        // Also the stale buffer of a fused layer, which only that layer's backward (which
        // does not read it) and its activation's backward (which reads only its batch) see.
        template <std::size_t Index>
        const_tensor_view<output_shape_of<Index>> stored_output() const
        {
            return std::get<Index>(outputs_).view();
        }

        template <std::size_t Index>
        auto layer_input() const
        {
            if constexpr (Index == 0)
                return input_;
            else
                return stored_output<Index - 1>();
        }

        // The output and output-gradient buffers of layer Index, sized for this batch.
        template <std::size_t Index>
        tensor_view<output_shape_of<Index>> prepared_output()
        {
            auto& out = std::get<Index>(outputs_);
            if (out.batch() != input_.batch())
            {
                out.resize(input_.batch());
                std::get<Index>(d_outputs_).resize(input_.batch());
            }
            return out.view();
        }

        template <std::size_t Index>
        void forward_from(context& ctx)
        {
            auto out = prepared_output<Index>();
            if constexpr (fused_with_next<Index>)
            {
                if (fused_last_)
                {
                    auto activated = prepared_output<Index + 1>();
                    std::get<Index>(layers_).forward_fused(layer_input<Index>(), activated, ctx,
                                                           layer_type<Index + 1>::post_op());
                    if constexpr (Index + 2 < layer_count)
                        forward_from<Index + 2>(ctx);
                    return;
                }
            }
            std::get<Index>(layers_).forward(layer_input<Index>(), out, ctx);
            if constexpr (Index + 1 < layer_count)
                forward_from<Index + 1>(ctx);
        }

        void check_batch(std::size_t batch) const
        {
            if (batch != input_.batch())
                throw config_error("network::backward: the gradient has batch " +
                                   std::to_string(batch) + " but the last forward had batch " +
                                   std::to_string(input_.batch()));
        }

        void check_input_gradient(tensor_view<Input> d_input) const
        {
            if (!d_input.empty() && d_input.batch() != input_.batch())
                throw config_error("network::backward: the input gradient has batch " +
                                   std::to_string(d_input.batch()) +
                                   " but the last forward had batch " +
                                   std::to_string(input_.batch()));
        }

        template <std::size_t Index>
        void backward_from(const_tensor_view<output_shape_of<Index>> d_out, extra_gradient extra,
                           context& ctx, tensor_view<Input> d_input)
        {
            auto& current = std::get<Index>(layers_);
            if constexpr (Index == 0)
            {
                current.backward(input_, stored_output<0>(), d_out, d_input, ctx);
                report_gradients<0>(ctx);
            }
            else
            {
                auto& d_in = std::get<Index - 1>(d_outputs_);
                current.backward(layer_input<Index>(), stored_output<Index>(), d_out, d_in.view(),
                                 ctx);
                if (extra.index == Index - 1)
                    detail::add_floats(extra.data, d_in.data(), d_in.size());
                report_gradients<Index>(ctx);
                backward_from<Index - 1>(std::as_const(d_in).view(), extra, ctx, d_input);
            }
        }

        template <std::size_t Index>
        void report_gradients(context& ctx) const
        {
            if constexpr (layer_type<Index>::parameter_count > 0)
                if (ctx.gradients_ready != nullptr && ctx.parameter_gradients)
                    ctx.gradients_ready->ready_from(parameter_offset(Index));
        }

        typename tuple_info::type layers_;
        aligned_buffer parameters_;
        aligned_buffer gradients_;
        aligned_buffer state_;
        const_tensor_view<Input> input_;
        typename tuple_info::outputs outputs_;
        typename tuple_info::outputs d_outputs_;
        bool fusion_ = false;
        bool fused_last_ = false; // the last forward ran fused pairs fused
    };

    namespace detail
    {
        template <class T>
        struct is_network : std::false_type
        {
        };

        template <class Input, class... Specs>
        struct is_network<network<Input, Specs...>> : std::true_type
        {
        };
    }

    template <class T>
    concept network_type = detail::is_network<T>::value;
}
