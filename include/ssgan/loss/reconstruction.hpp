// Mean squared and mean absolute error between a prediction and a target of the same shape
// [batch x width], for reconstruction terms. Each gives the mean over all batch x width elements
// (a sample's loss is the mean over its width) and its gradient w.r.t. the prediction; the
// gradient w.r.t. the target, were it wanted, is the negative of the one written.
#pragma once

#include "ssgan/loss/detail/check.hpp"

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>

namespace ssgan::loss
{
    namespace detail
    {
        inline void require_pair(std::string_view function, std::span<const float> prediction,
                                 std::span<const float> target, std::size_t batch,
                                 std::size_t width, std::span<float> d_prediction)
        {
            require_positive(function, "batch", batch);
            require_positive(function, "width", width);
            require_extent(function, "prediction", prediction.size(), batch, width);
            require_extent(function, "target", target.size(), batch, width);
            require_gradient_extent(function, "d_prediction", d_prediction.size(), batch, width);
        }
    }

    // Mean of (prediction - target)^2; writes d_prediction = scale * 2 r / (batch * width), or
    // nothing when d_prediction is empty.
    inline float mean_squared_error(std::span<const float> prediction,
                                    std::span<const float> target, std::size_t batch,
                                    std::size_t width, std::span<float> d_prediction,
                                    float scale = 1.0f)
    {
        detail::require_pair("ssgan::loss::mean_squared_error", prediction, target, batch, width,
                             d_prediction);
        const double count = static_cast<double>(batch * width);
        const double gradient_factor = 2.0 * static_cast<double>(scale) / count;

        double total = 0.0;
        for (std::size_t i = 0; i < prediction.size(); ++i)
        {
            const double r = static_cast<double>(prediction[i]) - static_cast<double>(target[i]);
            total += r * r;
            if (!d_prediction.empty())
                d_prediction[i] = static_cast<float>(gradient_factor * r);
        }
        return static_cast<float>(total / count);
    }

    // Mean of |prediction - target|; writes d_prediction = scale * sign(r) / (batch * width),
    // with sign(0) = 0, or nothing when d_prediction is empty.
    inline float mean_absolute_error(std::span<const float> prediction,
                                     std::span<const float> target, std::size_t batch,
                                     std::size_t width, std::span<float> d_prediction,
                                     float scale = 1.0f)
    {
        detail::require_pair("ssgan::loss::mean_absolute_error", prediction, target, batch, width,
                             d_prediction);
        const double count = static_cast<double>(batch * width);
        const double gradient_factor = static_cast<double>(scale) / count;

        double total = 0.0;
        for (std::size_t i = 0; i < prediction.size(); ++i)
        {
            const double r = static_cast<double>(prediction[i]) - static_cast<double>(target[i]);
            total += std::abs(r);
            if (!d_prediction.empty())
            {
                const double sign = r > 0.0 ? 1.0 : (r < 0.0 ? -1.0 : 0.0);
                d_prediction[i] = static_cast<float>(gradient_factor * sign);
            }
        }
        return static_cast<float>(total / count);
    }
}
