// The layer contract. A spec (such as `dense<10>`) holds hyper-parameters only; binding it to
// an input shape, `spec::bind<input_shape>`, gives the layer type the network stores.
//
// A bound layer L provides
//   input_shape, output_shape          per-sample shapes
//   parameter_count, state_count       trainable floats; non-trainable floats (running stats)
//   describe()                         the spec as written in code, e.g. "dense<10>"
//   attach(parameter_block)            views into the network's flat buffers
//   initialize(random_stream&)         default values of parameters and state
//   forward(in, out, context&)         out = f(in); dropout and noise draw from the context
//   backward(in, out, d_out, d_in, context&)
//       requires: the last forward of this layer saw `in` and wrote `out`
//       ensures:  gradients of the parameters are ADDED to the block's gradients (so several
//                 batches can contribute to one step); d_in is OVERWRITTEN with the gradient
//                 with respect to `in`, unless d_in is empty, when it is not computed.
#pragma once

#include "../core/context.hpp"
#include "../core/shape.hpp"
#include "../core/tensor.hpp"

#include <concepts>
#include <cstddef>
#include <span>
#include <string>

namespace ssgan
{
    // A layer's share of the network's flat buffers.
    struct parameter_block
    {
        std::span<float> values;
        std::span<float> gradients;
        std::span<float> state;
    };

    // Defaults for layers without parameters or state.
    template <shape_type In, shape_type Out>
    struct layer_base
    {
        using input_shape = In;
        using output_shape = Out;
        static constexpr std::size_t parameter_count = 0;
        static constexpr std::size_t state_count = 0;

        void attach(parameter_block) {}
        void initialize(random_stream&) {}
    };

    template <class L>
    concept bound_layer = requires(L layer, parameter_block block, random_stream& random,
                                   context& ctx, const_tensor_view<typename L::input_shape> in,
                                   tensor_view<typename L::input_shape> d_in,
                                   const_tensor_view<typename L::output_shape> out,
                                   tensor_view<typename L::output_shape> out_mutable)
    {
        requires shape_type<typename L::input_shape>;
        requires shape_type<typename L::output_shape>;
        {
            L::parameter_count
            } -> std::convertible_to<std::size_t>;
        {
            L::state_count
            } -> std::convertible_to<std::size_t>;
        {
            L::describe()
            } -> std::convertible_to<std::string>;
        layer.attach(block);
        layer.initialize(random);
        layer.forward(in, out_mutable, ctx);
        layer.backward(in, out, out, d_in, ctx);
    };

    // A spec that binds to the shape In.
    template <class Spec, class In>
    concept layer_spec_for = shape_type<In> && requires
    {
        typename Spec::template bind<In>;
    };
}
