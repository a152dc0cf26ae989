// Gradient clipping by global norm over one or several gradient buffers (for instance one per
// network, or one per layer group), so that together they have an L2 norm of at most max_norm.
//
// Pascanu et al. 2013, "On the difficulty of training recurrent neural networks":
//     norm = sqrt(sum over all buffers and elements of g^2)
//     g *= max_norm / norm    when norm > max_norm, otherwise g is left alone
// The norm is summed in double over a split of the range that does not depend on the thread
// count, so it is the same number at any thread count.
#pragma once

#include "ssgan/optim/detail/common.hpp"

#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace ssgan::optim
{
    // The L2 norm of one buffer.
    inline float global_norm(std::span<const float> values)
    {
        return static_cast<float>(std::sqrt(detail::sum_of_squares(values)));
    }

    // The L2 norm of several buffers taken together, as if concatenated.
    inline float global_norm(std::span<const std::span<const float>> groups)
    {
        double sum = 0.0;
        for (const auto group : groups)
            sum += detail::sum_of_squares(group);
        return static_cast<float>(std::sqrt(sum));
    }

    inline float global_norm(std::span<const std::span<float>> groups)
    {
        double sum = 0.0;
        for (const auto group : groups)
            sum += detail::sum_of_squares(group);
        return static_cast<float>(std::sqrt(sum));
    }

    inline float global_norm(std::initializer_list<std::span<const float>> groups)
    {
        return global_norm(std::span<const std::span<const float>>(groups.begin(), groups.size()));
    }

    // Scales every buffer in groups by max_norm / norm when their global norm exceeds max_norm,
    // and returns the norm before clipping. A NaN or infinite norm leaves the gradients as they
    // are and is returned, so the caller can skip the step or raise divergence_error.
    inline float clip_by_global_norm(std::span<const std::span<float>> groups, float max_norm)
    {
        constexpr std::string_view function = "ssgan::optim::clip_by_global_norm";
        if (!(max_norm > 0.0f) || !std::isfinite(max_norm))
            detail::fail(function, "max_norm is " + std::to_string(max_norm) +
                                       ", expected a finite value > 0");

        double sum = 0.0;
        for (const auto group : groups)
            sum += detail::sum_of_squares(group);
        const double norm = std::sqrt(sum);
        if (!std::isfinite(norm) || norm <= static_cast<double>(max_norm))
            return static_cast<float>(norm);

        const auto factor = static_cast<float>(static_cast<double>(max_norm) / norm);
        for (const auto group : groups)
        {
            float* g = group.data();
            const auto rescale = [=](std::size_t begin, std::size_t end)
            {
                for (std::size_t i = begin; i < end; ++i)
                    g[i] *= factor;
            };
            detail::for_each_chunk(group.size(), rescale);
        }
        return static_cast<float>(norm);
    }

    inline float clip_by_global_norm(std::initializer_list<std::span<float>> groups, float max_norm)
    {
        return clip_by_global_norm(std::span<const std::span<float>>(groups.begin(), groups.size()),
                                   max_norm);
    }

    inline float clip_by_global_norm(std::span<float> gradients, float max_norm)
    {
        const std::span<float> groups[] = {gradients};
        return clip_by_global_norm(std::span<const std::span<float>>(groups), max_norm);
    }
}
