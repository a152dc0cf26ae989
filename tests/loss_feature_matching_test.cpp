#define BOOST_TEST_MODULE loss_feature_matching
#include <boost/test/unit_test.hpp>

#include "support/loss_checks.hpp"

#include "ssgan/loss/feature_matching.hpp"

#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <span>
#include <vector>

namespace
{
    using ssgan::loss::feature_distance;
    using ssgan::loss::feature_matching;
    using ssgan::testing::check_gradient;
    using ssgan::testing::numerical_gradient;
    namespace tt = boost::test_tools;

    std::vector<float> random_values(std::size_t count, unsigned seed, float mean)
    {
        std::mt19937 engine(seed);
        std::normal_distribution<float> normal(mean, 1.0f);
        std::vector<float> values(count);
        for (auto& value : values)
            value = normal(engine);
        return values;
    }

    // real [2 x 2] with batch mean (2, 3); fake [3 x 2] with batch mean (1, 1).
    const std::vector<float> real{1.0f, 2.0f, 3.0f, 4.0f};
    const std::vector<float> fake{0.0f, 1.0f, 0.0f, 1.0f, 3.0f, 1.0f};
}

BOOST_AUTO_TEST_CASE(batch_mean_averages_each_feature_over_rows)
{
    std::vector<float> mean(2);
    ssgan::loss::batch_mean(fake, 3, 2, mean);
    BOOST_TEST(mean == (std::vector<float>{1.0f, 1.0f}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(squared_l2_is_the_mean_over_features_of_squared_mean_differences)
{
    // Differences of the means (2 - 1, 3 - 1) = (1, 2): loss (1 + 4) / 2 = 2.5.
    // d/d fake_if = -2 (m_real_f - m_fake_f) / (F n_fake) = -2 (1, 2) / 6 on every row.
    std::vector<float> d_fake(6);
    const float loss = feature_matching(real, 2, fake, 3, 2, d_fake);

    BOOST_TEST(loss == 2.5f);
    for (std::size_t row = 0; row < 3; ++row)
    {
        BOOST_TEST(d_fake[row * 2] == -1.0 / 3.0, tt::tolerance(1e-6));
        BOOST_TEST(d_fake[row * 2 + 1] == -2.0 / 3.0, tt::tolerance(1e-6));
    }
}

BOOST_AUTO_TEST_CASE(l1_is_the_mean_over_features_of_absolute_mean_differences)
{
    // (|1| + |2|) / 2 = 1.5; d/d fake_if = -sign(difference) / (F n_fake) = -1/6.
    std::vector<float> d_fake(6);
    const float loss = feature_matching(real, 2, fake, 3, 2, d_fake, feature_distance::l1);

    BOOST_TEST(loss == 1.5f);
    for (const float d : d_fake)
        BOOST_TEST(d == -1.0 / 6.0, tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(matching_means_give_zero_loss_and_gradient)
{
    const std::vector<float> shuffled{3.0f, 4.0f, 1.0f, 2.0f};
    std::vector<float> d_fake(4, 9.0f);
    for (const auto distance : {feature_distance::squared_l2, feature_distance::l1})
    {
        BOOST_TEST(feature_matching(real, 2, shuffled, 2, 2, d_fake, distance) == 0.0f);
        BOOST_TEST(d_fake == (std::vector<float>(4, 0.0f)), tt::per_element());
    }
}

BOOST_AUTO_TEST_CASE(feature_matching_gradient_matches_finite_differences)
{
    const std::size_t features = 5;
    for (unsigned seed = 1; seed <= 4; ++seed)
    {
        // Means far apart (0 against 3) keep the L1 kink well away from the finite differences.
        const auto real_features = random_values(4 * features, seed, 0.0f);
        const auto fake_features = random_values(3 * features, seed + 40, 3.0f);
        for (const auto distance : {feature_distance::squared_l2, feature_distance::l1})
        {
            BOOST_TEST_CONTEXT("seed " << seed << ", distance " << static_cast<int>(distance))
            {
                std::vector<float> analytic(fake_features.size());
                feature_matching(real_features, 4, fake_features, 3, features, analytic, distance,
                                 0.7f);
                const auto numeric =
                    numerical_gradient(fake_features,
                                       [&](std::span<const float> f) {
                                           return 0.7f * feature_matching(real_features, 4, f, 3,
                                                                          features, {}, distance);
                                       });
                check_gradient(analytic, numeric);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(matching_to_a_precomputed_mean_equals_matching_to_its_batch)
{
    const auto real_features = random_values(6 * 4, 5, 1.0f);
    const auto fake_features = random_values(2 * 4, 6, -1.0f);
    std::vector<float> mean(4);
    ssgan::loss::batch_mean(real_features, 6, 4, mean);
    std::vector<float> from_batch(fake_features.size());
    std::vector<float> from_mean(fake_features.size());

    const float batch_loss = feature_matching(real_features, 6, fake_features, 2, 4, from_batch);
    const float mean_loss =
        ssgan::loss::feature_matching_to_mean(mean, fake_features, 2, 4, from_mean);

    BOOST_TEST(batch_loss == mean_loss, tt::tolerance(1e-6f));
    BOOST_TEST(from_batch == from_mean, tt::tolerance(1e-6f) << tt::per_element());
}

BOOST_AUTO_TEST_CASE(feature_matching_rejects_mismatched_widths)
{
    std::vector<float> d_fake(6);
    BOOST_CHECK_THROW(feature_matching(real, 2, fake, 3, 3, d_fake), ssgan::config_error);
    BOOST_CHECK_THROW(feature_matching(real, 2, fake, 2, 2, d_fake), ssgan::config_error);
    BOOST_CHECK_THROW(feature_matching(real, 0, fake, 3, 2, d_fake), ssgan::config_error);
    const std::vector<float> short_mean{1.0f};
    BOOST_CHECK_THROW(ssgan::loss::feature_matching_to_mean(short_mean, fake, 3, 2, d_fake),
                      ssgan::config_error);
}
