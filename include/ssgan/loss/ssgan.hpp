// The semi-supervised GAN discriminator and generator losses (Salimans et al. 2016, "Improved
// Techniques for Training GANs"), in two forms: implicit_fake takes logits [batch x K] and fixes
// the fake class's logit at zero; explicit_fake takes logits [batch x (K + 1)] whose last column
// is the fake class. Each function returns a mean over its batch and writes its gradient.
//
// With l(x) = log sum_k exp(z_k) over the K real-class logits and z_fake the fake logit (0 in the
// implicit form), the discriminator's "real" probability is D(x) = exp(l) / (exp(l) + exp(z_fake))
// = sigmoid(u) with u = l - z_fake, so
//     real unlabeled:  -log D(x)         = softplus(-u)    (= -l + softplus(l) when z_fake = 0)
//     fake:            -log (1 - D(x))   = softplus(u)     (= softplus(l) when z_fake = 0)
//     generator:       -log D(G(z))      = softplus(-u)    (non-saturating)
// The two forms agree exactly on these three when the explicit fake logit is 0. They differ on
// labeled data: implicit_fake::supervised is cross-entropy over the K real classes,
// -log p(y | x, real), as in the paper; explicit_fake::real_labeled is cross-entropy over all
// K + 1 classes, -log p(y | x) = -log p(y | x, real) - log D(x), as in SSGAN-Tensorflow.
#pragma once

#include "ssgan/loss/cross_entropy.hpp"
#include "ssgan/loss/detail/check.hpp"
#include "ssgan/loss/detail/numeric.hpp"

#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace ssgan::loss
{
    // The three discriminator batches of one step, for the combined discriminator() helpers.
    // Logit rows are K wide in the implicit form and K + 1 wide in the explicit form.
    struct discriminator_batches
    {
        std::size_t classes = 0;
        std::span<const float> labeled_logits{};
        std::span<const int> labels{};
        std::size_t labeled_batch = 0;
        std::span<const float> unlabeled_logits{};
        std::size_t unlabeled_batch = 0;
        std::span<const float> fake_logits{};
        std::size_t fake_batch = 0;
    };

    // Where the combined helpers write the gradient of `total` for each batch; an empty span
    // skips that gradient.
    struct discriminator_gradients
    {
        std::span<float> d_labeled{};
        std::span<float> d_unlabeled{};
        std::span<float> d_fake{};
    };

    struct discriminator_options
    {
        // total = supervised + unsupervised_weight * (real_unlabeled + fake). 0.5 is the weight
        // of the improved-GAN reference code.
        float unsupervised_weight = 0.5f;

        // Passed to the supervised term; its meaning differs per form, see each form's
        // labeled loss.
        float label_smoothing = 0.0f;
    };

    // Each term's plain mean over its batch, and the weighted total the gradients belong to.
    struct discriminator_losses
    {
        float supervised = 0.0f;
        float real_unlabeled = 0.0f;
        float fake = 0.0f;
        float total = 0.0f;
    };

    namespace detail
    {
        // Where the fake class's logit is: fixed at zero (implicit) or the last column (explicit).
        enum class fake_logit
        {
            zero,
            last_column,
        };

        // Whether the rows should be judged real (loss -log D) or fake (loss -log(1 - D)).
        enum class judged_as
        {
            real,
            fake,
        };

        // Mean over rows of softplus(-u) (judged real) or softplus(u) (judged fake), with
        // u = l - z_fake, and its gradient: du/dz_k = softmax_K(z)_k for the real classes and
        // du/dz_fake = -1.
        inline float real_or_fake_loss(std::string_view function, std::span<const float> logits,
                                       std::size_t batch, std::size_t classes, fake_logit fake,
                                       judged_as target, std::span<float> d_logits, float scale)
        {
            const bool fake_column = fake == fake_logit::last_column;
            const bool as_real = target == judged_as::real;
            const std::size_t width = classes + (fake_column ? 1 : 0);
            require_positive(function, "batch", batch);
            require_positive(function, "classes", classes);
            require_extent(function, "logits", logits.size(), batch, width);
            require_gradient_extent(function, "d_logits", d_logits.size(), batch, width);

            const double gradient_factor = static_cast<double>(scale) / static_cast<double>(batch);
            double total = 0.0;
            for (std::size_t row = 0; row < batch; ++row)
            {
                const float* z = logits.data() + row * width;
                const double l = log_sum_exp(z, classes);
                const double u = l - (fake_column ? static_cast<double>(z[classes]) : 0.0);

                // d softplus(-u)/du = -sigmoid(-u); d softplus(u)/du = sigmoid(u).
                const double loss = as_real ? softplus(-u) : softplus(u);
                const double d_u = as_real ? -sigmoid(-u) : sigmoid(u);
                total += loss;

                if (d_logits.empty())
                    continue;
                float* d = d_logits.data() + row * width;
                const double row_factor = gradient_factor * d_u;
                for (std::size_t k = 0; k < classes; ++k)
                    d[k] = static_cast<float>(row_factor * std::exp(static_cast<double>(z[k]) - l));
                if (fake_column)
                    d[classes] = static_cast<float>(-row_factor);
            }
            return static_cast<float>(total / static_cast<double>(batch));
        }

        inline void require_weight(std::string_view function, float weight)
        {
            if (!(weight >= 0.0f) || !std::isfinite(weight))
                fail(function, "unsupervised_weight is " + std::to_string(weight) +
                                   ", expected a finite value >= 0");
        }
    }

    // Form (a): K logits, the fake class's logit fixed at zero (Salimans et al. 2016, section 5).
    namespace implicit_fake
    {
        // Labeled real data: cross-entropy over the K logits, -log p(y | x, real). options as in
        // cross_entropy (label_smoothing spreads eps over the K real classes).
        inline float supervised(std::span<const float> logits, std::span<const int> labels,
                                std::size_t batch, std::size_t classes, std::span<float> d_logits,
                                cross_entropy_options options = {})
        {
            return cross_entropy(logits, labels, batch, classes, d_logits, options);
        }

        // Unlabeled real data: mean of -log D(x) = -l + softplus(l) = softplus(-l).
        // Gradient: d/dz_k = -(1 - D(x)) softmax(z)_k, times scale / batch.
        inline float real_unlabeled(std::span<const float> logits, std::size_t batch,
                                    std::size_t classes, std::span<float> d_logits,
                                    float scale = 1.0f)
        {
            return loss::detail::real_or_fake_loss(
                "ssgan::loss::implicit_fake::real_unlabeled", logits, batch, classes,
                loss::detail::fake_logit::zero, loss::detail::judged_as::real, d_logits, scale);
        }

        // Generated data, as the discriminator sees it: mean of -log(1 - D(x)) = softplus(l).
        // Gradient: d/dz_k = D(x) softmax(z)_k, times scale / batch.
        inline float fake(std::span<const float> logits, std::size_t batch, std::size_t classes,
                          std::span<float> d_logits, float scale = 1.0f)
        {
            return loss::detail::real_or_fake_loss("ssgan::loss::implicit_fake::fake", logits,
                                                   batch, classes, loss::detail::fake_logit::zero,
                                                   loss::detail::judged_as::fake, d_logits, scale);
        }

        // Non-saturating generator loss on D's logits for G(z): mean of -log D(G(z))
        // = -l + softplus(l). d_logits is then back-propagated through D to G. For semi-supervised
        // learning the paper trains G by feature matching (feature_matching.hpp) instead.
        inline float generator(std::span<const float> logits, std::size_t batch,
                               std::size_t classes, std::span<float> d_logits, float scale = 1.0f)
        {
            return loss::detail::real_or_fake_loss("ssgan::loss::implicit_fake::generator", logits,
                                                   batch, classes, loss::detail::fake_logit::zero,
                                                   loss::detail::judged_as::real, d_logits, scale);
        }

        // All three discriminator terms of one step; each gradient is that of `total`.
        inline discriminator_losses discriminator(const discriminator_batches& batches,
                                                  const discriminator_gradients& gradients,
                                                  discriminator_options options = {})
        {
            loss::detail::require_weight("ssgan::loss::implicit_fake::discriminator",
                                         options.unsupervised_weight);
            const float weight = options.unsupervised_weight;
            discriminator_losses losses;
            losses.supervised = supervised(
                batches.labeled_logits, batches.labels, batches.labeled_batch, batches.classes,
                gradients.d_labeled, {.label_smoothing = options.label_smoothing, .scale = 1.0f});
            losses.real_unlabeled =
                real_unlabeled(batches.unlabeled_logits, batches.unlabeled_batch, batches.classes,
                               gradients.d_unlabeled, weight);
            losses.fake = fake(batches.fake_logits, batches.fake_batch, batches.classes,
                               gradients.d_fake, weight);
            losses.total = losses.supervised + weight * (losses.real_unlabeled + losses.fake);
            return losses;
        }
    }

    // Form (b): K + 1 logits per row, the last column (index K) is the fake class.
    namespace explicit_fake
    {
        struct real_labeled_options
        {
            // One-sided label smoothing (Salimans et al. 2016, section 3.4): the target is
            // 1 - eps on the true class and eps on the fake class, the K + 1-way counterpart of
            // a real target of 0.9 instead of 1 for eps = 0.1. Fake targets are never smoothed.
            float label_smoothing = 0.0f;

            // Multiplies the gradient written, not the value returned.
            float scale = 1.0f;
        };

        // Labeled real data: mean of -(1 - eps) log p_y - eps log p_fake over the K + 1-way
        // softmax p. Gradient: (p - q) * scale / batch with q the target above.
        inline float real_labeled(std::span<const float> logits, std::span<const int> labels,
                                  std::size_t batch, std::size_t classes, std::span<float> d_logits,
                                  real_labeled_options options = {})
        {
            constexpr std::string_view function = "ssgan::loss::explicit_fake::real_labeled";
            loss::detail::require_positive(function, "batch", batch);
            loss::detail::require_positive(function, "classes", classes);
            const std::size_t width = classes + 1;
            loss::detail::require_extent(function, "logits", logits.size(), batch, width);
            loss::detail::require_gradient_extent(function, "d_logits", d_logits.size(), batch,
                                                  width);
            loss::detail::require_labels(function, labels, batch, classes);
            const float smoothing = options.label_smoothing;
            if (!(smoothing >= 0.0f && smoothing <= 1.0f))
                loss::detail::fail(function, "label_smoothing is " + std::to_string(smoothing) +
                                                 ", expected a value in [0, 1]");

            const double fake_target = smoothing;
            const double true_target = 1.0 - fake_target;
            const double gradient_factor =
                static_cast<double>(options.scale) / static_cast<double>(batch);

            double total = 0.0;
            for (std::size_t row = 0; row < batch; ++row)
            {
                const float* z = logits.data() + row * width;
                const auto label = static_cast<std::size_t>(labels[row]);
                const double lse = loss::detail::log_sum_exp(z, width);
                total += lse - true_target * z[label] - fake_target * z[classes];

                if (d_logits.empty())
                    continue;
                float* d = d_logits.data() + row * width;
                for (std::size_t k = 0; k < width; ++k)
                {
                    const double p = std::exp(static_cast<double>(z[k]) - lse);
                    const double q = k == label ? true_target : (k == classes ? fake_target : 0.0);
                    d[k] = static_cast<float>(gradient_factor * (p - q));
                }
            }
            return static_cast<float>(total / static_cast<double>(batch));
        }

        // Unlabeled real data: mean of -log(1 - p_fake) = softplus(z_fake - l).
        inline float real_unlabeled(std::span<const float> logits, std::size_t batch,
                                    std::size_t classes, std::span<float> d_logits,
                                    float scale = 1.0f)
        {
            return loss::detail::real_or_fake_loss("ssgan::loss::explicit_fake::real_unlabeled",
                                                   logits, batch, classes,
                                                   loss::detail::fake_logit::last_column,
                                                   loss::detail::judged_as::real, d_logits, scale);
        }

        // Generated data, as the discriminator sees it: mean of -log p_fake = softplus(l - z_fake).
        inline float fake(std::span<const float> logits, std::size_t batch, std::size_t classes,
                          std::span<float> d_logits, float scale = 1.0f)
        {
            return loss::detail::real_or_fake_loss("ssgan::loss::explicit_fake::fake", logits,
                                                   batch, classes,
                                                   loss::detail::fake_logit::last_column,
                                                   loss::detail::judged_as::fake, d_logits, scale);
        }

        // Non-saturating generator loss on D's logits for G(z): mean of -log(1 - p_fake(G(z))).
        inline float generator(std::span<const float> logits, std::size_t batch,
                               std::size_t classes, std::span<float> d_logits, float scale = 1.0f)
        {
            return loss::detail::real_or_fake_loss("ssgan::loss::explicit_fake::generator", logits,
                                                   batch, classes,
                                                   loss::detail::fake_logit::last_column,
                                                   loss::detail::judged_as::real, d_logits, scale);
        }

        // All three discriminator terms of one step; each gradient is that of `total`.
        // options.label_smoothing is the one-sided smoothing of real_labeled.
        inline discriminator_losses discriminator(const discriminator_batches& batches,
                                                  const discriminator_gradients& gradients,
                                                  discriminator_options options = {})
        {
            loss::detail::require_weight("ssgan::loss::explicit_fake::discriminator",
                                         options.unsupervised_weight);
            const float weight = options.unsupervised_weight;
            discriminator_losses losses;
            losses.supervised = real_labeled(
                batches.labeled_logits, batches.labels, batches.labeled_batch, batches.classes,
                gradients.d_labeled, {.label_smoothing = options.label_smoothing, .scale = 1.0f});
            losses.real_unlabeled =
                real_unlabeled(batches.unlabeled_logits, batches.unlabeled_batch, batches.classes,
                               gradients.d_unlabeled, weight);
            losses.fake = fake(batches.fake_logits, batches.fake_batch, batches.classes,
                               gradients.d_fake, weight);
            losses.total = losses.supervised + weight * (losses.real_unlabeled + losses.fake);
            return losses;
        }

        // How many rows' argmax over the K real classes (the fake column ignored) equals their
        // label.
        inline std::size_t count_correct(std::span<const float> logits, std::span<const int> labels,
                                         std::size_t batch, std::size_t classes)
        {
            constexpr std::string_view function = "ssgan::loss::explicit_fake::count_correct";
            loss::detail::require_positive(function, "classes", classes);
            loss::detail::require_extent(function, "logits", logits.size(), batch, classes + 1);
            loss::detail::require_labels(function, labels, batch, classes);
            std::size_t correct = 0;
            for (std::size_t row = 0; row < batch; ++row)
                if (argmax(logits.subspan(row * (classes + 1), classes)) ==
                    static_cast<std::size_t>(labels[row]))
                    ++correct;
            return correct;
        }
    }
}
