// Finite-difference checks shared by the loss suites: central differences of a float loss
// over a flat input, and an element-wise comparison whose tolerance would catch a wrong factor.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <span>
#include <vector>

namespace ssgan::testing
{
    // Central differences of a float-valued loss; the step actually taken (after rounding to
    // float) is the denominator, so rounding of x +- h does not bias the estimate.
    inline std::vector<float>
    numerical_gradient(std::vector<float> input,
                       const std::function<float(std::span<const float>)>& loss, float h = 5e-3f)
    {
        std::vector<float> gradient(input.size());
        for (std::size_t i = 0; i < input.size(); ++i)
        {
            const float original = input[i];
            input[i] = original + h;
            const float up_x = input[i];
            const double up = loss(input);
            input[i] = original - h;
            const float down_x = input[i];
            const double down = loss(input);
            input[i] = original;
            gradient[i] = static_cast<float>((up - down) / (static_cast<double>(up_x) - down_x));
        }
        return gradient;
    }

    inline void check_gradient(const std::vector<float>& analytic,
                               const std::vector<float>& numeric)
    {
        BOOST_REQUIRE_EQUAL(analytic.size(), numeric.size());
        for (std::size_t i = 0; i < analytic.size(); ++i)
        {
            BOOST_TEST_CONTEXT("element " << i << ": analytic " << analytic[i] << ", numeric "
                                          << numeric[i])
            {
                BOOST_TEST(std::abs(analytic[i] - numeric[i]) <=
                           2e-4f + 2e-3f * std::abs(numeric[i]));
            }
        }
    }

    // Normal values with mean 0, reproducible from the seed.
    inline std::vector<float> random_values(std::size_t count, unsigned seed, float spread)
    {
        std::mt19937 engine(seed);
        std::normal_distribution<float> normal(0.0f, spread);
        std::vector<float> values(count);
        for (auto& value : values)
            value = normal(engine);
        return values;
    }

    inline std::vector<int> random_labels(std::size_t count, int classes, unsigned seed)
    {
        std::mt19937 engine(seed);
        std::uniform_int_distribution<int> pick(0, classes - 1);
        std::vector<int> labels(count);
        for (auto& label : labels)
            label = pick(engine);
        return labels;
    }
}
