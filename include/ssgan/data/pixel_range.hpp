// How 8-bit pixels map to the floats a network sees, and back: [0, 1] or [-1, 1].
// The mapping is affine, so 0 and 255 land exactly on the ends of the range, and
// to_pixel(to_float(p)) == p for every byte p.
#pragma once

#include <cmath>
#include <cstdint>

namespace ssgan::data
{
    enum class pixel_range
    {
        zero_to_one,      // p / 255, what a sigmoid output produces
        minus_one_to_one, // p / 127.5 - 1, what a tanh output produces
    };

    constexpr float range_low(pixel_range range)
    {
        return range == pixel_range::zero_to_one ? 0.0f : -1.0f;
    }

    constexpr float range_high(pixel_range)
    {
        return 1.0f;
    }

    constexpr float to_float(std::uint8_t pixel, pixel_range range)
    {
        // Computed in double and rounded once, so the values match a table built in Python.
        const double unit = static_cast<double>(pixel) / 255.0;
        return range == pixel_range::zero_to_one ? static_cast<float>(unit)
                                                 : static_cast<float>(2.0 * unit - 1.0);
    }

    // Values outside the range saturate; NaN becomes the low end, so a diverged generator
    // still yields a picture instead of undefined behaviour in the conversion.
    inline std::uint8_t to_pixel(float value, pixel_range range)
    {
        const double low = range_low(range);
        const double high = range_high(range);
        double v = value;
        if (!(v >= low))
        {
            v = low;
        }
        if (v > high)
        {
            v = high;
        }
        return static_cast<std::uint8_t>(std::lround((v - low) / (high - low) * 255.0));
    }
}
