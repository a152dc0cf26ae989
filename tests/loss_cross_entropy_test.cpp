#define BOOST_TEST_MODULE loss_cross_entropy
#include <boost/test/unit_test.hpp>

#include "support/loss_checks.hpp"

#include "ssgan/loss/cross_entropy.hpp"

#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace
{
    using ssgan::loss::cross_entropy;
    using ssgan::loss::cross_entropy_options;
    using ssgan::testing::check_gradient;
    using ssgan::testing::numerical_gradient;
    using ssgan::testing::random_labels;
    using ssgan::testing::random_values;

    bool message_contains(const ssgan::config_error& error, const std::string& part)
    {
        return std::string(error.what()).find(part) != std::string::npos;
    }
}

BOOST_AUTO_TEST_CASE(cross_entropy_matches_closed_form)
{
    // Row 0: equal logits, so p = 1/3 each and the loss is log 3.
    // Row 1: logits log(1), log(2), log(5), so p = (1/8, 2/8, 5/8); label 2 costs log(8/5).
    const std::vector<float> logits{0.0f, 0.0f, 0.0f, 0.0f, std::log(2.0f), std::log(5.0f)};
    const std::vector<int> labels{1, 2};
    std::vector<float> d_logits(6);

    const float loss = cross_entropy(logits, labels, 2, 3, d_logits);

    BOOST_TEST(loss == (std::log(3.0) + std::log(8.0 / 5.0)) / 2.0,
               boost::test_tools::tolerance(1e-6));
    const std::vector<double> expected{1.0 / 6,  (1.0 / 3 - 1.0) / 2, 1.0 / 6, 1.0 / 16,
                                       2.0 / 16, (5.0 / 8 - 1.0) / 2};
    for (std::size_t i = 0; i < 6; ++i)
        BOOST_TEST(d_logits[i] == expected[i], boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(cross_entropy_of_a_single_class_is_zero)
{
    const std::vector<float> logits{3.5f, -2.0f};
    const std::vector<int> labels{0, 0};
    std::vector<float> d_logits(2, 7.0f);

    BOOST_TEST(cross_entropy(logits, labels, 2, 1, d_logits) == 0.0f);
    BOOST_TEST(d_logits[0] == 0.0f);
    BOOST_TEST(d_logits[1] == 0.0f);
}

BOOST_AUTO_TEST_CASE(label_smoothing_puts_eps_over_k_on_every_class)
{
    // eps = 0.3, K = 3: q = (0.7 + 0.1, 0.1, 0.1) for label 0; p = (1/8, 2/8, 5/8).
    const std::vector<float> logits{0.0f, std::log(2.0f), std::log(5.0f)};
    const std::vector<int> labels{0};
    std::vector<float> d_logits(3);

    const float loss =
        cross_entropy(logits, labels, 1, 3, d_logits, {.label_smoothing = 0.3f, .scale = 1.0f});

    const double expected =
        -(0.8 * std::log(1.0 / 8) + 0.1 * std::log(2.0 / 8) + 0.1 * std::log(5.0 / 8));
    BOOST_TEST(loss == expected, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(d_logits[0] == 1.0 / 8 - 0.8, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(d_logits[1] == 2.0 / 8 - 0.1, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(d_logits[2] == 5.0 / 8 - 0.1, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(full_label_smoothing_ignores_the_label)
{
    // eps = 1 is the uniform target: the loss is the mean of -log p_k whatever the label.
    const std::vector<float> logits{0.0f, std::log(2.0f), std::log(5.0f)};
    std::vector<float> d_logits(3);
    const double expected = -(std::log(1.0 / 8) + std::log(2.0 / 8) + std::log(5.0 / 8)) / 3.0;
    for (const int label : {0, 1, 2})
    {
        const std::vector<int> labels{label};
        BOOST_TEST(cross_entropy(logits, labels, 1, 3, d_logits, {.label_smoothing = 1.0f}) ==
                       expected,
                   boost::test_tools::tolerance(1e-6));
    }
}

BOOST_AUTO_TEST_CASE(cross_entropy_gradient_matches_finite_differences)
{
    const std::size_t batch = 4;
    const std::size_t classes = 5;
    for (unsigned seed = 1; seed <= 5; ++seed)
    {
        for (const float smoothing : {0.0f, 0.1f})
        {
            BOOST_TEST_CONTEXT("seed " << seed << ", label_smoothing " << smoothing)
            {
                const auto logits = random_values(batch * classes, seed, 2.0f);
                const auto labels = random_labels(batch, static_cast<int>(classes), seed + 100);
                const cross_entropy_options options{.label_smoothing = smoothing, .scale = 1.0f};
                std::vector<float> analytic(batch * classes);
                cross_entropy(logits, labels, batch, classes, analytic, options);

                const auto numeric = numerical_gradient(
                    logits, [&](std::span<const float> z)
                    { return cross_entropy(z, labels, batch, classes, {}, options); });
                check_gradient(analytic, numeric);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(scale_multiplies_the_gradient_but_not_the_loss)
{
    const auto logits = random_values(6, 7, 1.0f);
    const std::vector<int> labels{2, 0};
    std::vector<float> plain(6);
    std::vector<float> scaled(6);

    const float plain_loss = cross_entropy(logits, labels, 2, 3, plain);
    const float scaled_loss = cross_entropy(logits, labels, 2, 3, scaled, {.scale = 2.5f});

    BOOST_TEST(plain_loss == scaled_loss);
    for (std::size_t i = 0; i < 6; ++i)
        BOOST_TEST(scaled[i] == 2.5f * plain[i], boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(empty_gradient_span_gives_the_same_loss)
{
    const auto logits = random_values(12, 3, 1.5f);
    const std::vector<int> labels{1, 3, 0};
    std::vector<float> d_logits(12);
    BOOST_TEST(cross_entropy(logits, labels, 3, 4, {}) ==
               cross_entropy(logits, labels, 3, 4, d_logits));
}

BOOST_AUTO_TEST_CASE(cross_entropy_is_stable_for_huge_logits)
{
    // lse(1000, 0) = 1000 + log(1 + e^-1000) = 1000 in any precision.
    const std::vector<float> logits{1000.0f, 0.0f, 1000.0f, 0.0f};
    const std::vector<int> labels{1, 0};
    std::vector<float> d_logits(4);

    const float loss = cross_entropy(logits, labels, 2, 2, d_logits);

    BOOST_TEST(loss == 500.0f);
    BOOST_TEST(d_logits[0] == 0.5f);
    BOOST_TEST(d_logits[1] == -0.5f);
    BOOST_TEST(d_logits[2] == 0.0f);
    BOOST_TEST(d_logits[3] == 0.0f);
}

BOOST_AUTO_TEST_CASE(cross_entropy_rejects_bad_arguments_with_a_useful_message)
{
    const std::vector<float> logits(6, 0.0f);
    std::vector<float> d_logits(6);
    const std::vector<int> out_of_range{0, 3};
    const std::vector<int> good{0, 2};
    const std::vector<int> too_few{0};

    BOOST_CHECK_EXCEPTION(cross_entropy(logits, out_of_range, 2, 3, d_logits), ssgan::config_error,
                          [](const auto& e) { return message_contains(e, "labels[1] is 3"); });
    BOOST_CHECK_EXCEPTION(cross_entropy(logits, good, 2, 4, d_logits), ssgan::config_error,
                          [](const auto& e)
                          { return message_contains(e, "expected batch 2 x 4"); });
    BOOST_CHECK_THROW(cross_entropy(logits, too_few, 2, 3, d_logits), ssgan::config_error);
    BOOST_CHECK_THROW(cross_entropy(logits, good, 2, 3, std::span<float>(d_logits).first(5)),
                      ssgan::config_error);
    BOOST_CHECK_THROW(cross_entropy(logits, good, 2, 3, d_logits, {.label_smoothing = 1.5f}),
                      ssgan::config_error);
    BOOST_CHECK_THROW(cross_entropy({}, {}, 0, 3, {}), ssgan::config_error);
}

BOOST_AUTO_TEST_CASE(argmax_picks_the_first_of_tied_maxima)
{
    const std::vector<float> row{1.0f, 4.0f, 4.0f, -2.0f};
    BOOST_TEST(ssgan::loss::argmax(row) == 1u);
    BOOST_CHECK_THROW(ssgan::loss::argmax(std::span<const float>{}), ssgan::config_error);
}

BOOST_AUTO_TEST_CASE(accuracy_counts_rows_whose_argmax_is_the_label)
{
    const std::vector<float> logits{
        0.9f, 0.1f, 0.0f, //
        0.2f, 0.3f, 0.5f, //
        0.0f, 2.0f, 1.0f, //
        5.0f, 5.0f, 0.0f,
    };
    std::vector<int> predictions(4);
    ssgan::loss::argmax(logits, 4, 3, predictions);
    BOOST_TEST(predictions == (std::vector<int>{0, 2, 1, 0}), boost::test_tools::per_element());

    const std::vector<int> labels{0, 1, 1, 1};
    BOOST_TEST(ssgan::loss::count_correct(logits, labels, 4, 3) == 2u);
    BOOST_TEST(ssgan::loss::accuracy(logits, labels, 4, 3) == 0.5f);
}
