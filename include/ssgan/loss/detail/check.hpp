// Argument checks shared by the loss headers. Every loss takes row-major float buffers with an
// explicit batch and width; these turn a buffer of the wrong length into a config_error that
// names the function, the argument, what was expected and what was found.
#pragma once

#include "ssgan/core/error.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace ssgan::loss::detail
{
    [[noreturn]] inline void fail(std::string_view function, const std::string& what)
    {
        throw config_error(std::string(function) + ": " + what);
    }

    inline void require_positive(std::string_view function, std::string_view argument,
                                 std::size_t value)
    {
        if (value == 0)
            fail(function, std::string(argument) + " must be positive, found 0");
    }

    // A buffer that must hold exactly batch x width floats.
    inline void require_extent(std::string_view function, std::string_view argument,
                               std::size_t found, std::size_t batch, std::size_t width)
    {
        if (found != batch * width)
            fail(function, std::string(argument) + " holds " + std::to_string(found) +
                               " values, expected batch " + std::to_string(batch) + " x " +
                               std::to_string(width) + " = " + std::to_string(batch * width));
    }

    // A gradient buffer: empty means "no gradient wanted", otherwise batch x width floats.
    inline void require_gradient_extent(std::string_view function, std::string_view argument,
                                        std::size_t found, std::size_t batch, std::size_t width)
    {
        if (found != 0)
            require_extent(function, argument, found, batch, width);
    }

    // One label per row, each naming one of `classes` classes.
    inline void require_labels(std::string_view function, std::span<const int> labels,
                               std::size_t batch, std::size_t classes)
    {
        if (labels.size() != batch)
            fail(function, "labels holds " + std::to_string(labels.size()) +
                               " values, expected one per row of batch " + std::to_string(batch));
        for (std::size_t row = 0; row < batch; ++row)
        {
            const int label = labels[row];
            if (label < 0 || static_cast<std::size_t>(label) >= classes)
                fail(function, "labels[" + std::to_string(row) + "] is " + std::to_string(label) +
                                   ", expected a class in [0, " + std::to_string(classes) + ")");
        }
    }
}
