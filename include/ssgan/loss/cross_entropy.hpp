// Softmax cross-entropy over class logits, and the argmax / accuracy helpers that score them.
// Takes logits [batch x classes] (row-major) and one label in [0, classes) per row; gives the
// mean loss over the batch and writes its gradient with respect to the logits. Allocates nothing.
#pragma once

#include "ssgan/loss/detail/check.hpp"
#include "ssgan/loss/detail/numeric.hpp"

#include <cmath>
#include <cstddef>
#include <span>
#include <string>

namespace ssgan::loss
{
    struct cross_entropy_options
    {
        // Label smoothing eps in [0, 1] (Szegedy et al. 2016, "Rethinking the Inception
        // Architecture"): the target is q_k = (1 - eps) [k = y] + eps / K, so the true class gets
        // 1 - eps + eps / K and every other class eps / K; eps = 0 is the one-hot target. This is
        // the convention of PyTorch's and Keras's label_smoothing.
        float label_smoothing = 0.0f;

        // Multiplies the gradient written, not the value returned, so a caller can weight this
        // term in a sum of losses and still log its plain value.
        float scale = 1.0f;
    };

    // Mean over the batch of -sum_k q_k log softmax(z)_k, where z is a row of logits and q the
    // (possibly smoothed) target above. Writes d_logits = scale * (softmax(z) - q) / batch, the
    // gradient of the returned mean; pass an empty d_logits to skip the gradient.
    inline float cross_entropy(std::span<const float> logits, std::span<const int> labels,
                               std::size_t batch, std::size_t classes, std::span<float> d_logits,
                               cross_entropy_options options = {})
    {
        constexpr std::string_view function = "ssgan::loss::cross_entropy";
        detail::require_positive(function, "batch", batch);
        detail::require_positive(function, "classes", classes);
        detail::require_extent(function, "logits", logits.size(), batch, classes);
        detail::require_gradient_extent(function, "d_logits", d_logits.size(), batch, classes);
        detail::require_labels(function, labels, batch, classes);
        const float smoothing = options.label_smoothing;
        if (!(smoothing >= 0.0f && smoothing <= 1.0f))
            detail::fail(function, "label_smoothing is " + std::to_string(smoothing) +
                                       ", expected a value in [0, 1]");

        const double off_target = static_cast<double>(smoothing) / static_cast<double>(classes);
        const double true_target = 1.0 - static_cast<double>(smoothing) + off_target;
        const double gradient_factor =
            static_cast<double>(options.scale) / static_cast<double>(batch);

        double total = 0.0;
        for (std::size_t row = 0; row < batch; ++row)
        {
            const float* z = logits.data() + row * classes;
            const auto label = static_cast<std::size_t>(labels[row]);
            const double lse = detail::log_sum_exp(z, classes);

            // Since sum_k q_k = 1, -sum_k q_k (z_k - lse) = lse - sum_k q_k z_k.
            double target_dot_z = 0.0;
            for (std::size_t k = 0; k < classes; ++k)
                target_dot_z += (k == label ? true_target : off_target) * z[k];
            total += lse - target_dot_z;

            if (d_logits.empty())
                continue;
            float* d = d_logits.data() + row * classes;
            for (std::size_t k = 0; k < classes; ++k)
            {
                const double p = std::exp(static_cast<double>(z[k]) - lse);
                const double q = k == label ? true_target : off_target;
                d[k] = static_cast<float>(gradient_factor * (p - q));
            }
        }
        return static_cast<float>(total / static_cast<double>(batch));
    }

    // Index of the largest value in a row; the first one wins a tie, as in NumPy and PyTorch.
    inline std::size_t argmax(std::span<const float> row)
    {
        if (row.empty())
            detail::fail("ssgan::loss::argmax", "row is empty");
        std::size_t best = 0;
        for (std::size_t k = 1; k < row.size(); ++k)
            if (row[k] > row[best])
                best = k;
        return best;
    }

    // The predicted class of every row of logits [batch x classes], written to predictions.
    inline void argmax(std::span<const float> logits, std::size_t batch, std::size_t classes,
                       std::span<int> predictions)
    {
        constexpr std::string_view function = "ssgan::loss::argmax";
        detail::require_positive(function, "classes", classes);
        detail::require_extent(function, "logits", logits.size(), batch, classes);
        detail::require_extent(function, "predictions", predictions.size(), batch, 1);
        for (std::size_t row = 0; row < batch; ++row)
            predictions[row] = static_cast<int>(argmax(logits.subspan(row * classes, classes)));
    }

    // How many rows' argmax equals their label. Sum this over batches and divide once at the end:
    // averaging per-batch accuracies is wrong when the last batch is shorter.
    inline std::size_t count_correct(std::span<const float> logits, std::span<const int> labels,
                                     std::size_t batch, std::size_t classes)
    {
        constexpr std::string_view function = "ssgan::loss::count_correct";
        detail::require_positive(function, "classes", classes);
        detail::require_extent(function, "logits", logits.size(), batch, classes);
        detail::require_labels(function, labels, batch, classes);
        std::size_t correct = 0;
        for (std::size_t row = 0; row < batch; ++row)
            if (argmax(logits.subspan(row * classes, classes)) ==
                static_cast<std::size_t>(labels[row]))
                ++correct;
        return correct;
    }

    // Fraction of rows whose argmax equals their label, in [0, 1].
    inline float accuracy(std::span<const float> logits, std::span<const int> labels,
                          std::size_t batch, std::size_t classes)
    {
        detail::require_positive("ssgan::loss::accuracy", "batch", batch);
        return static_cast<float>(
            static_cast<double>(count_correct(logits, labels, batch, classes)) /
            static_cast<double>(batch));
    }
}
