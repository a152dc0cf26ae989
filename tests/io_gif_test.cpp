#define BOOST_TEST_MODULE io_gif
#include <boost/test/unit_test.hpp>

#include "ssgan/io/gif.hpp"

#include <gif_lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace ssgan;
using namespace std::chrono_literals;

namespace
{
    class temp_dir
    {
    public:
        temp_dir()
        {
            const auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
            path_ = fs::temp_directory_path() /
                    ("ssgan-io-gif-" + std::to_string(getpid()) + "-" + std::to_string(tick));
            fs::create_directories(path_);
        }
        ~temp_dir()
        {
            std::error_code ec;
            fs::remove_all(path_, ec);
        }
        temp_dir(const temp_dir&) = delete;
        temp_dir& operator=(const temp_dir&) = delete;

        const fs::path& path() const { return path_; }

    private:
        fs::path path_;
    };

    // A GIF read back whole by giflib's DGifSlurp; closed when the test is done with it.
    class slurped_gif
    {
    public:
        explicit slurped_gif(const fs::path& file)
        {
            int code = 0;
            gif_ = DGifOpenFileName(file.c_str(), &code);
            BOOST_REQUIRE_MESSAGE(gif_ != nullptr, "DGifOpenFileName: " << GifErrorString(code));
            BOOST_REQUIRE_MESSAGE(DGifSlurp(gif_) == GIF_OK,
                                  "DGifSlurp: " << GifErrorString(gif_->Error));
        }
        ~slurped_gif()
        {
            int code = 0;
            DGifCloseFile(gif_, &code);
        }
        slurped_gif(const slurped_gif&) = delete;
        slurped_gif& operator=(const slurped_gif&) = delete;

        const GifFileType& operator*() const { return *gif_; }
        const GifFileType* operator->() const { return gif_; }
        GifFileType* get() const { return gif_; }

        // The colour of pixel (x, y) of frame `index`, through the local or global palette.
        GifColorType color(int index, int x, int y) const
        {
            const SavedImage& frame = gif_->SavedImages[index];
            const ColorMapObject* map =
                frame.ImageDesc.ColorMap != nullptr ? frame.ImageDesc.ColorMap : gif_->SColorMap;
            BOOST_REQUIRE(map != nullptr);
            const GifByteType entry = frame.RasterBits[y * frame.ImageDesc.Width + x];
            BOOST_REQUIRE(entry < map->ColorCount);
            return map->Colors[entry];
        }

        int delay_centiseconds(int index) const
        {
            GraphicsControlBlock control{};
            BOOST_REQUIRE(DGifSavedExtensionToGCB(gif_, index, &control) == GIF_OK);
            return control.DelayTime;
        }

        // The loop count of the NETSCAPE2.0 extension, or -1 when there is none.
        int loop_count() const
        {
            for (int i = 0; i < gif_->ImageCount; ++i)
            {
                const SavedImage& frame = gif_->SavedImages[i];
                for (int e = 0; e + 1 < frame.ExtensionBlockCount; ++e)
                {
                    const ExtensionBlock& block = frame.ExtensionBlocks[e];
                    if (block.Function == APPLICATION_EXT_FUNC_CODE && block.ByteCount == 11 &&
                        std::memcmp(block.Bytes, "NETSCAPE2.0", 11) == 0)
                    {
                        const ExtensionBlock& data = frame.ExtensionBlocks[e + 1];
                        return data.Bytes[1] | (data.Bytes[2] << 8);
                    }
                }
            }
            return -1;
        }

    private:
        GifFileType* gif_ = nullptr;
    };

    std::vector<io::image> gray_frames(std::size_t count, std::size_t width, std::size_t height)
    {
        std::vector<io::image> frames;
        for (std::size_t f = 0; f < count; ++f)
        {
            io::image frame(width, height, 1);
            for (std::size_t y = 0; y < height; ++y)
            {
                for (std::size_t x = 0; x < width; ++x)
                {
                    frame.at(x, y) = static_cast<std::uint8_t>((x * 16 + y * 3 + f * 50) % 256);
                }
            }
            frames.push_back(frame);
        }
        return frames;
    }
}

BOOST_AUTO_TEST_CASE(gray_frames_come_back_exactly_with_their_delays_and_looping)
{
    const temp_dir dir;
    const fs::path file = dir.path() / "training.gif";
    const std::vector<io::image> frames = gray_frames(4, 12, 7);
    io::gif_options options;
    options.frame_delay = 250ms;
    options.last_frame_delay = 2s;
    io::write_gif(file, frames, options);

    const slurped_gif gif(file);
    BOOST_TEST(gif->ImageCount == 4);
    BOOST_TEST(gif->SWidth == 12);
    BOOST_TEST(gif->SHeight == 7);
    // GIF89a is needed for delays and looping (DGifGetGifVersion misreads it, so look).
    std::ifstream in(file, std::ios::binary);
    std::string signature(6, '\0');
    in.read(signature.data(), 6);
    BOOST_TEST(signature == "GIF89a");
    for (int f = 0; f < 4; ++f)
    {
        BOOST_TEST(gif->SavedImages[f].ImageDesc.Width == 12);
        BOOST_TEST(gif->SavedImages[f].ImageDesc.Height == 7);
        for (int y = 0; y < 7; ++y)
        {
            for (int x = 0; x < 12; ++x)
            {
                const GifColorType color = gif.color(f, x, y);
                const std::uint8_t want = frames[static_cast<std::size_t>(f)].at(
                    static_cast<std::size_t>(x), static_cast<std::size_t>(y));
                BOOST_TEST(color.Red == want);
                BOOST_TEST(color.Green == want);
                BOOST_TEST(color.Blue == want);
            }
        }
    }
    BOOST_TEST(gif.delay_centiseconds(0) == 25);
    BOOST_TEST(gif.delay_centiseconds(2) == 25);
    BOOST_TEST(gif.delay_centiseconds(3) == 200);
    BOOST_TEST(gif.loop_count() == 0);
}

BOOST_AUTO_TEST_CASE(rgb_frames_keep_their_colours_closely)
{
    const temp_dir dir;
    std::vector<io::image> frames;
    for (std::size_t f = 0; f < 3; ++f)
    {
        io::image frame(16, 16, 3);
        for (std::size_t y = 0; y < 16; ++y)
        {
            for (std::size_t x = 0; x < 16; ++x)
            {
                frame.at(x, y, 0) = x < 8 ? 255 : 0;
                frame.at(x, y, 1) = y < 8 ? 255 : 0;
                frame.at(x, y, 2) = static_cast<std::uint8_t>(f * 100);
            }
        }
        frames.push_back(frame);
    }

    for (const io::gif_palette palette : {io::gif_palette::adaptive, io::gif_palette::color_cube})
    {
        const fs::path file = dir.path() / "rgb.gif";
        io::gif_options options;
        options.palette = palette;
        options.loop_count = 3;
        io::write_gif(file, frames, options);

        const slurped_gif gif(file);
        BOOST_TEST(gif->ImageCount == 3);
        BOOST_TEST(gif.loop_count() == 3);

        // Pure red, green, yellow and black survive any palette; blue 200 within a cube step.
        const GifColorType red = gif.color(2, 2, 12);
        BOOST_TEST(red.Red == 255);
        BOOST_TEST(red.Green == 0);
        BOOST_TEST(std::abs(red.Blue - 200) <= 26);
        const GifColorType yellow = gif.color(0, 3, 3);
        BOOST_TEST(yellow.Red == 255);
        BOOST_TEST(yellow.Green == 255);
        BOOST_TEST(yellow.Blue == 0);
        const GifColorType black = gif.color(0, 12, 12);
        BOOST_TEST((black.Red == 0 && black.Green == 0 && black.Blue == 0));
    }
}

BOOST_AUTO_TEST_CASE(the_streaming_writer_leaves_no_file_until_finished)
{
    const temp_dir dir;
    const fs::path file = dir.path() / "stream.gif";
    const std::vector<io::image> frames = gray_frames(3, 5, 5);
    {
        io::gif_writer writer(file, 5, 5, 1);
        writer.add_frame(frames[0]);
        writer.add_frame(frames[1]);
        BOOST_TEST(!fs::exists(file));
    }
    BOOST_TEST(fs::is_empty(dir.path())); // abandoned: neither the GIF nor a temporary

    io::gif_writer writer(file, 5, 5, 1);
    for (const io::image& frame : frames)
    {
        writer.add_frame(frame);
    }
    writer.finish();
    BOOST_TEST(writer.frames() == 3u);
    const slurped_gif gif(file);
    BOOST_TEST(gif->ImageCount == 3);

    // Readable by others unless the umask says otherwise, like any file the library writes.
    struct stat info
    {
    };
    BOOST_REQUIRE(::stat(file.c_str(), &info) == 0);
    const mode_t mask = ::umask(022);
    ::umask(mask);
    BOOST_TEST((info.st_mode & 0777) == (0666 & ~mask));
}

BOOST_AUTO_TEST_CASE(frames_that_do_not_match_are_refused)
{
    const temp_dir dir;
    io::gif_writer writer(dir.path() / "x.gif", 4, 4, 1);
    BOOST_CHECK_THROW(writer.add_frame(io::image(5, 4, 1)), config_error);
    BOOST_CHECK_THROW(writer.add_frame(io::image(4, 4, 3)), config_error);
    BOOST_CHECK_THROW(writer.finish(), config_error); // no frames yet

    BOOST_CHECK_THROW(io::gif_writer(dir.path() / "y.gif", 4, 4, 2), config_error);
    BOOST_CHECK_THROW(io::gif_writer(dir.path() / "z.gif", 70000, 4, 1), config_error);
    BOOST_CHECK_THROW(io::write_gif(dir.path() / "w.gif", std::vector<io::image>{}), config_error);
    BOOST_CHECK_THROW(io::gif_writer(dir.path() / "no" / "dir.gif", 4, 4, 1), ssgan::error);
}
