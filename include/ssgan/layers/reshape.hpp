// Layers that move data without learning: `flatten` (any shape to its element count),
// `reshape<Dims...>` (same element count, new shape) and `global_average_pool` (C × H × W to
// C, the mean of each channel).
#pragma once

#include "../core/diagnostics.hpp"
#include "../nn/layer.hpp"
#include "noise.hpp"

#include <string>

namespace ssgan
{
    namespace detail
    {
        template <shape_type In, shape_type Out, class Spec>
        class copy_layer : public layer_base<In, Out>
        {
            static_assert(
                rule_holds<In::size == Out::size,
                           SSGAN_SHAPE_MISMATCH<Spec, rule::reshape_must_keep_the_element_count, In,
                                                Out>>);

        public:
            static std::string describe() { return Spec::describe(); }

            void forward(const_tensor_view<In> in, tensor_view<Out> out, context&)
            {
                copy_floats(in.data(), out.data(), in.size());
            }

            void backward(const_tensor_view<In>, const_tensor_view<Out>,
                          const_tensor_view<Out> d_out, tensor_view<In> d_in, context&)
            {
                if (!d_in.empty())
                    copy_floats(d_out.data(), d_in.data(), d_out.size());
            }
        };

        template <shape_type In>
        class global_average_pool_layer
            : public layer_base<In, shape<(In::rank == 3 ? In::extents[0] : 1)>>
        {
            static_assert(
                rule_holds<In::rank == 3,
                           SSGAN_SHAPE_MISMATCH<
                               global_average_pool_layer<In>,
                               rule::layer_needs_a_rank_3_channels_height_width_input, In>>);

            static constexpr std::size_t channels = In::extents[0];
            static constexpr std::size_t area = In::size / channels;
            using Out = shape<channels>;

        public:
            static std::string describe() { return "global_average_pool"; }

            void forward(const_tensor_view<In> in, tensor_view<Out> out, context&)
            {
                const std::size_t planes = in.batch() * channels;
                parallel_elements(planes,
                                  [&](std::size_t begin, std::size_t end)
                                  {
                                      for (std::size_t plane = begin; plane < end; ++plane)
                                      {
                                          const float* values = in.data() + plane * area;
                                          float sum = 0.0f;
                                          for (std::size_t i = 0; i < area; ++i)
                                              sum += values[i];
                                          out.data()[plane] = sum / static_cast<float>(area);
                                      }
                                  });
            }

            void backward(const_tensor_view<In>, const_tensor_view<Out>,
                          const_tensor_view<Out> d_out, tensor_view<In> d_in, context&)
            {
                if (d_in.empty())
                    return;
                const std::size_t planes = d_out.batch() * channels;
                parallel_elements(planes,
                                  [&](std::size_t begin, std::size_t end)
                                  {
                                      for (std::size_t plane = begin; plane < end; ++plane)
                                      {
                                          const float share =
                                              d_out.data()[plane] / static_cast<float>(area);
                                          std::fill_n(d_in.data() + plane * area, area, share);
                                      }
                                  });
            }
        };
    }

    struct flatten
    {
        static std::string describe() { return "flatten"; }

        template <shape_type In>
        using bind = detail::copy_layer<In, shape<In::size>, flatten>;
    };

    template <std::size_t... Dims>
    struct reshape
    {
        // "reshape<7, 3, 5>": the shape's own text, "shape<7, 3, 5>", renamed.
        static std::string describe() { return "re" + shape<Dims...>::describe(); }

        template <shape_type In>
        using bind = detail::copy_layer<In, shape<Dims...>, reshape>;
    };

    struct global_average_pool
    {
        template <shape_type In>
        using bind = detail::global_average_pool_layer<In>;
    };
}
