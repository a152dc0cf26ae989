// Adam over one flat parameter buffer and its gradient buffer of the same length: one fused,
// parallel pass per step. The moments and the step count are exposed so a checkpoint can save
// them and restore them exactly.
//
// Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", algorithm 1; at step t >= 1:
//     m = beta1 m + (1 - beta1) g
//     v = beta2 v + (1 - beta2) g^2
//     theta -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
// Every element is updated alone, so the result does not depend on the thread count.
#pragma once

#include "ssgan/optim/detail/common.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ssgan::optim
{
    struct adam_options
    {
        float lr = 1e-3f;
        float beta1 = 0.9f;
        float beta2 = 0.999f;
        float epsilon = 1e-8f;
    };

    class adam
    {
    public:
        // An optimizer for `size` parameters, its moments zero and its step count 0.
        explicit adam(std::size_t size, adam_options options = {})
            : options_(checked(options)), first_moment_(size, 0.0f), second_moment_(size, 0.0f)
        {
        }

        // One Adam step: updates the moments from gradients, then parameters in place.
        void step(std::span<float> parameters, std::span<const float> gradients)
        {
            constexpr std::string_view function = "ssgan::optim::adam::step";
            detail::require_size(function, "parameters", parameters.size(), size());
            detail::require_size(function, "gradients", gradients.size(), size());

            ++steps_;
            const double t = static_cast<double>(steps_);
            const auto bias_correction1 =
                static_cast<float>(1.0 - std::pow(static_cast<double>(options_.beta1), t));
            const auto bias_correction2 =
                static_cast<float>(1.0 - std::pow(static_cast<double>(options_.beta2), t));

            const float beta1 = options_.beta1;
            const float beta2 = options_.beta2;
            const float lr = options_.lr;
            const float epsilon = options_.epsilon;
            float* theta = parameters.data();
            const float* g = gradients.data();
            float* m = first_moment_.data();
            float* v = second_moment_.data();

            const auto update = [=](std::size_t begin, std::size_t end)
            {
                for (std::size_t i = begin; i < end; ++i)
                {
                    m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
                    v[i] = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
                    const float m_hat = m[i] / bias_correction1;
                    const float v_hat = v[i] / bias_correction2;
                    theta[i] -= lr * m_hat / (std::sqrt(v_hat) + epsilon);
                }
            };
            detail::for_each_chunk(size(), update);
        }

        std::size_t size() const { return first_moment_.size(); }
        const adam_options& options() const { return options_; }

        // Steps taken so far; the next step's bias correction uses steps() + 1.
        std::uint64_t steps() const { return steps_; }

        // For a learning-rate schedule: the rate the next step uses. It does not touch the
        // moments, so changing it mid-run is safe.
        void set_lr(float lr)
        {
            detail::require_in_range("ssgan::optim::adam::set_lr", "lr", lr, 0.0, HUGE_VAL, false);
            options_.lr = lr;
        }

        std::span<const float> first_moment() const { return first_moment_; }
        std::span<const float> second_moment() const { return second_moment_; }

        // Restores the state a checkpoint saved from first_moment(), second_moment(), steps().
        void load_state(std::span<const float> first_moment, std::span<const float> second_moment,
                        std::uint64_t steps)
        {
            constexpr std::string_view function = "ssgan::optim::adam::load_state";
            detail::require_size(function, "first_moment", first_moment.size(), size());
            detail::require_size(function, "second_moment", second_moment.size(), size());
            for (const float value : second_moment)
                if (!(value >= 0.0f))
                    detail::fail(function, "second_moment holds " + std::to_string(value) +
                                               ", expected values >= 0");
            first_moment_.assign(first_moment.begin(), first_moment.end());
            second_moment_.assign(second_moment.begin(), second_moment.end());
            steps_ = steps;
        }

        // Back to zero moments and step 0, as if just constructed.
        void reset()
        {
            std::fill(first_moment_.begin(), first_moment_.end(), 0.0f);
            std::fill(second_moment_.begin(), second_moment_.end(), 0.0f);
            steps_ = 0;
        }

    private:
        static adam_options checked(adam_options options)
        {
            constexpr std::string_view function = "ssgan::optim::adam";
            detail::require_in_range(function, "lr", options.lr, 0.0, HUGE_VAL, false);
            detail::require_in_range(function, "beta1", options.beta1, 0.0, 1.0, false);
            detail::require_in_range(function, "beta2", options.beta2, 0.0, 1.0, false);
            if (!(options.epsilon > 0.0f) || !std::isfinite(options.epsilon))
                detail::fail(function, "epsilon is " + std::to_string(options.epsilon) +
                                           ", expected a finite value > 0");
            return options;
        }

        adam_options options_;
        std::vector<float> first_moment_;
        std::vector<float> second_moment_;
        std::uint64_t steps_ = 0;
    };
}
