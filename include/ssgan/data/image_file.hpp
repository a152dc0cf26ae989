// One image of a user's dataset made to fit the network's input: PNG or JPEG files decoded by
// stb_image, interleaved height × width × channels bytes converted to the channels the network
// takes (grey ↔ RGB, alpha dropped), resized by stb_image_resize or rejected, and appended as
// channel-planar bytes (the dataset's layout).
#pragma once

#include "ssgan/core/error.hpp"

#include <stb_image.h>
#include <stb_image_resize.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ssgan::data
{
    // What the network takes, and whether an image of another size is resized or rejected.
    struct image_fit
    {
        std::size_t channels = 3; // 1 (grey) or 3 (RGB)
        std::size_t height = 32;
        std::size_t width = 32;
        bool no_resize = false;

        std::size_t sample_size() const { return channels * height * width; }
        std::string describe() const
        {
            return std::to_string(height) + "x" + std::to_string(width) + "x" +
                   std::to_string(channels);
        }
    };

    // An image as its file or array holds it: height × width × channels bytes, interleaved.
    struct interleaved_image
    {
        std::size_t height = 0;
        std::size_t width = 0;
        std::size_t channels = 0; // 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA
        std::vector<std::uint8_t> pixels;
    };

    namespace detail
    {
        // ITU-R BT.601 luma, rounded: the weights JPEG and most tools use for grey.
        inline std::uint8_t luma(std::uint8_t red, std::uint8_t green, std::uint8_t blue)
        {
            return static_cast<std::uint8_t>((299 * red + 587 * green + 114 * blue + 500) / 1000);
        }

        // The same pixels with `channels` channels: grey copied into R, G and B; RGB to grey by
        // luma; alpha dropped.
        inline interleaved_image convert_channels(const interleaved_image& from,
                                                  std::size_t channels)
        {
            interleaved_image to{from.height, from.width, channels, {}};
            const std::size_t count = from.height * from.width;
            to.pixels.resize(count * channels);
            for (std::size_t p = 0; p < count; ++p)
            {
                const std::uint8_t* in = from.pixels.data() + p * from.channels;
                std::uint8_t* out = to.pixels.data() + p * channels;
                const bool grey = from.channels <= 2;
                if (channels == 1)
                    out[0] = grey ? in[0] : luma(in[0], in[1], in[2]);
                else
                    for (std::size_t c = 0; c < 3; ++c)
                        out[c] = grey ? in[0] : in[c];
            }
            return to;
        }

        struct stbi_freer
        {
            void operator()(stbi_uc* pixels) const { stbi_image_free(pixels); }
        };
    }

    // Appends `image`, fitted to `fit`, to `out` as fit.channels planes of fit.height ×
    // fit.width bytes. `source` names the image in messages. Throws data_error when the size
    // differs and fit.no_resize is set (naming both sizes), or when the channel count is not
    // 1 to 4.
    inline void append_fitted(const interleaved_image& image, const image_fit& fit,
                              const std::string& source, std::vector<std::uint8_t>& out)
    {
        if (image.channels < 1 || image.channels > 4)
            throw data_error(source +
                             ": expected 1 to 4 channels (grey, grey + alpha, RGB, "
                             "RGBA), found " +
                             std::to_string(image.channels));
        if (fit.channels != 1 && fit.channels != 3)
            throw config_error("image fit: expected 1 or 3 channels, found " +
                               std::to_string(fit.channels));
        if (image.height == 0 || image.width == 0)
            throw data_error(source + ": expected an image, found " + std::to_string(image.height) +
                             "x" + std::to_string(image.width) + " pixels");

        const bool same_size = image.height == fit.height && image.width == fit.width;
        if (!same_size && fit.no_resize)
            throw data_error(source + ": expected " + std::to_string(fit.height) + "x" +
                             std::to_string(fit.width) + " pixels (the network's input), found " +
                             std::to_string(image.height) + "x" + std::to_string(image.width) +
                             "; without --no-resize it would be resized");

        interleaved_image fitted =
            image.channels == fit.channels ? image : detail::convert_channels(image, fit.channels);
        if (!same_size)
        {
            interleaved_image resized{fit.height, fit.width, fit.channels, {}};
            resized.pixels.resize(fit.height * fit.width * fit.channels);
            const int ok =
                stbir_resize_uint8(fitted.pixels.data(), static_cast<int>(fitted.width),
                                   static_cast<int>(fitted.height), 0, resized.pixels.data(),
                                   static_cast<int>(fit.width), static_cast<int>(fit.height), 0,
                                   static_cast<int>(fit.channels));
            if (!ok)
                throw data_error(source + ": stb_image_resize could not resize it from " +
                                 std::to_string(image.height) + "x" + std::to_string(image.width) +
                                 " to " + std::to_string(fit.height) + "x" +
                                 std::to_string(fit.width));
            fitted = std::move(resized);
        }

        const std::size_t plane = fit.height * fit.width;
        const std::size_t first = out.size();
        out.resize(first + plane * fit.channels);
        for (std::size_t c = 0; c < fit.channels; ++c)
            for (std::size_t p = 0; p < plane; ++p)
                out[first + c * plane + p] = fitted.pixels[p * fit.channels + c];
    }

    // Decodes a PNG or JPEG file (stb_image also reads BMP, GIF, TGA and PNM) as it is stored.
    // Throws data_error naming the file and stb_image's reason for a file it cannot decode.
    inline interleaved_image read_image_file(const std::filesystem::path& file)
    {
        std::ifstream in(file, std::ios::binary);
        if (!in)
            throw data_error(file.string() + ": cannot open it (expected a PNG or JPEG image)");
        const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                      std::istreambuf_iterator<char>());
        if (bytes.empty())
            throw data_error(file.string() + ": expected a PNG or JPEG image, found an empty file");

        int width = 0, height = 0, channels = 0;

        // stb_image allocates what the header claims before decoding; no format it reads
        // compresses better than deflate's 1032:1, so a claim beyond that is a lie.
        const auto* encoded = reinterpret_cast<const stbi_uc*>(bytes.data());
        if (stbi_info_from_memory(encoded, static_cast<int>(bytes.size()), &width, &height,
                                  &channels) != 0)
        {
            // In double: two int dimensions and a channel count can exceed 2^64.
            const double claimed = double(width) * double(height) * double(channels);
            const std::uint64_t most = std::uint64_t(bytes.size()) * 1032 + (1u << 20);
            if (claimed > double(most))
                throw data_error(file.string() + ": the header claims " + std::to_string(width) +
                                 "x" + std::to_string(height) + "x" + std::to_string(channels) +
                                 " bytes of pixels, but a file of " + std::to_string(bytes.size()) +
                                 " bytes holds at most " + std::to_string(most) +
                                 " (corrupt header?)");
        }

        const std::unique_ptr<stbi_uc, detail::stbi_freer> pixels(
            stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                                  static_cast<int>(bytes.size()), &width, &height, &channels, 0));
        if (!pixels)
        {
            const char* reason = stbi_failure_reason();
            throw data_error(file.string() +
                             ": expected a PNG or JPEG image, found one that "
                             "stb_image cannot decode (" +
                             std::string(reason ? reason : "no reason given") + ")");
        }

        interleaved_image image{std::size_t(height), std::size_t(width), std::size_t(channels), {}};
        image.pixels.assign(pixels.get(), pixels.get() + image.height * image.width * channels);
        return image;
    }
}
