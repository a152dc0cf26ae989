#define BOOST_TEST_MODULE data_mnist
#include <boost/test/unit_test.hpp>

#include "ssgan/data/idx.hpp"
#include "ssgan/data/mnist.hpp"

#include <unistd.h>
#include <zlib.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace ssgan;

namespace
{
    // The real MNIST files: $SSGAN_SHARED_DATA/mnist as ctest sets it, else the shared folder
    // next to the repository.
    fs::path mnist_dir()
    {
        if (const char* root = std::getenv("SSGAN_SHARED_DATA"))
        {
            return fs::path(root) / "mnist";
        }
        const fs::path repo = fs::absolute(fs::path(__FILE__)).parent_path().parent_path();
        return repo.parent_path() / "shared" / "data" / "mnist";
    }

    class temp_dir
    {
    public:
        temp_dir()
        {
            const auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
            path_ = fs::temp_directory_path() /
                    ("ssgan-data-mnist-" + std::to_string(getpid()) + "-" + std::to_string(tick));
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

    enum class format
    {
        raw,
        gz,
    };

    const std::array<format, 2> both_formats{format::raw, format::gz};

    std::string suffix(format f)
    {
        return f == format::gz ? ".gz" : "";
    }

    void put_u32(std::vector<std::uint8_t>& bytes, std::uint32_t value)
    {
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            bytes.push_back(static_cast<std::uint8_t>(value >> shift));
        }
    }

    std::vector<std::uint8_t> images_file(std::uint32_t count, std::uint32_t rows,
                                          std::uint32_t cols, std::size_t payload_bytes,
                                          std::uint32_t magic = 0x00000803)
    {
        std::vector<std::uint8_t> bytes;
        put_u32(bytes, magic);
        put_u32(bytes, count);
        put_u32(bytes, rows);
        put_u32(bytes, cols);
        // Pseudo-random pixels, so that gzip cannot shrink them much.
        std::uint32_t state = 12345;
        for (std::size_t i = 0; i < payload_bytes; ++i)
        {
            state = state * 1664525u + 1013904223u;
            bytes.push_back(static_cast<std::uint8_t>(state >> 24));
        }
        return bytes;
    }

    std::vector<std::uint8_t> labels_file(std::uint32_t count,
                                          const std::vector<std::uint8_t>& labels)
    {
        std::vector<std::uint8_t> bytes;
        put_u32(bytes, 0x00000801);
        put_u32(bytes, count);
        bytes.insert(bytes.end(), labels.begin(), labels.end());
        return bytes;
    }

    void write_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes, format f)
    {
        if (f == format::raw)
        {
            std::ofstream out(path, std::ios::binary);
            out.write(reinterpret_cast<const char*>(bytes.data()),
                      static_cast<std::streamsize>(bytes.size()));
            BOOST_REQUIRE(out.good());
            return;
        }
        gzFile out = gzopen(path.c_str(), "wb6");
        BOOST_REQUIRE(out != nullptr);
        if (!bytes.empty())
        {
            BOOST_REQUIRE(gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size())) ==
                          static_cast<int>(bytes.size()));
        }
        BOOST_REQUIRE(gzclose(out) == Z_OK);
    }

    std::vector<std::uint8_t> read_bytes(const fs::path& path)
    {
        std::ifstream in(path, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    // Runs `read` and checks that it throws data_error whose message contains every fragment.
    template <class Read>
    void expect_data_error(Read read, const std::vector<std::string>& fragments)
    {
        try
        {
            read();
            BOOST_ERROR("expected ssgan::data_error, nothing was thrown");
        }
        catch (const data_error& e)
        {
            const std::string message = e.what();
            BOOST_TEST_MESSAGE("data_error: " << message);
            for (const std::string& fragment : fragments)
            {
                BOOST_TEST(message.find(fragment) != std::string::npos,
                           "message \"" << message << "\" lacks \"" << fragment << "\"");
            }
        }
    }

    std::array<std::size_t, 10> class_counts(const data::dataset& data)
    {
        std::array<std::size_t, 10> counts{};
        for (const int label : data.labels)
        {
            ++counts.at(static_cast<std::size_t>(label));
        }
        return counts;
    }
}

BOOST_AUTO_TEST_SUITE(real_files)

BOOST_AUTO_TEST_CASE(train_split_has_60000_images_with_the_published_statistics)
{
    const data::dataset train = data::load_mnist(mnist_dir(), data::split::train);

    BOOST_TEST(train.count == 60000u);
    BOOST_TEST(train.channels == 1u);
    BOOST_TEST(train.height == 28u);
    BOOST_TEST(train.width == 28u);
    BOOST_TEST(train.num_classes == 10u);
    BOOST_TEST(train.pixels.size() == 60000u * 28 * 28);

    const std::array<std::size_t, 10> expected{5923, 6742, 5958, 6131, 5842,
                                               5421, 5918, 6265, 5851, 5949};
    BOOST_TEST(class_counts(train) == expected, boost::test_tools::per_element());

    const std::vector<int> first(train.labels.begin(), train.labels.begin() + 5);
    BOOST_TEST(first == (std::vector<int>{5, 0, 4, 1, 9}), boost::test_tools::per_element());

    const double sum = std::accumulate(train.pixels.begin(), train.pixels.end(), 0.0);
    const double mean = sum / static_cast<double>(train.pixels.size());
    BOOST_TEST(mean == 33.318, boost::test_tools::tolerance(0.0005 / 33.318));
}

BOOST_AUTO_TEST_CASE(test_split_has_10000_images_with_the_published_statistics)
{
    const data::dataset test = data::load_mnist(mnist_dir(), data::split::test);

    BOOST_TEST(test.count == 10000u);
    BOOST_TEST(test.height == 28u);
    BOOST_TEST(test.width == 28u);

    const std::array<std::size_t, 10> expected{980, 1135, 1032, 1010, 982,
                                               892, 958,  1028, 974,  1009};
    BOOST_TEST(class_counts(test) == expected, boost::test_tools::per_element());

    const std::vector<int> first(test.labels.begin(), test.labels.begin() + 5);
    BOOST_TEST(first == (std::vector<int>{7, 2, 1, 0, 4}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(raw_and_gzip_files_read_the_same)
{
    // The real test images in whichever form the data folder holds, rewritten in both forms.
    const data::idx_images real =
        data::read_idx_images(data::find_mnist_files(mnist_dir(), data::split::test).images);
    std::vector<std::uint8_t> bytes = images_file(10000, 28, 28, 0);
    bytes.insert(bytes.end(), real.pixels.begin(), real.pixels.end());

    const temp_dir dir;
    for (const format f : both_formats)
    {
        const fs::path file = dir.path() / ("t10k-images-idx3-ubyte" + suffix(f));
        write_bytes(file, bytes, f);
        const data::idx_images copy = data::read_idx_images(file);
        BOOST_TEST(copy.count == 10000u);
        BOOST_TEST(copy.rows == 28u);
        BOOST_TEST(copy.cols == 28u);
        BOOST_TEST((copy.pixels == real.pixels));
    }
}

BOOST_AUTO_TEST_CASE(the_raw_file_is_preferred_when_both_are_present)
{
    const temp_dir dir;
    write_bytes(dir.path() / "t10k-labels-idx1-ubyte", labels_file(2, {3, 4}), format::raw);
    write_bytes(dir.path() / "t10k-labels-idx1-ubyte.gz", labels_file(1, {5}), format::gz);
    write_bytes(dir.path() / "t10k-images-idx3-ubyte.gz", images_file(2, 28, 28, 2 * 784),
                format::gz);

    const data::dataset test = data::load_mnist(dir.path(), data::split::test);
    BOOST_TEST(test.labels == (std::vector<int>{3, 4}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fashion_mnist_from_debian_loads_when_installed)
{
    const fs::path dir = "/usr/share/datasets/fashion-mnist";
    if (!fs::exists(dir / "train-images-idx3-ubyte.gz"))
    {
        BOOST_TEST_MESSAGE("dataset-fashion-mnist is not installed; nothing to check");
        return;
    }
    const data::dataset test = data::load_mnist(dir, data::split::test);
    BOOST_TEST(test.count == 10000u);
    std::array<std::size_t, 10> expected{};
    expected.fill(1000);
    BOOST_TEST(class_counts(test) == expected, boost::test_tools::per_element());
    const std::vector<int> first(test.labels.begin(), test.labels.begin() + 5);
    BOOST_TEST(first == (std::vector<int>{9, 2, 1, 1, 6}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(malformed_files)

BOOST_AUTO_TEST_CASE(a_small_valid_file_reads_back_exactly)
{
    for (const format f : both_formats)
    {
        const temp_dir dir;
        const fs::path path = dir.path() / ("images" + suffix(f));
        const std::vector<std::uint8_t> bytes = images_file(3, 2, 5, 30);
        write_bytes(path, bytes, f);

        const data::idx_images images = data::read_idx_images(path);
        BOOST_TEST(images.count == 3u);
        BOOST_TEST(images.rows == 2u);
        BOOST_TEST(images.cols == 5u);
        const std::vector<std::uint8_t> payload(bytes.begin() + 16, bytes.end());
        BOOST_TEST(images.pixels == payload, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(a_truncated_file_is_rejected)
{
    for (const format f : both_formats)
    {
        const temp_dir dir;
        const fs::path path = dir.path() / ("train-images-idx3-ubyte" + suffix(f));
        write_bytes(path, images_file(3, 28, 28, 2 * 784 + 100), f);
        expect_data_error([&] { data::read_idx_images(path); },
                          {path.string(), "3 images x 28 rows x 28 columns", "2352", "1668"});
    }
}

BOOST_AUTO_TEST_CASE(a_file_shorter_than_its_header_is_rejected)
{
    for (const format f : both_formats)
    {
        const temp_dir dir;
        const fs::path path = dir.path() / ("images" + suffix(f));
        std::vector<std::uint8_t> bytes = images_file(3, 28, 28, 0);
        bytes.resize(10);
        write_bytes(path, bytes, f);
        expect_data_error([&] { data::read_idx_images(path); },
                          {path.string(), "rows per image", "expected 4 bytes"});
    }
}

BOOST_AUTO_TEST_CASE(extra_bytes_after_the_data_are_rejected)
{
    for (const format f : both_formats)
    {
        const temp_dir dir;
        const fs::path path = dir.path() / ("labels" + suffix(f));
        write_bytes(path, labels_file(3, {1, 2, 3, 4}), f);
        expect_data_error([&] { data::read_idx_labels(path); }, {path.string(), "3 labels"});
    }
}

BOOST_AUTO_TEST_CASE(a_wrong_magic_number_is_rejected)
{
    for (const format f : both_formats)
    {
        const temp_dir dir;
        const fs::path labels = dir.path() / ("labels" + suffix(f));
        write_bytes(labels, labels_file(2, {1, 2}), f);
        expect_data_error([&] { data::read_idx_images(labels); },
                          {labels.string(), "magic number", "expected 0x00000803",
                           "found 0x00000801 (an IDX labels file)"});

        const fs::path images = dir.path() / ("images" + suffix(f));
        write_bytes(images, images_file(1, 2, 2, 4, 0x00000d03), f);
        expect_data_error([&] { data::read_idx_images(images); },
                          {images.string(), "expected 0x00000803", "found 0x00000d03"});
        expect_data_error([&] { data::read_idx_labels(images); },
                          {images.string(), "expected 0x00000801", "found 0x00000d03"});
    }
}

BOOST_AUTO_TEST_CASE(a_gzip_file_gzipped_twice_is_named_as_such)
{
    const temp_dir dir;
    const fs::path once = dir.path() / "once.gz";
    write_bytes(once, labels_file(2, {1, 2}), format::gz);
    const fs::path twice = dir.path() / "twice.gz";
    write_bytes(twice, read_bytes(once), format::gz);
    expect_data_error([&] { data::read_idx_labels(twice); }, {twice.string(), "gzipped twice"});
}

BOOST_AUTO_TEST_CASE(absurd_dimensions_are_rejected_before_allocating)
{
    for (const format f : both_formats)
    {
        const temp_dir dir;

        // 2^31 images of 28 x 28 would be 1.7 TB; the file holds 100 bytes.
        const fs::path huge = dir.path() / ("huge" + suffix(f));
        write_bytes(huge, images_file(0x7fffffff, 28, 28, 100), f);
        expect_data_error([&] { data::read_idx_images(huge); },
                          {huge.string(), "2147483647 images x 28 rows x 28 columns"});

        const fs::path overflow = dir.path() / ("overflow" + suffix(f));
        write_bytes(overflow, images_file(0xffffffff, 0xffffffff, 0xffffffff, 100), f);
        expect_data_error([&] { data::read_idx_images(overflow); },
                          {overflow.string(), "more than 2^64"});

        const fs::path zero = dir.path() / ("zero" + suffix(f));
        write_bytes(zero, images_file(5, 0, 28, 0), f);
        expect_data_error([&] { data::read_idx_images(zero); },
                          {zero.string(), "bytes 8-11", "rows per image", "found 0"});

        const fs::path labels = dir.path() / ("labels" + suffix(f));
        write_bytes(labels, labels_file(0xffffffff, {1, 2, 3}), f);
        expect_data_error([&] { data::read_idx_labels(labels); },
                          {labels.string(), "4294967295 labels"});
    }
}

BOOST_AUTO_TEST_CASE(a_gzip_header_claiming_more_than_its_stream_holds_is_rejected)
{
    // Within deflate's 1032:1 limit, so only reading finds the lie: 1000 images claimed,
    // 2 present, and no more than one chunk is ever reserved.
    const temp_dir dir;
    const fs::path path = dir.path() / "images.gz";
    write_bytes(path, images_file(1000, 28, 28, 2 * 784), format::gz);
    expect_data_error([&] { data::read_idx_images(path); },
                      {path.string(), "truncated", "784000", "decompressed file holds only 1568"});
}

BOOST_AUTO_TEST_CASE(corrupt_gzip_streams_are_rejected)
{
    const temp_dir dir;
    const fs::path good = dir.path() / "good.gz";
    write_bytes(good, images_file(20, 28, 28, 20 * 784), format::gz);
    const std::vector<std::uint8_t> compressed = read_bytes(good);

    const fs::path cut = dir.path() / "cut.gz";
    write_bytes(cut, {compressed.begin(), compressed.begin() + compressed.size() / 2}, format::raw);
    expect_data_error([&] { data::read_idx_images(cut); },
                      {cut.string(), "truncated", "zlib: unexpected end of file"});

    // Repeated labels compress into Huffman codes, which damage turns into invalid codes.
    const fs::path labels = dir.path() / "labels.gz";
    write_bytes(labels, labels_file(5000, std::vector<std::uint8_t>(5000, 3)), format::gz);
    std::vector<std::uint8_t> damaged = read_bytes(labels);
    for (std::size_t i = 12; i < 20 && i < damaged.size(); ++i)
    {
        damaged[i] ^= 0x5a;
    }
    const fs::path flipped = dir.path() / "flipped.gz";
    write_bytes(flipped, damaged, format::raw);
    expect_data_error([&] { data::read_idx_labels(flipped); }, {flipped.string(), "zlib: "});

    // The last 8 bytes hold the CRC and length; a wrong CRC must not pass unnoticed.
    std::vector<std::uint8_t> bad_crc = compressed;
    bad_crc[bad_crc.size() - 8] ^= 0xff;
    const fs::path crc = dir.path() / "crc.gz";
    write_bytes(crc, bad_crc, format::raw);
    expect_data_error([&] { data::read_idx_images(crc); },
                      {crc.string(), "zlib: incorrect data check"});
}

BOOST_AUTO_TEST_CASE(labels_outside_the_classes_are_rejected_when_asked)
{
    for (const format f : both_formats)
    {
        const temp_dir dir;
        const fs::path path = dir.path() / ("labels" + suffix(f));
        write_bytes(path, labels_file(4, {0, 9, 10, 3}), f);

        BOOST_TEST(data::read_idx_labels(path).size() == 4u);
        expect_data_error([&] { data::read_idx_labels(path, 10); },
                          {path.string(), "label 2 (byte 10)", "expected 0..9", "found 10"});
    }
}

BOOST_AUTO_TEST_CASE(images_and_labels_that_disagree_on_the_count_are_rejected)
{
    for (const format f : both_formats)
    {
        const temp_dir dir;
        const fs::path images = dir.path() / ("train-images-idx3-ubyte" + suffix(f));
        const fs::path labels = dir.path() / ("train-labels-idx1-ubyte" + suffix(f));
        write_bytes(images, images_file(3, 28, 28, 3 * 784), f);
        write_bytes(labels, labels_file(2, {1, 2}), f);
        expect_data_error([&] { data::load_mnist(dir.path(), data::split::train); },
                          {images.string(), labels.string(), "3 images", "2 labels"});
    }
}

BOOST_AUTO_TEST_CASE(a_missing_file_names_both_candidates_and_the_fetch_script)
{
    const temp_dir dir;
    expect_data_error([&] { data::load_mnist(dir.path(), data::split::test); },
                      {dir.path().string(), "t10k-images-idx3-ubyte or t10k-images-idx3-ubyte.gz",
                       "get_mnist.sh"});
    expect_data_error([&] { data::read_idx_images(dir.path() / "nothing"); },
                      {"missing or not a regular file"});
}

BOOST_AUTO_TEST_SUITE_END()
