// PNG files through libpng's simplified API: write an 8-bit image of 1 to 4 channels (gray,
// gray + alpha, RGB, RGBA) atomically, and read one back as 8 bits per channel with the file's
// own channel count (palette files come back as RGB or RGBA).
#pragma once

#include "ssgan/core/error.hpp"
#include "ssgan/io/atomic_file.hpp"
#include "ssgan/io/image.hpp"

#include <png.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <system_error>

namespace ssgan::io
{
    namespace detail
    {
        inline png_uint_32 png_format_for(std::size_t channels)
        {
            switch (channels)
            {
            case 1:
                return PNG_FORMAT_GRAY;
            case 2:
                return PNG_FORMAT_GA;
            case 3:
                return PNG_FORMAT_RGB;
            default:
                return PNG_FORMAT_RGBA;
            }
        }

        // The simplified API keeps its state in a png_image that must be freed on every path.
        struct png_image_guard
        {
            png_image image{};

            png_image_guard() { image.version = PNG_IMAGE_VERSION; }
            ~png_image_guard() { png_image_free(&image); }
            png_image_guard(const png_image_guard&) = delete;
            png_image_guard& operator=(const png_image_guard&) = delete;
        };

        // Deflate cannot compress better than about 1032:1, which bounds the pixels a PNG file
        // of a given size can hold; a header claiming more is corrupt.
        inline constexpr std::uintmax_t png_max_inflation = 1032;
    }

    // Writes `picture` as an 8-bit PNG; the file appears complete or not at all. Throws
    // config_error for an inconsistent image, ssgan::error when the file cannot be written.
    inline void write_png(const std::filesystem::path& file, const image& picture)
    {
        check_image(picture, "write_png(" + file.string() + ")");
        const std::size_t row_bytes = picture.width * picture.channels;
        if (picture.width > 0x7fffffff || picture.height > 0x7fffffff ||
            row_bytes > static_cast<std::size_t>(std::numeric_limits<png_int_32>::max()))
        {
            throw config_error("write_png(" + file.string() +
                               "): " + std::to_string(picture.width) + "x" +
                               std::to_string(picture.height) + " is larger than PNG allows");
        }

        atomic_file output(file);
        detail::png_image_guard png;
        png.image.width = static_cast<png_uint_32>(picture.width);
        png.image.height = static_cast<png_uint_32>(picture.height);
        png.image.format = detail::png_format_for(picture.channels);
        if (!png_image_write_to_file(&png.image, output.temp_path().c_str(), 0,
                                     picture.pixels.data(), static_cast<png_int_32>(row_bytes),
                                     nullptr))
        {
            throw error(file.string() + ": cannot write the PNG: " + png.image.message);
        }
        output.commit();
    }

    // Reads a PNG as 8 bits per channel: 1 channel for gray, 2 for gray + alpha, 3 for RGB,
    // 4 for RGBA. Throws data_error naming the file and libpng's reason.
    inline image read_png(const std::filesystem::path& file)
    {
        std::error_code ec;
        const std::uintmax_t file_size = std::filesystem::file_size(file, ec);
        if (ec)
        {
            throw data_error(file.string() + ": cannot read the PNG: " + ec.message());
        }

        detail::png_image_guard png;
        if (!png_image_begin_read_from_file(&png.image, file.c_str()))
        {
            throw data_error(file.string() + ": not a readable PNG: " + png.image.message);
        }

        image picture;
        picture.width = png.image.width;
        picture.height = png.image.height;
        const bool color = (png.image.format & PNG_FORMAT_FLAG_COLOR) != 0;
        const bool alpha = (png.image.format & PNG_FORMAT_FLAG_ALPHA) != 0;
        picture.channels = std::size_t{color ? 3u : 1u} + (alpha ? 1u : 0u);

        // Asking for the 8-bit format of the same layout keeps the bytes as stored.
        png.image.format = detail::png_format_for(picture.channels);
        const std::uintmax_t bytes =
            std::uintmax_t{picture.width} * picture.height * picture.channels;
        if (bytes > file_size * detail::png_max_inflation + 4096)
        {
            throw data_error(file.string() + ": the header claims " +
                             std::to_string(picture.width) + "x" + std::to_string(picture.height) +
                             " pixels, more than a PNG of " + std::to_string(file_size) +
                             " bytes can hold");
        }

        picture.pixels.resize(static_cast<std::size_t>(bytes));
        if (!png_image_finish_read(&png.image, nullptr, picture.pixels.data(), 0, nullptr))
        {
            throw data_error(file.string() + ": cannot decode the PNG: " + png.image.message);
        }
        return picture;
    }
}
