// Huber loss between a prediction and a target of the same shape [batch x width], used for
// reconstruction terms that should be quadratic near the target and only linear for outliers.
// Gives the mean over all batch x width elements and its gradient w.r.t. the prediction.
//
// Huber 1964, with r = prediction - target:
//     h(r) = r^2 / 2                 if |r| <= delta
//          = delta (|r| - delta / 2)  otherwise
// A sample's loss is the mean of h over its width elements, so the mean over the batch is the
// mean over all elements (TensorFlow's and PyTorch's default reduction). The gradient with
// respect to the target, were it wanted, is the negative of the one written.
#pragma once

#include "ssgan/loss/detail/check.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace ssgan::loss
{
    struct huber_options
    {
        // Where the loss turns from quadratic to linear; must be positive.
        float delta = 1.0f;

        // Multiplies the gradient written, not the value returned.
        float scale = 1.0f;
    };

    // Mean Huber loss; writes d_prediction = scale * clamp(r, -delta, delta) / (batch * width),
    // or nothing when d_prediction is empty.
    inline float huber(std::span<const float> prediction, std::span<const float> target,
                       std::size_t batch, std::size_t width, std::span<float> d_prediction,
                       huber_options options = {})
    {
        constexpr std::string_view function = "ssgan::loss::huber";
        detail::require_positive(function, "batch", batch);
        detail::require_positive(function, "width", width);
        detail::require_extent(function, "prediction", prediction.size(), batch, width);
        detail::require_extent(function, "target", target.size(), batch, width);
        detail::require_gradient_extent(function, "d_prediction", d_prediction.size(), batch,
                                        width);
        if (!(options.delta > 0.0f) || !std::isfinite(options.delta))
            detail::fail(function, "delta is " + std::to_string(options.delta) +
                                       ", expected a finite value > 0");

        const double delta = options.delta;
        const double count = static_cast<double>(batch * width);
        const double gradient_factor = static_cast<double>(options.scale) / count;

        double total = 0.0;
        for (std::size_t i = 0; i < prediction.size(); ++i)
        {
            const double r = static_cast<double>(prediction[i]) - static_cast<double>(target[i]);
            const double magnitude = std::abs(r);
            total += magnitude <= delta ? 0.5 * r * r : delta * (magnitude - 0.5 * delta);
            if (!d_prediction.empty())
                d_prediction[i] =
                    static_cast<float>(gradient_factor * std::clamp(r, -delta, delta));
        }
        return static_cast<float>(total / count);
    }
}
