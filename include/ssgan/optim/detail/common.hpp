// Machinery shared by the optimizer headers: argument checks that throw config_error naming the
// function, and the chunked TBB loops every optimizer pass runs on.
//
// Determinism: the element-wise loops give the same bits at any thread count because every
// element is computed alone. The one reduction (a sum of squares) splits its range the same way
// at any thread count and joins in a fixed order, so it too does not depend on the thread count.
#pragma once

#include "ssgan/core/error.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>

#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace ssgan::optim::detail
{
    // Large enough that scheduling costs little next to the work, small enough that a
    // discriminator's few million parameters still spread over all cores.
    inline constexpr std::size_t chunk_size = std::size_t{1} << 15;

    [[noreturn]] inline void fail(std::string_view function, const std::string& what)
    {
        throw config_error(std::string(function) + ": " + what);
    }

    inline void require_size(std::string_view function, std::string_view argument,
                             std::size_t found, std::size_t expected)
    {
        if (found != expected)
            fail(function, std::string(argument) + " holds " + std::to_string(found) +
                               " values, expected " + std::to_string(expected));
    }

    // A setting that must lie in [low, high) or [low, high], NaN rejected.
    inline void require_in_range(std::string_view function, std::string_view setting, double value,
                                 double low, double high, bool high_included)
    {
        const bool inside = value >= low && (high_included ? value <= high : value < high);
        if (!inside)
            fail(function, std::string(setting) + " is " + std::to_string(value) +
                               ", expected a value in [" + std::to_string(low) + ", " +
                               std::to_string(high) + (high_included ? "]" : ")"));
    }

    // Calls body(begin, end) on consecutive index ranges covering [0, size), in parallel.
    template <class Body>
    void for_each_chunk(std::size_t size, const Body& body)
    {
        if (size <= chunk_size)
        {
            body(std::size_t{0}, size);
            return;
        }
        tbb::parallel_for(
            tbb::blocked_range<std::size_t>(0, size, chunk_size),
            [&](const tbb::blocked_range<std::size_t>& range) { body(range.begin(), range.end()); },
            tbb::static_partitioner{});
    }

    // sum_i values_i^2 in double. parallel_deterministic_reduce with simple_partitioner splits
    // down to the grain size whatever the thread count, and joins in a fixed order.
    inline double sum_of_squares(std::span<const float> values)
    {
        const auto chunk = [&](std::size_t begin, std::size_t end)
        {
            double sum = 0.0;
            for (std::size_t i = begin; i < end; ++i)
                sum += static_cast<double>(values[i]) * static_cast<double>(values[i]);
            return sum;
        };
        if (values.size() <= chunk_size)
            return chunk(0, values.size());
        return tbb::parallel_deterministic_reduce(
            tbb::blocked_range<std::size_t>(0, values.size(), chunk_size), 0.0,
            [&](const tbb::blocked_range<std::size_t>& range, double sum)
            { return sum + chunk(range.begin(), range.end()); },
            [](double left, double right) { return left + right; }, tbb::simple_partitioner{});
    }
}
