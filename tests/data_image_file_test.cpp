#define BOOST_TEST_MODULE data_image_file
#include <boost/test/unit_test.hpp>

#include "ssgan/data/image_file.hpp"

#include <stb_image_write.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace ssgan;

namespace
{
    fs::path scratch(const std::string& name)
    {
        const fs::path dir = fs::current_path() / ("image-file-" + name);
        fs::remove_all(dir);
        fs::create_directories(dir);
        return dir;
    }

    // An RGB image whose pixel (row, col) is (row * 8, col * 8, 200 - row - col): every value
    // tells where it came from.
    std::vector<std::uint8_t> gradient(std::size_t height, std::size_t width)
    {
        std::vector<std::uint8_t> pixels(height * width * 3);
        for (std::size_t row = 0; row < height; ++row)
            for (std::size_t col = 0; col < width; ++col)
            {
                std::uint8_t* p = pixels.data() + (row * width + col) * 3;
                p[0] = static_cast<std::uint8_t>(row * 8);
                p[1] = static_cast<std::uint8_t>(col * 8);
                p[2] = static_cast<std::uint8_t>(200 - row - col);
            }
        return pixels;
    }

    void write_png(const fs::path& file, std::size_t height, std::size_t width,
                   std::size_t channels, const std::vector<std::uint8_t>& pixels)
    {
        BOOST_REQUIRE(stbi_write_png(file.string().c_str(), int(width), int(height), int(channels),
                                     pixels.data(), int(width * channels)) != 0);
    }

    std::vector<std::uint8_t> fitted(const data::interleaved_image& image, data::image_fit fit)
    {
        std::vector<std::uint8_t> out;
        data::append_fitted(image, fit, "test image", out);
        return out;
    }
}

BOOST_AUTO_TEST_SUITE(data_image_file)

BOOST_AUTO_TEST_CASE(png_decodes_exactly_and_becomes_channel_planar)
{
    const fs::path file = scratch("png") / "a.png";
    write_png(file, 4, 5, 3, gradient(4, 5));
    const data::interleaved_image image = data::read_image_file(file);
    BOOST_TEST(image.height == 4u);
    BOOST_TEST(image.width == 5u);
    BOOST_TEST(image.channels == 3u);

    const auto planes = fitted(image, {3, 4, 5, true});
    BOOST_REQUIRE_EQUAL(planes.size(), 3u * 4u * 5u);
    for (std::size_t row = 0; row < 4; ++row)
        for (std::size_t col = 0; col < 5; ++col)
        {
            BOOST_TEST(planes[0 * 20 + row * 5 + col] == row * 8);
            BOOST_TEST(planes[1 * 20 + row * 5 + col] == col * 8);
            BOOST_TEST(planes[2 * 20 + row * 5 + col] == 200 - row - col);
        }
}

BOOST_AUTO_TEST_CASE(jpeg_decodes_close_to_what_was_written)
{
    const fs::path file = scratch("jpeg") / "a.jpg";
    // Flat 8 × 8 blocks survive JPEG almost unchanged.
    std::vector<std::uint8_t> pixels(16 * 16 * 3);
    for (std::size_t row = 0; row < 16; ++row)
        for (std::size_t col = 0; col < 16; ++col)
            for (std::size_t c = 0; c < 3; ++c)
                pixels[(row * 16 + col) * 3 + c] = row < 8 ? 40 : 220;
    BOOST_REQUIRE(stbi_write_jpg(file.string().c_str(), 16, 16, 3, pixels.data(), 100) != 0);

    const auto planes = fitted(data::read_image_file(file), {3, 16, 16, true});
    int worst = 0;
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t row = 0; row < 16; ++row)
            for (std::size_t col = 0; col < 16; ++col)
                worst = std::max(
                    worst, std::abs(int(planes[c * 256 + row * 16 + col]) - (row < 8 ? 40 : 220)));
    BOOST_TEST(worst <= 3);
}

BOOST_AUTO_TEST_CASE(grey_becomes_rgb_and_rgb_becomes_grey_by_bt601_luma)
{
    const data::interleaved_image grey{1, 2, 1, {10, 250}};
    const auto rgb = fitted(grey, {3, 1, 2, true});
    BOOST_TEST(rgb == std::vector<std::uint8_t>({10, 250, 10, 250, 10, 250}),
               boost::test_tools::per_element());

    // 0.299·255 = 76.2, 0.587·255 = 149.7, 0.114·255 = 29.1, and 0.299·10 + 0.587·20 +
    // 0.114·30 = 18.15.
    const data::interleaved_image colour{1, 4, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30}};
    BOOST_TEST(fitted(colour, {1, 1, 4, true}) == std::vector<std::uint8_t>({76, 150, 29, 18}),
               boost::test_tools::per_element());

    const data::interleaved_image with_alpha{1, 1, 4, {1, 2, 3, 0}};
    BOOST_TEST(fitted(with_alpha, {3, 1, 1, true}) == std::vector<std::uint8_t>({1, 2, 3}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(another_size_is_resized_keeping_the_picture)
{
    // 64 × 64: black left half, white right half, scaled to 32 × 32.
    data::interleaved_image image{64, 64, 1, std::vector<std::uint8_t>(64 * 64)};
    for (std::size_t row = 0; row < 64; ++row)
        for (std::size_t col = 32; col < 64; ++col)
            image.pixels[row * 64 + col] = 255;
    const auto small = fitted(image, {1, 32, 32, false});
    BOOST_REQUIRE_EQUAL(small.size(), 32u * 32u);
    for (std::size_t row = 0; row < 32; ++row)
    {
        BOOST_TEST(small[row * 32 + 2] <= 2);
        BOOST_TEST(small[row * 32 + 13] <= 2);
        BOOST_TEST(small[row * 32 + 18] >= 253);
        BOOST_TEST(small[row * 32 + 29] >= 253);
    }
}

BOOST_AUTO_TEST_CASE(another_size_is_rejected_naming_the_source_and_both_sizes_with_no_resize)
{
    const data::interleaved_image image{20, 30, 3, std::vector<std::uint8_t>(20 * 30 * 3)};
    std::vector<std::uint8_t> out;
    try
    {
        data::append_fitted(image, {3, 32, 32, true}, "cats/a.png", out);
        BOOST_ERROR("no error for an image of another size");
    }
    catch (const data_error& failure)
    {
        const std::string message = failure.what();
        BOOST_TEST_INFO(message);
        BOOST_TEST(message.find("cats/a.png") != std::string::npos);
        BOOST_TEST(message.find("expected 32x32") != std::string::npos);
        BOOST_TEST(message.find("found 20x30") != std::string::npos);
    }
    BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_CASE(corrupt_and_empty_files_are_rejected_naming_the_file)
{
    const fs::path dir = scratch("corrupt");
    write_png(dir / "whole.png", 8, 8, 3, gradient(8, 8));
    std::ifstream in(dir / "whole.png", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(dir / "truncated.png", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    std::ofstream(dir / "text.jpg") << "not an image";
    std::ofstream(dir / "empty.png").flush();

    for (const char* name : {"truncated.png", "text.jpg", "empty.png"})
    {
        BOOST_TEST_CONTEXT(name)
        {
            try
            {
                data::read_image_file(dir / name);
                BOOST_ERROR("no error");
            }
            catch (const data_error& failure)
            {
                BOOST_TEST(std::string(failure.what()).find(name) != std::string::npos);
            }
        }
    }
}

// stb_image reserves what a header claims before decoding (up to 1 GiB for PNG): a real 1 x 1 PNG
// whose header then says 18000 x 18000 must be refused first, naming the claim and the file size.
BOOST_AUTO_TEST_CASE(a_header_claiming_more_pixels_than_the_file_can_hold_is_rejected)
{
    const fs::path dir = scratch("claims");
    const fs::path file = dir / "huge.png";
    write_png(file, 1, 1, 3, {10, 20, 30});
    std::ifstream in(file, std::ios::binary);
    std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
    in.close();

    // Bytes 16-23 are IHDR's width and height (big-endian), 12-28 the chunk its CRC covers.
    for (const std::size_t at : {16u, 20u})
    {
        bytes[at] = 0;
        bytes[at + 1] = 0;
        bytes[at + 2] = char(18000 >> 8);
        bytes[at + 3] = char(18000 & 0xff);
    }
    const std::uint32_t crc =
        std::uint32_t(crc32(0, reinterpret_cast<const Bytef*>(bytes.data() + 12), 17));
    for (std::size_t i = 0; i < 4; ++i)
        bytes[29 + i] = char(crc >> (24 - 8 * i));
    std::ofstream(file, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));

    try
    {
        data::read_image_file(file);
        BOOST_ERROR("no error for a header claiming 18000x18000");
    }
    catch (const data_error& failure)
    {
        const std::string message = failure.what();
        BOOST_TEST(message.find(file.string()) != std::string::npos, message);
        BOOST_TEST(message.find("18000x18000x3") != std::string::npos, message);
        BOOST_TEST(message.find("a file of " + std::to_string(bytes.size()) + " bytes") !=
                       std::string::npos,
                   message);
    }
}

BOOST_AUTO_TEST_SUITE_END()
