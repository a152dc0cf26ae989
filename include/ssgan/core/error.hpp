// Errors the library throws. The library never prints: it throws one of these, and the
// message names what was wrong (file, field or offset, expected, found) so a person can act.
#pragma once

#include <stdexcept>
#include <string>

namespace ssgan
{
    // Base of every error the library throws.
    class error : public std::runtime_error
    {
    public:
        using std::runtime_error::runtime_error;
    };

    // A dataset, image or configuration file that is missing, truncated or malformed.
    class data_error : public error
    {
    public:
        using error::error;
    };

    // A checkpoint that is corrupt, truncated, of another version or of another network.
    class checkpoint_error : public error
    {
    public:
        using error::error;
    };

    // A loss or gradient that became NaN or infinite.
    class divergence_error : public error
    {
    public:
        using error::error;
    };

    // A setting out of range, or an argument that does not fit the call.
    class config_error : public error
    {
    public:
        using error::error;
    };
}
