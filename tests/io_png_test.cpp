#define BOOST_TEST_MODULE io_png
#include <boost/test/unit_test.hpp>

#include "ssgan/data/pixel_range.hpp"
#include "ssgan/io/image_grid.hpp"
#include "ssgan/io/png.hpp"

#include <png.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace ssgan;

namespace
{
    class temp_dir
    {
    public:
        temp_dir()
        {
            const auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
            path_ = fs::temp_directory_path() /
                    ("ssgan-io-png-" + std::to_string(getpid()) + "-" + std::to_string(tick));
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

    // Where pictures for a person to look at go: $SSGAN_TEST_OUTPUT if set, else nowhere.
    void keep_for_viewing(const fs::path& file)
    {
        if (const char* dir = std::getenv("SSGAN_TEST_OUTPUT"))
        {
            fs::create_directories(dir);
            fs::copy_file(file, fs::path(dir) / file.filename(),
                          fs::copy_options::overwrite_existing);
        }
    }

    // Reads a PNG with libpng's low-level API, independently of io::read_png.
    io::image read_with_libpng(const fs::path& file)
    {
        FILE* in = std::fopen(file.c_str(), "rb");
        BOOST_REQUIRE(in != nullptr);
        png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
        png_infop info = png_create_info_struct(png);
        png_init_io(png, in);
        png_read_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);

        io::image picture;
        picture.width = png_get_image_width(png, info);
        picture.height = png_get_image_height(png, info);
        picture.channels = png_get_channels(png, info);
        const int depth = png_get_bit_depth(png, info);
        png_bytepp rows = png_get_rows(png, info);
        const std::size_t row_bytes = picture.width * picture.channels;
        for (std::size_t y = 0; y < picture.height; ++y)
        {
            picture.pixels.insert(picture.pixels.end(), rows[y], rows[y] + row_bytes);
        }
        png_destroy_read_struct(&png, &info, nullptr);
        std::fclose(in);
        BOOST_TEST(depth == 8);
        return picture;
    }

    std::vector<std::uint8_t> first_bytes(const fs::path& file, std::size_t count)
    {
        std::ifstream in(file, std::ios::binary);
        std::vector<std::uint8_t> bytes(count);
        in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(count));
        return bytes;
    }
}

BOOST_AUTO_TEST_SUITE(png)

BOOST_AUTO_TEST_CASE(gray_and_rgb_images_round_trip_exactly)
{
    const temp_dir dir;
    for (const std::size_t channels : {1u, 2u, 3u, 4u})
    {
        io::image picture(5, 3, channels);
        for (std::size_t i = 0; i < picture.pixels.size(); ++i)
        {
            picture.pixels[i] = static_cast<std::uint8_t>(i * 37 + 11);
        }
        const fs::path file = dir.path() / ("picture-" + std::to_string(channels) + ".png");
        io::write_png(file, picture);

        BOOST_TEST(first_bytes(file, 8) ==
                       (std::vector<std::uint8_t>{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a}),
                   boost::test_tools::per_element());

        const io::image independent = read_with_libpng(file);
        BOOST_TEST(independent.width == 5u);
        BOOST_TEST(independent.height == 3u);
        BOOST_TEST(independent.channels == channels);
        BOOST_TEST(independent.pixels == picture.pixels, boost::test_tools::per_element());

        const io::image back = io::read_png(file);
        BOOST_TEST(back.channels == channels);
        BOOST_TEST(back.pixels == picture.pixels, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(no_temporary_file_is_left_behind)
{
    const temp_dir dir;
    io::write_png(dir.path() / "a.png", io::image(2, 2, 1, 7));
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir.path()))
    {
        BOOST_TEST(entry.path().filename() == "a.png");
        ++files;
    }
    BOOST_TEST(files == 1u);
}

BOOST_AUTO_TEST_CASE(bad_images_and_files_are_refused)
{
    const temp_dir dir;
    io::image wrong(4, 4, 1);
    wrong.pixels.pop_back();
    BOOST_CHECK_THROW(io::write_png(dir.path() / "wrong.png", wrong), config_error);
    BOOST_CHECK_THROW(io::write_png(dir.path() / "missing" / "a.png", io::image(1, 1, 1)),
                      ssgan::error);

    const fs::path text = dir.path() / "text.png";
    std::ofstream(text) << "not a png at all";
    BOOST_CHECK_THROW(io::read_png(text), data_error);
    BOOST_CHECK_THROW(io::read_png(dir.path() / "absent.png"), data_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(image_grid)

BOOST_AUTO_TEST_CASE(a_grid_of_gray_images_round_trips_through_a_png_file)
{
    // Five 1 x 2 x 3 images in [-1, 1] on a 2 x 3 grid, scale 2, separator 1: the sixth cell
    // stays the separator colour.
    const std::size_t count = 5, height = 2, width = 3;
    std::vector<float> values(count * height * width);
    std::vector<std::uint8_t> expected_pixels(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
    {
        expected_pixels[i] = static_cast<std::uint8_t>((i * 9) % 256);
        values[i] = data::to_float(expected_pixels[i], data::pixel_range::minus_one_to_one);
    }
    io::grid_layout layout;
    layout.rows = 2;
    layout.cols = 3;
    layout.scale = 2;
    layout.separator = 1;
    layout.separator_value = 200;

    const temp_dir dir;
    const fs::path file = dir.path() / "grid.png";
    io::write_image_grid(file, {values, count, 1, height, width},
                         data::pixel_range::minus_one_to_one, layout);
    const io::image grid = read_with_libpng(file);

    BOOST_TEST(grid.width == 3 * 6 + 2 * 1u);
    BOOST_TEST(grid.height == 2 * 4 + 1 * 1u);
    BOOST_TEST(grid.channels == 1u);
    for (std::size_t n = 0; n < 6; ++n)
    {
        const std::size_t left = (n % 3) * 7;
        const std::size_t top = (n / 3) * 5;
        for (std::size_t y = 0; y < 4; ++y)
        {
            for (std::size_t x = 0; x < 6; ++x)
            {
                const std::uint8_t want =
                    n < count ? expected_pixels[n * 6 + (y / 2) * width + x / 2] : 200;
                BOOST_TEST(grid.at(left + x, top + y) == want,
                           "cell " << n << " x " << x << " y " << y);
            }
        }
    }
    BOOST_TEST(grid.at(6, 0) == 200); // vertical separator
    BOOST_TEST(grid.at(0, 4) == 200); // horizontal separator
}

BOOST_AUTO_TEST_CASE(rgb_planes_become_interleaved_pixels)
{
    // One 3 x 1 x 2 image: red plane {0, 1}, green {0.5, 0}, blue {1, 0.2} in [0, 1].
    const std::vector<float> values{0.0f, 1.0f, 0.5f, 0.0f, 1.0f, 0.2f};
    const io::image grid =
        io::make_image_grid({values, 1, 3, 1, 2}, data::pixel_range::zero_to_one);
    BOOST_TEST(grid.width == 2u);
    BOOST_TEST(grid.height == 1u);
    BOOST_TEST(grid.pixels == (std::vector<std::uint8_t>{0, 128, 255, 255, 0, 51}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_default_layout_is_near_square)
{
    BOOST_TEST(io::square_grid(100).rows == 10u);
    BOOST_TEST(io::square_grid(100).cols == 10u);
    BOOST_TEST(io::square_grid(10).cols == 4u);
    BOOST_TEST(io::square_grid(10).rows == 3u);
    BOOST_TEST(io::square_grid(1).cols == 1u);
}

BOOST_AUTO_TEST_CASE(a_batch_that_does_not_fit_is_refused)
{
    const std::vector<float> values(5 * 4, 0.0f);
    io::grid_layout layout;
    layout.rows = 2;
    layout.cols = 2;
    BOOST_CHECK_THROW(
        io::make_image_grid({values, 5, 1, 2, 2}, data::pixel_range::zero_to_one, layout),
        config_error);
    BOOST_CHECK_THROW(
        io::make_image_grid({values, 4, 1, 2, 2}, data::pixel_range::zero_to_one, layout),
        config_error); // 16 values needed, 20 given
    BOOST_CHECK_THROW(
        io::make_image_grid({values, 5, 2, 1, 2}, data::pixel_range::zero_to_one, layout),
        config_error); // two channels
}

BOOST_AUTO_TEST_CASE(a_grid_of_dataset_samples_shows_them_unchanged)
{
    data::dataset set;
    set.count = 2;
    set.channels = 1;
    set.height = 1;
    set.width = 2;
    set.num_classes = 2;
    set.pixels = {10, 20, 30, 40};
    set.labels = {0, 1};
    const std::vector<std::size_t> indices{1, 0};
    io::grid_layout layout;
    layout.separator = 1;
    const io::image grid = io::make_image_grid(set, indices, layout);
    BOOST_TEST(grid.pixels == (std::vector<std::uint8_t>{30, 40, 128, 10, 20}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_grid_of_rings_for_a_person_to_look_at)
{
    // Mostly for the eye: set SSGAN_TEST_OUTPUT to keep rings_grid.png and look at it.
    std::vector<float> values(16 * 28 * 28);
    for (std::size_t n = 0; n < 16; ++n)
    {
        for (std::size_t y = 0; y < 28; ++y)
        {
            for (std::size_t x = 0; x < 28; ++x)
            {
                const double dx = static_cast<double>(x) - 13.5, dy = static_cast<double>(y) - 13.5;
                const double ring = std::abs(std::sqrt(dx * dx + dy * dy) - 3.0 - 0.5 * n);
                values[(n * 28 + y) * 28 + x] = ring < 1.5 ? 1.0f : -1.0f;
            }
        }
    }
    io::grid_layout layout;
    layout.scale = 3;
    const temp_dir dir;
    const fs::path file = dir.path() / "rings_grid.png";
    io::write_image_grid(file, {values, 16, 1, 28, 28}, data::pixel_range::minus_one_to_one,
                         layout);
    const io::image grid = io::read_png(file);
    BOOST_TEST(grid.width == 4 * 84 + 3 * 2u);
    keep_for_viewing(file);
}

BOOST_AUTO_TEST_SUITE_END()
