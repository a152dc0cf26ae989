// An 8-bit image in memory: height x width pixels of 1 (gray), 2 (gray + alpha), 3 (RGB) or
// 4 (RGBA) interleaved channels, row after row from the top. What the PNG and GIF writers take
// and what the image grid builds.
#pragma once

#include "ssgan/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ssgan::io
{
    struct image
    {
        std::size_t width = 0;
        std::size_t height = 0;
        std::size_t channels = 0;
        std::vector<std::uint8_t> pixels; // height x width x channels

        image() = default;

        image(std::size_t columns, std::size_t rows, std::size_t planes, std::uint8_t fill = 0)
            : width(columns), height(rows), channels(planes), pixels(columns * rows * planes, fill)
        {
        }

        std::uint8_t& at(std::size_t x, std::size_t y, std::size_t channel = 0)
        {
            return pixels[(y * width + x) * channels + channel];
        }

        std::uint8_t at(std::size_t x, std::size_t y, std::size_t channel = 0) const
        {
            return pixels[(y * width + x) * channels + channel];
        }
    };

    // Throws config_error when the image is empty, has an unsupported channel count, or its
    // pixel buffer does not match its size; `caller` starts the message.
    inline void check_image(const image& picture, std::string_view caller)
    {
        const std::string who(caller);
        if (picture.width == 0 || picture.height == 0)
        {
            throw config_error(who + ": the image is " + std::to_string(picture.width) + "x" +
                               std::to_string(picture.height) + ", expected at least 1x1");
        }
        if (picture.channels < 1 || picture.channels > 4)
        {
            throw config_error(who + ": the image has " + std::to_string(picture.channels) +
                               " channels, expected 1 to 4");
        }
        const std::size_t expected = picture.width * picture.height * picture.channels;
        if (picture.pixels.size() != expected)
        {
            throw config_error(who + ": a " + std::to_string(picture.width) + "x" +
                               std::to_string(picture.height) + "x" +
                               std::to_string(picture.channels) + " image needs " +
                               std::to_string(expected) + " bytes, found " +
                               std::to_string(picture.pixels.size()));
        }
    }
}
