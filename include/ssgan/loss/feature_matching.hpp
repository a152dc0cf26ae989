// Feature matching (Salimans et al. 2016, section 3.1): the generator matches the batch mean of
// an intermediate discriminator layer on real data. Takes features real [n_real x F] and
// fake [n_fake x F]; gives a distance between their batch means and its gradient w.r.t. fake only.
//
// With m_real, m_fake the batch means, the distances are means over the F features, the
// convention of the improved-GAN reference code (T.mean(T.square(m1 - m2))):
//     squared_l2:  (1/F) sum_f (m_real_f - m_fake_f)^2
//     l1:          (1/F) sum_f |m_real_f - m_fake_f|
// The real features are a constant here: no gradient flows into the discriminator through them.
// Allocates nothing; F-sized means are computed a column at a time, in double.
#pragma once

#include "ssgan/loss/detail/check.hpp"

#include <cstddef>
#include <span>
#include <string_view>

namespace ssgan::loss
{
    enum class feature_distance
    {
        squared_l2,
        l1,
    };

    // The mean over the batch of features [batch x width], written to mean [width].
    inline void batch_mean(std::span<const float> features, std::size_t batch, std::size_t width,
                           std::span<float> mean)
    {
        constexpr std::string_view function = "ssgan::loss::batch_mean";
        detail::require_positive(function, "batch", batch);
        detail::require_extent(function, "features", features.size(), batch, width);
        detail::require_extent(function, "mean", mean.size(), 1, width);
        for (std::size_t f = 0; f < width; ++f)
        {
            double sum = 0.0;
            for (std::size_t row = 0; row < batch; ++row)
                sum += features[row * width + f];
            mean[f] = static_cast<float>(sum / static_cast<double>(batch));
        }
    }

    namespace detail
    {
        // The shared body: `real_mean_of(f)` gives the target mean of feature f, so the two
        // public entry points differ only in where that mean comes from.
        template <class RealMean>
        float match_features(std::string_view function, RealMean real_mean_of,
                             std::span<const float> fake, std::size_t fake_batch,
                             std::size_t features, std::span<float> d_fake,
                             feature_distance distance, float scale)
        {
            require_positive(function, "fake_batch", fake_batch);
            require_positive(function, "features", features);
            require_extent(function, "fake", fake.size(), fake_batch, features);
            require_gradient_extent(function, "d_fake", d_fake.size(), fake_batch, features);

            const double n_fake = static_cast<double>(fake_batch);
            const double n_features = static_cast<double>(features);
            // d m_fake_f / d fake_if = 1 / n_fake for every row i.
            const double gradient_factor = static_cast<double>(scale) / (n_features * n_fake);

            double total = 0.0;
            for (std::size_t f = 0; f < features; ++f)
            {
                // Column f is every features-th value from f; bounding by the span's own size
                // (checked above to be fake_batch x features) keeps every index visibly in range.
                double fake_sum = 0.0;
                for (std::size_t i = f; i < fake.size(); i += features)
                    fake_sum += fake[i];
                const double difference = real_mean_of(f) - fake_sum / n_fake;

                // d/d m_fake of (m_real - m_fake)^2 is -2 (m_real - m_fake); of |.| it is
                // -sign(m_real - m_fake), taken as 0 where the means already agree.
                double d_mean = 0.0;
                if (distance == feature_distance::squared_l2)
                {
                    total += difference * difference;
                    d_mean = -2.0 * difference;
                }
                else
                {
                    total += difference < 0.0 ? -difference : difference;
                    d_mean = difference > 0.0 ? -1.0 : (difference < 0.0 ? 1.0 : 0.0);
                }

                if (d_fake.empty())
                    continue;
                const auto d = static_cast<float>(gradient_factor * d_mean);
                for (std::size_t i = f; i < d_fake.size(); i += features)
                    d_fake[i] = d;
            }
            return static_cast<float>(total / n_features);
        }
    }

    // Distance between the batch means of real and fake features; writes d_fake, the gradient of
    // the returned value w.r.t. fake, times scale (pass an empty d_fake to skip it). The two
    // batches may differ in size.
    inline float feature_matching(std::span<const float> real, std::size_t real_batch,
                                  std::span<const float> fake, std::size_t fake_batch,
                                  std::size_t features, std::span<float> d_fake,
                                  feature_distance distance = feature_distance::squared_l2,
                                  float scale = 1.0f)
    {
        constexpr std::string_view function = "ssgan::loss::feature_matching";
        detail::require_positive(function, "real_batch", real_batch);
        detail::require_extent(function, "real", real.size(), real_batch, features);
        const auto real_mean_of = [&](std::size_t f)
        {
            double sum = 0.0;
            for (std::size_t i = f; i < real.size(); i += features)
                sum += real[i];
            return sum / static_cast<double>(real_batch);
        };
        return detail::match_features(function, real_mean_of, fake, fake_batch, features, d_fake,
                                      distance, scale);
    }

    // The same distance against a precomputed real mean [F], for a caller that averages the
    // real features over several batches or reuses one mean for several generator steps.
    inline float feature_matching_to_mean(std::span<const float> real_mean,
                                          std::span<const float> fake, std::size_t fake_batch,
                                          std::size_t features, std::span<float> d_fake,
                                          feature_distance distance = feature_distance::squared_l2,
                                          float scale = 1.0f)
    {
        constexpr std::string_view function = "ssgan::loss::feature_matching_to_mean";
        detail::require_extent(function, "real_mean", real_mean.size(), 1, features);
        const auto real_mean_of = [&](std::size_t f) { return static_cast<double>(real_mean[f]); };
        return detail::match_features(function, real_mean_of, fake, fake_batch, features, d_fake,
                                      distance, scale);
    }
}
