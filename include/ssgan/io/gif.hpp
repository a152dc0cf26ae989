// Animated GIFs through giflib: equal-size gray or RGB frames, a delay per frame, looping via the
// NETSCAPE2.0 extension. Gray frames keep their exact values (a 256-level gray palette); RGB
// frames get a palette of their own (median cut) or a fixed 6x7x6 colour cube.
#pragma once

#include "ssgan/core/error.hpp"
#include "ssgan/io/atomic_file.hpp"
#include "ssgan/io/image.hpp"

#include <fcntl.h>
#include <gif_lib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

// giflib 5.2.0 left GifQuantizeBuffer out of the library; 5.2.1 put it back.
#if GIFLIB_MAJOR == 5 && GIFLIB_MINOR == 2 && GIFLIB_RELEASE == 0
#define SSGAN_GIF_HAS_QUANTIZE 0
#else
#define SSGAN_GIF_HAS_QUANTIZE 1
#endif

namespace ssgan::io
{
    enum class gif_palette
    {
        // A 256-colour palette per frame (median cut); the colour cube where giflib lacks it.
        adaptive,
        // One fixed palette of 6 red x 7 green x 6 blue levels for all frames.
        color_cube,
    };

    struct gif_options
    {
        std::chrono::milliseconds frame_delay{200};
        std::optional<std::chrono::milliseconds> last_frame_delay; // a pause before looping
        unsigned loop_count = 0;                                   // 0: forever
        gif_palette palette = gif_palette::adaptive;
    };

    namespace detail
    {
        struct gif_color_map_deleter
        {
            void operator()(ColorMapObject* map) const { GifFreeMapObject(map); }
        };

        using gif_color_map = std::unique_ptr<ColorMapObject, gif_color_map_deleter>;

        inline gif_color_map make_gif_map(const std::array<GifColorType, 256>& colors)
        {
            gif_color_map map(GifMakeMapObject(256, colors.data()));
            if (!map)
            {
                throw std::bad_alloc();
            }
            return map;
        }

        inline gif_color_map gray_map()
        {
            std::array<GifColorType, 256> colors{};
            for (std::size_t i = 0; i < colors.size(); ++i)
            {
                const auto level = static_cast<GifByteType>(i);
                colors[i] = {level, level, level};
            }
            return make_gif_map(colors);
        }

        inline constexpr std::array<std::size_t, 3> cube_levels{6, 7, 6}; // green sees most

        inline gif_color_map cube_map()
        {
            std::array<GifColorType, 256> colors{};
            std::size_t i = 0;
            for (std::size_t r = 0; r < cube_levels[0]; ++r)
            {
                for (std::size_t g = 0; g < cube_levels[1]; ++g)
                {
                    for (std::size_t b = 0; b < cube_levels[2]; ++b)
                    {
                        colors[i++] = {
                            static_cast<GifByteType>((r * 255 + 2) / (cube_levels[0] - 1)),
                            static_cast<GifByteType>((g * 255 + 3) / (cube_levels[1] - 1)),
                            static_cast<GifByteType>((b * 255 + 2) / (cube_levels[2] - 1))};
                    }
                }
            }
            return make_gif_map(colors);
        }

        inline std::size_t cube_level(std::uint8_t value, std::size_t levels)
        {
            return (value * (levels - 1) + 127) / 255;
        }

        inline std::uint16_t gif_delay(std::chrono::milliseconds delay)
        {
            const auto centiseconds = (delay.count() + 5) / 10;
            return static_cast<std::uint16_t>(std::clamp<long long>(centiseconds, 0, 65535));
        }
    }

    // Writes frames one at a time, so a long training run need not keep every grid in memory.
    // The GIF appears under its name only when finish() succeeds; a writer destroyed without
    // finish() leaves no file behind.
    class gif_writer
    {
    public:
        gif_writer(std::filesystem::path file, std::size_t width, std::size_t height,
                   std::size_t channels, gif_options options = {})
            : output_(std::move(file)), width_(width), height_(height), channels_(channels),
              options_(options)
        {
            if (channels != 1 && channels != 3)
            {
                throw config_error("gif_writer(" + name() + "): frames have " +
                                   std::to_string(channels) + " channels, expected 1 or 3");
            }
            if (width == 0 || height == 0 || width > 65535 || height > 65535)
            {
                throw config_error("gif_writer(" + name() + "): frames of " +
                                   std::to_string(width) + "x" + std::to_string(height) +
                                   ", expected 1x1 to 65535x65535");
            }
            if (channels_ == 3 && options_.palette == gif_palette::adaptive &&
                !SSGAN_GIF_HAS_QUANTIZE)
            {
                options_.palette = gif_palette::color_cube;
            }

            // Opened here rather than by EGifOpenFileName, which would make the file readable
            // by its owner only; 0666 lets the umask decide, as for every other output.
            const int fd = ::open(output_.temp_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
            if (fd < 0)
            {
                throw error(name() + ": cannot create the GIF: " + std::strerror(errno));
            }
            int code = 0;
            gif_ = EGifOpenFileHandle(fd, &code);
            if (gif_ == nullptr)
            {
                ::close(fd);
                throw error(name() + ": cannot create the GIF: " + gif_reason(code));
            }
            try
            {
                EGifSetGifVersion(gif_, true);

                // Gray frames and the colour cube share one palette; adaptive frames bring
                // their own.
                detail::gif_color_map global;
                if (channels_ == 1)
                {
                    global = detail::gray_map();
                }
                else if (options_.palette == gif_palette::color_cube)
                {
                    global = detail::cube_map();
                }
                check(EGifPutScreenDesc(gif_, static_cast<int>(width_), static_cast<int>(height_),
                                        8, 0, global.get()));
                put_loop_extension();
                indices_.resize(width_ * height_);
            }
            catch (...)
            {
                close();
                throw;
            }
        }

        gif_writer(const gif_writer&) = delete;
        gif_writer& operator=(const gif_writer&) = delete;

        ~gif_writer() { close(); }

        // Adds a frame of the size and channel count given at construction.
        void add_frame(const image& frame)
        {
            check_image(frame, "gif_writer::add_frame(" + name() + ")");
            if (frame.width != width_ || frame.height != height_ || frame.channels != channels_)
            {
                throw config_error("gif_writer::add_frame(" + name() + "): frame " +
                                   std::to_string(frames_) + " is " + shape(frame) + ", expected " +
                                   std::to_string(width_) + "x" + std::to_string(height_) + "x" +
                                   std::to_string(channels_));
            }
            if (gif_ == nullptr)
            {
                throw config_error("gif_writer::add_frame(" + name() + "): already finished");
            }

            // The last frame may get its own delay, which is known only at finish(), so each
            // frame is written when the next one arrives.
            if (pending_)
            {
                write_frame(*pending_, options_.frame_delay);
            }
            pending_ = frame;
            ++frames_;
        }

        std::size_t frames() const { return frames_; }

        // Writes the last frame and moves the finished GIF into place.
        void finish()
        {
            if (gif_ == nullptr)
            {
                throw config_error("gif_writer::finish(" + name() + "): already finished");
            }
            if (!pending_)
            {
                throw config_error("gif_writer::finish(" + name() + "): no frames were added");
            }
            write_frame(*pending_, options_.last_frame_delay.value_or(options_.frame_delay));
            pending_.reset();
            if (const int code = close(); code != 0)
            {
                throw error(name() + ": cannot finish the GIF: " + gif_reason(code));
            }
            output_.commit();
        }

    private:
        std::string name() const { return output_.target().string(); }

        static std::string shape(const image& frame)
        {
            return std::to_string(frame.width) + "x" + std::to_string(frame.height) + "x" +
                   std::to_string(frame.channels);
        }

        static std::string gif_reason(int code)
        {
            const char* text = GifErrorString(code);
            return text != nullptr ? text : "giflib error " + std::to_string(code);
        }

        int close()
        {
            int code = 0;
            if (gif_ != nullptr)
            {
                if (EGifCloseFile(gif_, &code) == GIF_OK)
                {
                    code = 0;
                }
                gif_ = nullptr;
            }
            return code;
        }

        void check(int result)
        {
            if (result != GIF_OK)
            {
                const int code = gif_->Error;
                close();
                throw error(name() + ": cannot write the GIF: " + gif_reason(code));
            }
        }

        void put_loop_extension()
        {
            static constexpr char application[] = "NETSCAPE2.0";
            const std::array<GifByteType, 3> loop{
                1, static_cast<GifByteType>(options_.loop_count & 0xff),
                static_cast<GifByteType>((options_.loop_count >> 8) & 0xff)};
            check(EGifPutExtensionLeader(gif_, APPLICATION_EXT_FUNC_CODE));
            check(EGifPutExtensionBlock(gif_, 11, application));
            check(EGifPutExtensionBlock(gif_, static_cast<int>(loop.size()), loop.data()));
            check(EGifPutExtensionTrailer(gif_));
        }

        void write_frame(const image& frame, std::chrono::milliseconds delay)
        {
            if (gif_ == nullptr)
            {
                throw config_error("gif_writer(" + name() + "): already finished");
            }
            GraphicsControlBlock control{};
            control.DisposalMode = DISPOSE_DO_NOT;
            control.UserInputFlag = false;
            control.DelayTime = detail::gif_delay(delay);
            control.TransparentColor = NO_TRANSPARENT_COLOR;
            std::array<GifByteType, 4> extension{};
            EGifGCBToExtension(&control, extension.data());
            check(EGifPutExtension(gif_, GRAPHICS_EXT_FUNC_CODE, 4, extension.data()));

            const detail::gif_color_map local = to_indices(frame);
            check(EGifPutImageDesc(gif_, 0, 0, static_cast<int>(width_), static_cast<int>(height_),
                                   false, local.get()));
            for (std::size_t y = 0; y < height_; ++y)
            {
                check(EGifPutLine(gif_, indices_.data() + y * width_, static_cast<int>(width_)));
            }
        }

        // Fills indices_ with palette indices; returns the frame's own palette, if it has one.
        detail::gif_color_map to_indices(const image& frame)
        {
            if (channels_ == 1)
            {
                std::copy(frame.pixels.begin(), frame.pixels.end(), indices_.begin());
                return {};
            }
            if (options_.palette == gif_palette::color_cube)
            {
                const auto& levels = detail::cube_levels;
                for (std::size_t i = 0; i < indices_.size(); ++i)
                {
                    const std::uint8_t* rgb = frame.pixels.data() + 3 * i;
                    indices_[i] = static_cast<GifByteType>(
                        (detail::cube_level(rgb[0], levels[0]) * levels[1] +
                         detail::cube_level(rgb[1], levels[1])) *
                            levels[2] +
                        detail::cube_level(rgb[2], levels[2]));
                }
                return {};
            }
#if SSGAN_GIF_HAS_QUANTIZE
            // GifQuantizeBuffer wants separate red, green and blue planes it may write to.
            const std::size_t count = indices_.size();
            std::vector<GifByteType> planes(3 * count);
            for (std::size_t i = 0; i < count; ++i)
            {
                planes[i] = frame.pixels[3 * i];
                planes[count + i] = frame.pixels[3 * i + 1];
                planes[2 * count + i] = frame.pixels[3 * i + 2];
            }
            std::array<GifColorType, 256> colors{};
            int size = static_cast<int>(colors.size());
            if (GifQuantizeBuffer(static_cast<unsigned>(width_), static_cast<unsigned>(height_),
                                  &size, planes.data(), planes.data() + count,
                                  planes.data() + 2 * count, indices_.data(),
                                  colors.data()) != GIF_OK)
            {
                throw error(name() + ": giflib could not build a palette for frame " +
                            std::to_string(frames_ - 1));
            }

            // giflib reports each palette entry at 5 bits per channel, so white comes out as
            // 248; the mean of the pixels actually mapped to an entry is the faithful colour.
            std::array<std::array<std::size_t, 4>, 256> sums{};
            for (std::size_t i = 0; i < count; ++i)
            {
                std::array<std::size_t, 4>& sum = sums[indices_[i]];
                sum[0] += frame.pixels[3 * i];
                sum[1] += frame.pixels[3 * i + 1];
                sum[2] += frame.pixels[3 * i + 2];
                ++sum[3];
            }
            for (std::size_t e = 0; e < colors.size(); ++e)
            {
                const std::size_t n = sums[e][3];
                if (n > 0)
                {
                    colors[e] = {static_cast<GifByteType>((sums[e][0] + n / 2) / n),
                                 static_cast<GifByteType>((sums[e][1] + n / 2) / n),
                                 static_cast<GifByteType>((sums[e][2] + n / 2) / n)};
                }
            }
            return detail::make_gif_map(colors);
#else
            return {};
#endif
        }

        atomic_file output_;
        std::size_t width_;
        std::size_t height_;
        std::size_t channels_;
        gif_options options_;
        GifFileType* gif_ = nullptr;
        std::vector<GifByteType> indices_;
        std::optional<image> pending_;
        std::size_t frames_ = 0;
    };

    // Writes all frames at once; they must share one size and channel count (1 or 3).
    inline void write_gif(const std::filesystem::path& file, std::span<const image> frames,
                          const gif_options& options = {})
    {
        if (frames.empty())
        {
            throw config_error("write_gif(" + file.string() + "): no frames");
        }
        gif_writer writer(file, frames.front().width, frames.front().height,
                          frames.front().channels, options);
        for (const image& frame : frames)
        {
            writer.add_frame(frame);
        }
        writer.finish();
    }
}
