#define BOOST_TEST_MODULE loss_huber
#include <boost/test/unit_test.hpp>

#include "support/loss_checks.hpp"

#include "ssgan/loss/huber.hpp"
#include "ssgan/loss/reconstruction.hpp"

#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <span>
#include <vector>

namespace
{
    using ssgan::testing::check_gradient;
    using ssgan::testing::numerical_gradient;
    namespace tt = boost::test_tools;

    // Residuals kept at least 0.05 away from 0 and from +-delta, where the losses have kinks.
    std::vector<float> residuals_away_from_kinks(std::size_t count, unsigned seed, float delta)
    {
        std::mt19937 engine(seed);
        std::uniform_real_distribution<float> uniform(-3.0f, 3.0f);
        std::vector<float> values;
        while (values.size() < count)
        {
            const float r = uniform(engine);
            if (std::abs(r) > 0.05f && std::abs(std::abs(r) - delta) > 0.05f)
                values.push_back(r);
        }
        return values;
    }

    // prediction - target = (0, 0.5, 3, -2) as a batch of 2 rows of width 2.
    const std::vector<float> target{1.0f, -1.0f, 0.0f, 2.0f};
    const std::vector<float> prediction{1.0f, -0.5f, 3.0f, 0.0f};
}

BOOST_AUTO_TEST_CASE(huber_matches_closed_form)
{
    // delta 1: h = (0, 0.5^2/2, 1 * (3 - 0.5), 1 * (2 - 0.5)) = (0, 0.125, 2.5, 1.5).
    std::vector<float> d_prediction(4);
    const float loss = ssgan::loss::huber(prediction, target, 2, 2, d_prediction);

    BOOST_TEST(loss == (0.0 + 0.125 + 2.5 + 1.5) / 4.0, tt::tolerance(1e-7));
    // clamp(r, -1, 1) / 4.
    BOOST_TEST(d_prediction == (std::vector<float>{0.0f, 0.125f, 0.25f, -0.25f}),
               tt::per_element());
}

BOOST_AUTO_TEST_CASE(huber_delta_moves_the_quadratic_to_linear_boundary)
{
    // delta 2: h = (0, 0.125, 2 * (3 - 1), (-2)^2 / 2) = (0, 0.125, 4, 2).
    std::vector<float> d_prediction(4);
    const float loss =
        ssgan::loss::huber(prediction, target, 2, 2, d_prediction, {.delta = 2.0f, .scale = 1.0f});

    BOOST_TEST(loss == (0.0 + 0.125 + 4.0 + 2.0) / 4.0, tt::tolerance(1e-7));
    BOOST_TEST(d_prediction == (std::vector<float>{0.0f, 0.125f, 0.5f, -0.5f}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(huber_is_continuous_at_delta)
{
    const std::vector<float> zero{0.0f};
    const std::vector<float> at_delta{0.75f};
    // Quadratic side 0.75^2 / 2 = 0.28125; linear side 0.75 (0.75 - 0.375) = 0.28125.
    BOOST_TEST(ssgan::loss::huber(at_delta, zero, 1, 1, {}, {.delta = 0.75f}) == 0.28125f);
}

BOOST_AUTO_TEST_CASE(mean_squared_and_absolute_errors_match_closed_form)
{
    std::vector<float> d_squared(4);
    std::vector<float> d_absolute(4);
    const float squared =
        ssgan::loss::mean_squared_error(prediction, target, 2, 2, d_squared, 2.0f);
    const float absolute = ssgan::loss::mean_absolute_error(prediction, target, 2, 2, d_absolute);

    // (0 + 0.25 + 9 + 4) / 4 and (0 + 0.5 + 3 + 2) / 4.
    BOOST_TEST(squared == 13.25 / 4.0, tt::tolerance(1e-7));
    BOOST_TEST(absolute == 5.5 / 4.0, tt::tolerance(1e-7));
    // scale 2 times 2 r / 4; sign(r) / 4 with sign(0) = 0.
    BOOST_TEST(d_squared == (std::vector<float>{0.0f, 0.5f, 3.0f, -2.0f}), tt::per_element());
    BOOST_TEST(d_absolute == (std::vector<float>{0.0f, 0.25f, 0.25f, -0.25f}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(regression_gradients_match_finite_differences)
{
    const std::size_t batch = 3;
    const std::size_t width = 4;
    for (unsigned seed = 1; seed <= 4; ++seed)
    {
        const float delta = 1.2f;
        const auto residual = residuals_away_from_kinks(batch * width, seed, delta);
        std::vector<float> target_values(residual.size());
        std::vector<float> prediction_values(residual.size());
        for (std::size_t i = 0; i < residual.size(); ++i)
        {
            target_values[i] = 0.25f * static_cast<float>(i);
            prediction_values[i] = target_values[i] + residual[i];
        }

        const std::vector<std::function<float(std::span<const float>, std::span<float>)>> losses{
            [&](auto p, auto d) {
                return ssgan::loss::huber(p, target_values, batch, width, d,
                                          {.delta = delta, .scale = 1.0f});
            },
            [&](auto p, auto d)
            { return ssgan::loss::mean_squared_error(p, target_values, batch, width, d); },
            [&](auto p, auto d)
            { return ssgan::loss::mean_absolute_error(p, target_values, batch, width, d); },
        };
        for (std::size_t term = 0; term < losses.size(); ++term)
        {
            BOOST_TEST_CONTEXT("seed " << seed << ", loss " << term)
            {
                std::vector<float> analytic(prediction_values.size());
                losses[term](prediction_values, analytic);
                check_gradient(analytic,
                               numerical_gradient(prediction_values, [&](std::span<const float> p)
                                                  { return losses[term](p, {}); }));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(regression_losses_reject_bad_arguments)
{
    std::vector<float> d(4);
    BOOST_CHECK_THROW(ssgan::loss::huber(prediction, target, 2, 2, d, {.delta = 0.0f}),
                      ssgan::config_error);
    BOOST_CHECK_THROW(ssgan::loss::huber(prediction, target, 4, 2, d), ssgan::config_error);
    const std::vector<float> short_target{1.0f};
    BOOST_CHECK_THROW(ssgan::loss::mean_squared_error(prediction, short_target, 2, 2, d),
                      ssgan::config_error);
    BOOST_CHECK_THROW(
        ssgan::loss::mean_absolute_error(prediction, target, 2, 2, std::span<float>(d).first(3)),
        ssgan::config_error);
}
