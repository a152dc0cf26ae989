// Numerically stable scalar pieces shared by the loss headers: log-sum-exp of a row of logits,
// softplus and the logistic sigmoid. All work in double so a float loss keeps its last digits.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace ssgan::loss::detail
{
    // log(sum_k exp(x_k)) = m + log(sum_k exp(x_k - m)) with m = max_k x_k, so no term overflows
    // and the largest term is exactly 1.
    inline double log_sum_exp(const float* row, std::size_t count)
    {
        double maximum = row[0];
        for (std::size_t k = 1; k < count; ++k)
            maximum = std::max(maximum, static_cast<double>(row[k]));

        double sum = 0.0;
        for (std::size_t k = 0; k < count; ++k)
            sum += std::exp(static_cast<double>(row[k]) - maximum);
        return maximum + std::log(sum);
    }

    // softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): exp never overflows and
    // log1p keeps the small tail exact for large |x|.
    inline double softplus(double x)
    {
        return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x)));
    }

    // sigmoid(x) = 1 / (1 + exp(-x)), evaluated so that exp only sees non-positive arguments.
    inline double sigmoid(double x)
    {
        if (x >= 0.0)
            return 1.0 / (1.0 + std::exp(-x));
        const double e = std::exp(x);
        return e / (1.0 + e);
    }
}
