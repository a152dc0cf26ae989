// Stochastic gradient descent with optional momentum and Nesterov momentum, over one flat
// parameter buffer and its gradient buffer; one parallel pass per step. The velocity is exposed
// so a checkpoint can save and restore it.
//
// The formulation of PyTorch's SGD (Sutskever et al. 2013 rewritten with the rate outside the
// velocity, so a schedule that changes lr does not rescale past steps), with momentum mu:
//     v = mu v + g
//     theta -= lr * v               (classical momentum; mu = 0 is plain SGD)
//     theta -= lr * (g + mu v)      (Nesterov)
#pragma once

#include "ssgan/optim/detail/common.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace ssgan::optim
{
    struct sgd_options
    {
        float lr = 0.01f;
        float momentum = 0.0f;
        // Needs momentum > 0.
        bool nesterov = false;
    };

    class sgd
    {
    public:
        // An optimizer for `size` parameters with zero velocity.
        explicit sgd(std::size_t size, sgd_options options = {})
            : options_(checked(options)), velocity_(size, 0.0f)
        {
        }

        void step(std::span<float> parameters, std::span<const float> gradients)
        {
            constexpr std::string_view function = "ssgan::optim::sgd::step";
            detail::require_size(function, "parameters", parameters.size(), size());
            detail::require_size(function, "gradients", gradients.size(), size());

            const float lr = options_.lr;
            const float momentum = options_.momentum;
            const bool nesterov = options_.nesterov;
            float* theta = parameters.data();
            const float* g = gradients.data();
            float* v = velocity_.data();

            const auto update = [=](std::size_t begin, std::size_t end)
            {
                for (std::size_t i = begin; i < end; ++i)
                {
                    v[i] = momentum * v[i] + g[i];
                    const float direction = nesterov ? g[i] + momentum * v[i] : v[i];
                    theta[i] -= lr * direction;
                }
            };
            detail::for_each_chunk(size(), update);
        }

        std::size_t size() const { return velocity_.size(); }
        const sgd_options& options() const { return options_; }

        // For a learning-rate schedule: the rate the next step uses.
        void set_lr(float lr)
        {
            detail::require_in_range("ssgan::optim::sgd::set_lr", "lr", lr, 0.0, HUGE_VAL, false);
            options_.lr = lr;
        }

        std::span<const float> velocity() const { return velocity_; }

        // Restores the state a checkpoint saved from velocity().
        void load_state(std::span<const float> velocity)
        {
            detail::require_size("ssgan::optim::sgd::load_state", "velocity", velocity.size(),
                                 size());
            velocity_.assign(velocity.begin(), velocity.end());
        }

        void reset() { std::fill(velocity_.begin(), velocity_.end(), 0.0f); }

    private:
        static sgd_options checked(sgd_options options)
        {
            constexpr std::string_view function = "ssgan::optim::sgd";
            detail::require_in_range(function, "lr", options.lr, 0.0, HUGE_VAL, false);
            detail::require_in_range(function, "momentum", options.momentum, 0.0, 1.0, false);
            if (options.nesterov && options.momentum == 0.0f)
                detail::fail(function, "nesterov needs momentum > 0, found momentum 0");
            return options;
        }

        sgd_options options_;
        std::vector<float> velocity_;
    };
}
