// An exponential moving average of one flat parameter buffer, kept next to training and used in
// place of the raw parameters for evaluation and sampling. The average and the update count are
// exposed so a checkpoint can save and restore them.
//
// After each optimizer step, with t the number of earlier updates:
//     decay_t = decay                              (plain)
//     decay_t = min(decay, (1 + t) / (10 + t))     (warm-up, as TensorFlow's moving average
//                                                   with num_updates)
//     average = decay_t * average + (1 - decay_t) * parameters
// The warm-up keeps the first averages from clinging to the initial parameters: with decay 0.999
// and no warm-up, after 100 updates the initialization would still weigh 0.999^100 = 90%.
#pragma once

#include "ssgan/optim/detail/common.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ssgan::optim
{
    struct ema_options
    {
        float decay = 0.999f;
        bool warmup = false;
    };

    class exponential_moving_average
    {
    public:
        // Starts the average at the given parameters, with no updates counted.
        explicit exponential_moving_average(std::span<const float> parameters,
                                            ema_options options = {})
            : options_(checked(options)), average_(parameters.begin(), parameters.end())
        {
        }

        // Folds the current parameters into the average.
        void update(std::span<const float> parameters)
        {
            detail::require_size("ssgan::optim::exponential_moving_average::update", "parameters",
                                 parameters.size(), size());
            const float decay = next_decay();
            const float keep = 1.0f - decay;
            const float* theta = parameters.data();
            float* average = average_.data();
            const auto fold = [=](std::size_t begin, std::size_t end)
            {
                for (std::size_t i = begin; i < end; ++i)
                    average[i] = decay * average[i] + keep * theta[i];
            };
            detail::for_each_chunk(size(), fold);
            ++updates_;
        }

        // The decay the next update() uses.
        float next_decay() const
        {
            if (!options_.warmup)
                return options_.decay;
            const double t = static_cast<double>(updates_);
            return std::min(options_.decay, static_cast<float>((1.0 + t) / (10.0 + t)));
        }

        std::size_t size() const { return average_.size(); }
        const ema_options& options() const { return options_; }
        std::uint64_t updates() const { return updates_; }
        std::span<const float> average() const { return average_; }

        // Writes the average into parameters, e.g. into an evaluation copy of the network.
        void copy_to(std::span<float> parameters) const
        {
            detail::require_size("ssgan::optim::exponential_moving_average::copy_to", "parameters",
                                 parameters.size(), size());
            std::copy(average_.begin(), average_.end(), parameters.begin());
        }

        // Exchanges the average with parameters: call once to evaluate with the average in the
        // training network, and once more to put the trained parameters back, with no copy.
        void swap_with(std::span<float> parameters)
        {
            detail::require_size("ssgan::optim::exponential_moving_average::swap_with",
                                 "parameters", parameters.size(), size());
            std::swap_ranges(average_.begin(), average_.end(), parameters.begin());
        }

        // Restores the state a checkpoint saved from average() and updates().
        void load_state(std::span<const float> average, std::uint64_t updates)
        {
            detail::require_size("ssgan::optim::exponential_moving_average::load_state", "average",
                                 average.size(), size());
            average_.assign(average.begin(), average.end());
            updates_ = updates;
        }

    private:
        static ema_options checked(ema_options options)
        {
            detail::require_in_range("ssgan::optim::exponential_moving_average", "decay",
                                     options.decay, 0.0, 1.0, true);
            return options;
        }

        ema_options options_;
        std::vector<float> average_;
        std::uint64_t updates_ = 0;
    };
}
