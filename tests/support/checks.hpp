// Boost.Test checks the layer and network suites share: a layer's backward against finite
// differences within a tolerance, and tensors against values from a reference loop.
// Include it after <boost/test/unit_test.hpp>.
#pragma once

#include "gradient_check.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ssgan::testing
{
    // The largest |actual - expected| / max(1, |expected|): absolute for values below 1,
    // relative above, so one tolerance serves small and large values alike.
    template <class Expected>
    double largest_error(std::span<const float> actual, const Expected& expected)
    {
        BOOST_TEST_REQUIRE(actual.size() == std::size(expected));
        double largest = 0.0;
        for (std::size_t i = 0; i < actual.size(); ++i)
        {
            const double want = static_cast<double>(expected[i]);
            largest = std::max(largest, std::abs(static_cast<double>(actual[i]) - want) /
                                            std::max(1.0, std::abs(want)));
        }
        return largest;
    }

    // Normal values for inputs or parameters, drawn from a stream of their own.
    inline void fill_normal(std::span<float> values, std::uint64_t seed, float mean = 0.0f,
                            float stddev = 1.0f)
    {
        random_stream random(seed);
        random.fill_normal(values, mean, stddev);
    }

    template <shape_type S>
    void fill_normal(tensor<S>& values, std::uint64_t seed, float mean = 0.0f, float stddev = 1.0f)
    {
        fill_normal(values.span(), seed, mean, stddev);
    }

    // Runs its scope at one thread. A finite-difference check makes thousands of forward passes
    // on tiny tensors; at two threads each pays an OpenMP fork and barrier, which on a loaded
    // two-core machine costs a millisecond or more, and the check takes seconds instead of
    // tenths. The reference-loop tests keep the default thread count.
    class single_thread_scope
    {
    public:
        single_thread_scope() : previous_(current_threads()) { set_threads(1); }
        ~single_thread_scope() { set_threads(previous_); }
        single_thread_scope(const single_thread_scope&) = delete;
        single_thread_scope& operator=(const single_thread_scope&) = delete;

    private:
        std::size_t previous_;
    };

    // Backward of Layer agrees with central differences within `tolerance` for the input and
    // for every parameter, and the check saw gradients large enough to expose a wrong factor.
    template <class Layer>
    void expect_gradients_match(const gradient_options& options, double tolerance)
    {
        const single_thread_scope one_thread;
        const gradient_report report = check_gradients<Layer>(options);
        const std::string what = Layer::describe() +
                                 (options.run_mode == mode::train ? " (train" : " (eval") +
                                 ", batch " + std::to_string(options.batch) + ")";

        BOOST_TEST(report.input_error < tolerance, what << ": " << report);
        BOOST_TEST(report.largest_input_gradient > 0.1,
                   what << ": gradients too small to tell a right backward from a wrong one: "
                        << report);
        if constexpr (Layer::parameter_count > 0)
        {
            BOOST_TEST(report.parameter_error < tolerance, what << ": " << report);
            BOOST_TEST(report.largest_parameter_gradient > 0.1,
                       what << ": parameter gradients too small: " << report);
        }
    }

    // The same check in train mode and in eval mode.
    template <class Layer>
    void expect_gradients_match_in_both_modes(gradient_options options, double tolerance)
    {
        options.run_mode = mode::train;
        expect_gradients_match<Layer>(options, tolerance);
        options.run_mode = mode::eval;
        expect_gradients_match<Layer>(options, tolerance);
    }
}
