#define BOOST_TEST_MODULE loss_ssgan
#include <boost/test/unit_test.hpp>

#include "support/loss_checks.hpp"

#include "ssgan/loss/ssgan.hpp"

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
    using ssgan::testing::random_labels;
    using ssgan::testing::random_values;
    namespace implicit_fake = ssgan::loss::implicit_fake;
    namespace explicit_fake = ssgan::loss::explicit_fake;
    namespace tt = boost::test_tools;

    using loss_of = std::function<float(std::span<const float>)>;

    // Each row of logits [batch x classes] followed by one extra logit `fake_logit`.
    std::vector<float> with_fake_column(const std::vector<float>& logits, std::size_t classes,
                                        float fake_logit, float shift = 0.0f)
    {
        std::vector<float> wide;
        for (std::size_t row = 0; row < logits.size() / classes; ++row)
        {
            for (std::size_t k = 0; k < classes; ++k)
                wide.push_back(logits[row * classes + k] + shift);
            wide.push_back(fake_logit + shift);
        }
        return wide;
    }

    // The first `classes` columns of each row of a [batch x (classes + 1)] buffer.
    std::vector<float> real_columns(const std::vector<float>& wide, std::size_t classes)
    {
        std::vector<float> narrow;
        for (std::size_t i = 0; i < wide.size(); ++i)
            if (i % (classes + 1) != classes)
                narrow.push_back(wide[i]);
        return narrow;
    }
}

BOOST_AUTO_TEST_CASE(implicit_form_matches_closed_form)
{
    // One row z = (log 1, log 3): l = log 4, D(x) = 4 / (4 + 1) = 4/5, softmax(z) = (1/4, 3/4).
    const std::vector<float> logits{0.0f, std::log(3.0f)};
    std::vector<float> d_real(2);
    std::vector<float> d_fake(2);
    std::vector<float> d_generator(2);

    const float real = implicit_fake::real_unlabeled(logits, 1, 2, d_real);
    const float fake = implicit_fake::fake(logits, 1, 2, d_fake);
    const float generator = implicit_fake::generator(logits, 1, 2, d_generator);

    // -log D = log(5/4); -log(1 - D) = log 5; the generator's -log D(G(z)) = log(5/4).
    BOOST_TEST(real == std::log(5.0 / 4.0), tt::tolerance(1e-6));
    BOOST_TEST(fake == std::log(5.0), tt::tolerance(1e-6));
    BOOST_TEST(generator == std::log(5.0 / 4.0), tt::tolerance(1e-6));

    // d(-log D)/dz_k = -(1 - D) softmax_k = -(1/5)(1/4, 3/4); d(-log(1 - D))/dz_k = D softmax_k.
    BOOST_TEST(d_real[0] == -1.0 / 20, tt::tolerance(1e-6));
    BOOST_TEST(d_real[1] == -3.0 / 20, tt::tolerance(1e-6));
    BOOST_TEST(d_fake[0] == 4.0 / 20, tt::tolerance(1e-6));
    BOOST_TEST(d_fake[1] == 12.0 / 20, tt::tolerance(1e-6));
    BOOST_TEST(d_generator == d_real, tt::per_element());
}

BOOST_AUTO_TEST_CASE(implicit_form_averages_over_the_batch)
{
    // Rows (0, 0): l = log 2, D = 2/3; and (log 1, log 3): l = log 4, D = 4/5.
    const std::vector<float> logits{0.0f, 0.0f, 0.0f, std::log(3.0f)};
    BOOST_TEST(implicit_fake::real_unlabeled(logits, 2, 2, {}) ==
                   (std::log(3.0 / 2.0) + std::log(5.0 / 4.0)) / 2.0,
               tt::tolerance(1e-6));
    BOOST_TEST(implicit_fake::fake(logits, 2, 2, {}) == (std::log(3.0) + std::log(5.0)) / 2.0,
               tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(explicit_form_matches_closed_form)
{
    // One row (log 1, log 3, log 2) with K = 2: p = (1/6, 3/6, 2/6), p_fake = 1/3.
    const std::vector<float> logits{0.0f, std::log(3.0f), std::log(2.0f)};
    const std::vector<int> labels{1};
    std::vector<float> d_labeled(3);
    std::vector<float> d_smoothed(3);
    std::vector<float> d_real(3);
    std::vector<float> d_fake(3);

    const float labeled = explicit_fake::real_labeled(logits, labels, 1, 2, d_labeled);
    const float smoothed =
        explicit_fake::real_labeled(logits, labels, 1, 2, d_smoothed, {.label_smoothing = 0.1f});
    const float real = explicit_fake::real_unlabeled(logits, 1, 2, d_real);
    const float fake = explicit_fake::fake(logits, 1, 2, d_fake);

    BOOST_TEST(labeled == std::log(2.0), tt::tolerance(1e-6));
    BOOST_TEST(smoothed == -(0.9 * std::log(1.0 / 2) + 0.1 * std::log(1.0 / 3)),
               tt::tolerance(1e-6));
    BOOST_TEST(real == std::log(3.0 / 2.0), tt::tolerance(1e-6));
    BOOST_TEST(fake == std::log(3.0), tt::tolerance(1e-6));

    // p - q with q = (0, 1, 0), (0, 0.9, 0.1), the real-class softmax (1/4, 3/4, 0), (0, 0, 1).
    const std::vector<std::vector<double>> expected{{1.0 / 6, 1.0 / 2 - 1.0, 1.0 / 3},
                                                    {1.0 / 6, 1.0 / 2 - 0.9, 1.0 / 3 - 0.1},
                                                    {1.0 / 6 - 1.0 / 4, 1.0 / 2 - 3.0 / 4, 1.0 / 3},
                                                    {1.0 / 6, 1.0 / 2, 1.0 / 3 - 1.0}};
    const std::vector<std::vector<float>*> found{&d_labeled, &d_smoothed, &d_real, &d_fake};
    for (std::size_t term = 0; term < 4; ++term)
        for (std::size_t k = 0; k < 3; ++k)
            BOOST_TEST((*found[term])[k] == expected[term][k], tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(implicit_form_equals_explicit_form_with_a_zero_fake_logit)
{
    const std::size_t batch = 5;
    const std::size_t classes = 4;
    for (unsigned seed = 1; seed <= 4; ++seed)
    {
        BOOST_TEST_CONTEXT("seed " << seed)
        {
            const auto logits = random_values(batch * classes, seed, 3.0f);
            const auto wide = with_fake_column(logits, classes, 0.0f);
            std::vector<float> d_implicit(batch * classes);
            std::vector<float> d_explicit(batch * (classes + 1));

            const float implicit_real =
                implicit_fake::real_unlabeled(logits, batch, classes, d_implicit);
            const float explicit_real =
                explicit_fake::real_unlabeled(wide, batch, classes, d_explicit);
            BOOST_TEST(implicit_real == explicit_real, tt::tolerance(1e-6f));
            BOOST_TEST(d_implicit == real_columns(d_explicit, classes), tt::tolerance(1e-6f)
                                                                            << tt::per_element());

            const float implicit_fake_loss =
                implicit_fake::fake(logits, batch, classes, d_implicit);
            const float explicit_fake_loss = explicit_fake::fake(wide, batch, classes, d_explicit);
            BOOST_TEST(implicit_fake_loss == explicit_fake_loss, tt::tolerance(1e-6f));
            BOOST_TEST(d_implicit == real_columns(d_explicit, classes), tt::tolerance(1e-6f)
                                                                            << tt::per_element());

            const float implicit_generator =
                implicit_fake::generator(logits, batch, classes, d_implicit);
            const float explicit_generator =
                explicit_fake::generator(wide, batch, classes, d_explicit);
            BOOST_TEST(implicit_generator == explicit_generator, tt::tolerance(1e-6f));
            BOOST_TEST(d_implicit == real_columns(d_explicit, classes), tt::tolerance(1e-6f)
                                                                            << tt::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(explicit_form_ignores_a_shift_of_all_logits)
{
    // Softmax is shift-invariant, so (z + c, c) gives the implicit form's values at z.
    const auto logits = random_values(3 * 4, 11, 2.0f);
    const auto shifted = with_fake_column(logits, 4, 0.0f, 7.5f);
    BOOST_TEST(explicit_fake::real_unlabeled(shifted, 3, 4, {}) ==
                   implicit_fake::real_unlabeled(logits, 3, 4, {}),
               tt::tolerance(1e-5f));
    BOOST_TEST(explicit_fake::fake(shifted, 3, 4, {}) == implicit_fake::fake(logits, 3, 4, {}),
               tt::tolerance(1e-5f));
}

BOOST_AUTO_TEST_CASE(explicit_labeled_loss_is_supervised_plus_real_unlabeled)
{
    // -log p(y | x) = -log p(y | x, real) - log D(x): the K + 1-way labeled loss at a zero fake
    // logit is the implicit form's supervised term plus its real-unlabeled term.
    const std::size_t batch = 6;
    const std::size_t classes = 3;
    const auto logits = random_values(batch * classes, 21, 2.0f);
    const auto labels = random_labels(batch, static_cast<int>(classes), 22);
    const auto wide = with_fake_column(logits, classes, 0.0f);
    std::vector<float> d_supervised(batch * classes);
    std::vector<float> d_real(batch * classes);
    std::vector<float> d_explicit(batch * (classes + 1));

    const float supervised =
        implicit_fake::supervised(logits, labels, batch, classes, d_supervised);
    const float real = implicit_fake::real_unlabeled(logits, batch, classes, d_real);
    const float labeled = explicit_fake::real_labeled(wide, labels, batch, classes, d_explicit);

    BOOST_TEST(labeled == supervised + real, tt::tolerance(1e-5f));
    const auto narrow = real_columns(d_explicit, classes);
    for (std::size_t i = 0; i < narrow.size(); ++i)
        BOOST_TEST(narrow[i] == d_supervised[i] + d_real[i], tt::tolerance(1e-5f));
}

BOOST_AUTO_TEST_CASE(ssgan_gradients_match_finite_differences)
{
    const std::size_t batch = 3;
    const std::size_t classes = 4;
    const std::size_t wide_width = classes + 1;
    for (unsigned seed = 1; seed <= 4; ++seed)
    {
        const auto logits = random_values(batch * classes, seed, 2.0f);
        const auto wide = random_values(batch * wide_width, seed + 50, 2.0f);
        const auto labels = random_labels(batch, static_cast<int>(classes), seed + 90);

        const std::vector<std::function<float(std::span<const float>, std::span<float>)>>
            implicit_losses{
                [&](auto z, auto d) { return implicit_fake::real_unlabeled(z, batch, classes, d); },
                [&](auto z, auto d) { return implicit_fake::fake(z, batch, classes, d); },
                [&](auto z, auto d) { return implicit_fake::generator(z, batch, classes, d); },
                [&](auto z, auto d)
                { return implicit_fake::supervised(z, labels, batch, classes, d); },
            };
        const std::vector<std::function<float(std::span<const float>, std::span<float>)>>
            explicit_losses{
                [&](auto z, auto d) { return explicit_fake::real_unlabeled(z, batch, classes, d); },
                [&](auto z, auto d) { return explicit_fake::fake(z, batch, classes, d); },
                [&](auto z, auto d) { return explicit_fake::generator(z, batch, classes, d); },
                [&](auto z, auto d)
                { return explicit_fake::real_labeled(z, labels, batch, classes, d); },
                [&](auto z, auto d) {
                    return explicit_fake::real_labeled(z, labels, batch, classes, d,
                                                       {.label_smoothing = 0.1f});
                },
            };

        for (std::size_t term = 0; term < implicit_losses.size(); ++term)
        {
            BOOST_TEST_CONTEXT("seed " << seed << ", implicit term " << term)
            {
                std::vector<float> analytic(logits.size());
                implicit_losses[term](logits, analytic);
                check_gradient(analytic,
                               numerical_gradient(logits, [&](std::span<const float> z)
                                                  { return implicit_losses[term](z, {}); }));
            }
        }
        for (std::size_t term = 0; term < explicit_losses.size(); ++term)
        {
            BOOST_TEST_CONTEXT("seed " << seed << ", explicit term " << term)
            {
                std::vector<float> analytic(wide.size());
                explicit_losses[term](wide, analytic);
                check_gradient(analytic,
                               numerical_gradient(wide, [&](std::span<const float> z)
                                                  { return explicit_losses[term](z, {}); }));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(ssgan_losses_are_stable_for_huge_logits)
{
    // l = 800 + log 2: -log D = softplus(-l) underflows to 0, -log(1 - D) = l.
    const std::vector<float> high{800.0f, 800.0f};
    const std::vector<float> low{-800.0f, -800.0f};
    std::vector<float> d(2);

    BOOST_TEST(implicit_fake::real_unlabeled(high, 1, 2, d) == 0.0f);
    BOOST_TEST(d[0] == 0.0f);
    BOOST_TEST(implicit_fake::fake(high, 1, 2, d) == 800.0 + std::log(2.0), tt::tolerance(1e-7));
    BOOST_TEST(d[0] == 0.5f);
    BOOST_TEST(implicit_fake::real_unlabeled(low, 1, 2, d) == 800.0 - std::log(2.0),
               tt::tolerance(1e-7));
    BOOST_TEST(d[0] == -0.5f);
    BOOST_TEST(implicit_fake::fake(low, 1, 2, d) == 0.0f);

    // Explicit form, K = 2: l - z_fake = 900, so -log p_fake = 900 and the gradient is
    // p - e_fake = (1, 0, 0) - (0, 0, 1).
    const std::vector<float> wide{900.0f, -900.0f, 0.0f};
    std::vector<float> d_wide(3);
    BOOST_TEST(explicit_fake::fake(wide, 1, 2, d_wide) == 900.0f);
    BOOST_TEST(d_wide == (std::vector<float>{1.0f, 0.0f, -1.0f}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(combined_discriminator_loss_weights_the_unsupervised_terms)
{
    const std::size_t classes = 3;
    const auto labeled = random_values(2 * classes, 31, 1.0f);
    const auto unlabeled = random_values(4 * classes, 32, 1.0f);
    const auto generated = random_values(3 * classes, 33, 1.0f);
    const std::vector<int> labels{2, 0};
    std::vector<float> d_labeled(labeled.size());
    std::vector<float> d_unlabeled(unlabeled.size());
    std::vector<float> d_fake(generated.size());

    const auto losses = implicit_fake::discriminator(
        {.classes = classes,
         .labeled_logits = labeled,
         .labels = labels,
         .labeled_batch = 2,
         .unlabeled_logits = unlabeled,
         .unlabeled_batch = 4,
         .fake_logits = generated,
         .fake_batch = 3},
        {.d_labeled = d_labeled, .d_unlabeled = d_unlabeled, .d_fake = d_fake});

    std::vector<float> expected_unlabeled(unlabeled.size());
    std::vector<float> expected_fake(generated.size());
    BOOST_TEST(losses.supervised == implicit_fake::supervised(labeled, labels, 2, classes, {}));
    BOOST_TEST(losses.real_unlabeled ==
               implicit_fake::real_unlabeled(unlabeled, 4, classes, expected_unlabeled, 0.5f));
    BOOST_TEST(losses.fake == implicit_fake::fake(generated, 3, classes, expected_fake, 0.5f));
    BOOST_TEST(losses.total == losses.supervised + 0.5f * (losses.real_unlabeled + losses.fake),
               tt::tolerance(1e-6f));
    BOOST_TEST(d_unlabeled == expected_unlabeled, tt::per_element());
    BOOST_TEST(d_fake == expected_fake, tt::per_element());

    const std::vector<float> wide_labeled = with_fake_column(labeled, classes, 0.5f);
    std::vector<float> d_wide(wide_labeled.size());
    const auto explicit_losses = explicit_fake::discriminator(
        {.classes = classes,
         .labeled_logits = wide_labeled,
         .labels = labels,
         .labeled_batch = 2,
         .unlabeled_logits = with_fake_column(unlabeled, classes, 0.0f),
         .unlabeled_batch = 4,
         .fake_logits = with_fake_column(generated, classes, 0.0f),
         .fake_batch = 3},
        {.d_labeled = d_wide}, {.unsupervised_weight = 1.0f, .label_smoothing = 0.1f});
    BOOST_TEST(explicit_losses.supervised ==
               explicit_fake::real_labeled(wide_labeled, labels, 2, classes, {},
                                           {.label_smoothing = 0.1f}));
    BOOST_TEST(explicit_losses.real_unlabeled == losses.real_unlabeled, tt::tolerance(1e-6f));
    BOOST_TEST(explicit_losses.fake == losses.fake, tt::tolerance(1e-6f));
    BOOST_TEST(explicit_losses.total == explicit_losses.supervised +
                                            explicit_losses.real_unlabeled + explicit_losses.fake,
               tt::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(explicit_accuracy_ignores_the_fake_column)
{
    const std::vector<float> logits{
        1.0f, 2.0f, 10.0f, //
        3.0f, 1.0f, 10.0f,
    };
    const std::vector<int> labels{1, 1};
    BOOST_TEST(explicit_fake::count_correct(logits, labels, 2, 2) == 1u);
}

BOOST_AUTO_TEST_CASE(ssgan_losses_reject_bad_arguments)
{
    const std::vector<float> logits(6, 0.0f);
    std::vector<float> d(6);
    const std::vector<int> fake_class_label{2, 0};

    BOOST_CHECK_THROW(implicit_fake::real_unlabeled(logits, 2, 2, d), ssgan::config_error);
    BOOST_CHECK_THROW(explicit_fake::fake(logits, 2, 3, d), ssgan::config_error);
    // Label K names the fake class, which no real sample has.
    BOOST_CHECK_THROW(explicit_fake::real_labeled(logits, fake_class_label, 2, 2, d),
                      ssgan::config_error);
    BOOST_CHECK_THROW(implicit_fake::discriminator({.classes = 3}, {}, {.unsupervised_weight = -1}),
                      ssgan::config_error);
}
