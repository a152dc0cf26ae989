// Regularizing noise, active in train mode only: `dropout<rate>` zeroes each unit with
// probability `rate` and scales the rest by 1 / (1 - rate) (inverted dropout, so eval mode is
// the identity); `gaussian_noise<sigma>` adds N(0, sigma²) to each unit. Any shape in, the
// same shape out. The mask or noise of the last forward is kept for backward.
#pragma once

#include "../core/aligned.hpp"
#include "../nn/layer.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace ssgan
{
    namespace detail
    {
        inline constexpr std::size_t elementwise_grain = 16384;

        template <class Body>
        void parallel_elements(std::size_t count, Body&& body)
        {
            tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, elementwise_grain),
                              [&](const tbb::blocked_range<std::size_t>& range)
                              { body(range.begin(), range.end()); });
        }

        inline void copy_floats(const float* from, float* to, std::size_t count)
        {
            if (from != to)
                std::memcpy(to, from, count * sizeof(float));
        }

        template <float Rate, shape_type In>
        class dropout_layer : public layer_base<In, In>
        {
        public:
            static std::string describe() { return "dropout<" + float_text(Rate) + ">"; }

            void forward(const_tensor_view<In> in, tensor_view<In> out, context& ctx)
            {
                if (!ctx.training())
                {
                    copy_floats(in.data(), out.data(), in.size());
                    return;
                }
                if (!ctx.reuse_noise || mask_.size() != in.size())
                {
                    mask_.resize(in.size());
                    ctx.random->fill_dropout_mask(mask_, 1.0f - Rate);
                }
                multiply(in.data(), out.data(), in.size());
            }

            void backward(const_tensor_view<In>, const_tensor_view<In>, const_tensor_view<In> d_out,
                          tensor_view<In> d_in, context& ctx)
            {
                if (d_in.empty())
                    return;
                if (!ctx.training())
                    copy_floats(d_out.data(), d_in.data(), d_out.size());
                else
                    multiply(d_out.data(), d_in.data(), d_out.size());
            }

        private:
            void multiply(const float* from, float* to, std::size_t count) const
            {
                const float* mask = mask_.data();
                parallel_elements(count,
                                  [&](std::size_t begin, std::size_t end)
                                  {
                                      for (std::size_t i = begin; i < end; ++i)
                                          to[i] = from[i] * mask[i];
                                  });
            }

            aligned_buffer mask_;
        };

        template <float Sigma, shape_type In>
        class gaussian_noise_layer : public layer_base<In, In>
        {
        public:
            static std::string describe() { return "gaussian_noise<" + float_text(Sigma) + ">"; }

            void forward(const_tensor_view<In> in, tensor_view<In> out, context& ctx)
            {
                if (!ctx.training())
                {
                    copy_floats(in.data(), out.data(), in.size());
                    return;
                }
                if (!ctx.reuse_noise || noise_.size() != in.size())
                {
                    noise_.resize(in.size());
                    ctx.random->fill_normal(noise_, 0.0f, Sigma);
                }
                const float* noise = noise_.data();
                const float* from = in.data();
                float* to = out.data();
                parallel_elements(in.size(),
                                  [&](std::size_t begin, std::size_t end)
                                  {
                                      for (std::size_t i = begin; i < end; ++i)
                                          to[i] = from[i] + noise[i];
                                  });
            }

            void backward(const_tensor_view<In>, const_tensor_view<In>, const_tensor_view<In> d_out,
                          tensor_view<In> d_in, context&)
            {
                if (!d_in.empty())
                    copy_floats(d_out.data(), d_in.data(), d_out.size());
            }

        private:
            aligned_buffer noise_;
        };
    }

    template <float Rate>
    struct dropout
    {
        static_assert(Rate >= 0.0f && Rate < 1.0f, "dropout: the rate lies in [0, 1)");

        template <shape_type In>
        using bind = detail::dropout_layer<Rate, In>;
    };

    template <float Sigma>
    struct gaussian_noise
    {
        static_assert(Sigma >= 0.0f, "gaussian_noise: sigma is not negative");

        template <shape_type In>
        using bind = detail::gaussian_noise_layer<Sigma, In>;
    };
}
