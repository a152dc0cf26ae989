#define BOOST_TEST_MODULE data_svhn
#include <boost/test/unit_test.hpp>

#include "ssgan/data/svhn.hpp"

#include <matio.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace ssgan;

namespace
{
    fs::path scratch(const std::string& name)
    {
        const fs::path dir = fs::current_path() / ("svhn-" + name);
        fs::remove_all(dir);
        fs::create_directories(dir);
        return dir;
    }

    // The value every test image holds at X(row, col, channel, n): distinct enough that a
    // transposed or shifted copy cannot match.
    std::uint8_t pattern(std::size_t row, std::size_t col, std::size_t channel, std::size_t n)
    {
        return static_cast<std::uint8_t>(row * 7 + col * 3 + channel * 64 + n * 101);
    }

    // One variable of a .mat file: name, class, dimensions and raw column-major data.
    struct mat_input
    {
        std::string name;
        matio_classes type;
        matio_types data_type;
        std::vector<std::size_t> dims;
        std::vector<std::uint8_t> bytes;
    };

    mat_input x_variable(std::size_t count, std::vector<std::size_t> dims = {})
    {
        mat_input x{"X", MAT_C_UINT8, MAT_T_UINT8, dims, {}};
        if (x.dims.empty())
            x.dims = {32, 32, 3, count};
        std::size_t total = 1;
        for (const std::size_t d : x.dims)
            total *= d;
        x.bytes.resize(total);
        if (x.dims.size() == 4 && x.dims[0] == 32 && x.dims[1] == 32 && x.dims[2] == 3)
            for (std::size_t n = 0; n < x.dims[3]; ++n)
                for (std::size_t c = 0; c < 3; ++c)
                    for (std::size_t col = 0; col < 32; ++col)
                        for (std::size_t row = 0; row < 32; ++row)
                            x.bytes[row + 32 * col + 1024 * c + 3072 * n] = pattern(row, col, c, n);
        return x;
    }

    // y as MATLAB saves SVHN's: a double column.
    mat_input y_variable(const std::vector<double>& labels)
    {
        mat_input y{"y", MAT_C_DOUBLE, MAT_T_DOUBLE, {labels.size(), 1}, {}};
        y.bytes.resize(labels.size() * sizeof(double));
        if (!labels.empty()) // memcpy must not see the null data() of an empty vector
            std::memcpy(y.bytes.data(), labels.data(), y.bytes.size());
        return y;
    }

    void write_mat(const fs::path& file, mat_ft version, matio_compression compression,
                   const std::vector<mat_input>& variables)
    {
        mat_t* mat = Mat_CreateVer(file.string().c_str(), nullptr, version);
        BOOST_REQUIRE_MESSAGE(mat != nullptr, "matio cannot create " << file);
        for (const mat_input& input : variables)
        {
            std::vector<std::size_t> dims = input.dims;
            std::vector<std::uint8_t> bytes = input.bytes;
            matvar_t* variable =
                Mat_VarCreate(input.name.c_str(), input.type, input.data_type,
                              static_cast<int>(dims.size()), dims.data(), bytes.data(), 0);
            BOOST_REQUIRE(variable != nullptr);
            BOOST_REQUIRE_EQUAL(Mat_VarWrite(mat, variable, compression), 0);
            Mat_VarFree(variable);
        }
        Mat_Close(mat);
    }

    void check_content(const data::dataset& data, std::size_t count,
                       const std::vector<int>& expected_labels)
    {
        BOOST_REQUIRE_EQUAL(data.count, count);
        BOOST_TEST(data.channels == 3u);
        BOOST_TEST(data.height == 32u);
        BOOST_TEST(data.width == 32u);
        BOOST_TEST(data.num_classes == 10u);
        BOOST_TEST(data.labels == expected_labels, boost::test_tools::per_element());
        std::size_t wrong = 0;
        for (std::size_t n = 0; n < count; ++n)
            for (std::size_t c = 0; c < 3; ++c)
                for (std::size_t row = 0; row < 32; ++row)
                    for (std::size_t col = 0; col < 32; ++col)
                        wrong +=
                            data.sample(n)[c * 1024 + row * 32 + col] != pattern(row, col, c, n);
        BOOST_TEST(wrong == 0u);
    }

    template <class Check>
    void expect_error(const fs::path& file, Check check)
    {
        try
        {
            data::load_svhn_file(file);
            BOOST_ERROR("no error for " << file);
        }
        catch (const data_error& failure)
        {
            const std::string message = failure.what();
            BOOST_TEST_INFO("message: " << message);
            BOOST_TEST(message.find(file.string()) != std::string::npos);
            check(message);
        }
    }

    bool has(const std::string& message, const std::string& part)
    {
        return message.find(part) != std::string::npos;
    }
}

BOOST_AUTO_TEST_SUITE(data_svhn)

// Labels 1..9 stay, 10 (MATLAB's digit 0) becomes 0.
const std::vector<double> file_labels = {10, 1, 2, 9, 5};
const std::vector<int> mapped_labels = {0, 1, 2, 9, 5};

BOOST_AUTO_TEST_CASE(mat_v5_uncompressed_loads_pixels_in_place_and_maps_label_10_to_0)
{
    const fs::path file = scratch("v5") / "train_32x32.mat";
    write_mat(file, MAT_FT_MAT5, MAT_COMPRESSION_NONE, {x_variable(5), y_variable(file_labels)});
    check_content(data::load_svhn_file(file), 5, mapped_labels);
}

BOOST_AUTO_TEST_CASE(mat_v5_compressed_loads_the_same_content)
{
    const fs::path file = scratch("v5z") / "train_32x32.mat";
    write_mat(file, MAT_FT_MAT5, MAT_COMPRESSION_ZLIB, {x_variable(5), y_variable(file_labels)});
    check_content(data::load_svhn_file(file), 5, mapped_labels);
}

BOOST_AUTO_TEST_CASE(mat_v73_hdf5_loads_the_same_content)
{
    const fs::path file = scratch("v73") / "train_32x32.mat";
    write_mat(file, MAT_FT_MAT73, MAT_COMPRESSION_NONE, {x_variable(5), y_variable(file_labels)});
    std::ifstream in(file, std::ios::binary);
    std::string header(512 + 8, '\0');
    in.read(header.data(), static_cast<std::streamsize>(header.size()));
    BOOST_TEST_REQUIRE(header.substr(512, 4) == "\x89HDF", "matio wrote no HDF5 file");
    check_content(data::load_svhn_file(file), 5, mapped_labels);
}

BOOST_AUTO_TEST_CASE(one_image_without_its_trailing_singleton_dimension_loads)
{
    const fs::path file = scratch("single") / "test_32x32.mat";
    auto x = x_variable(1);
    x.dims = {32, 32, 3};
    write_mat(file, MAT_FT_MAT5, MAT_COMPRESSION_NONE, {x, y_variable({3})});
    check_content(data::load_svhn_file(file), 1, {3});
}

BOOST_AUTO_TEST_CASE(folder_gives_train_with_optional_extra_and_test)
{
    const fs::path dir = scratch("folder");
    write_mat(dir / "train_32x32.mat", MAT_FT_MAT5, MAT_COMPRESSION_ZLIB,
              {x_variable(3), y_variable({1, 2, 3})});
    write_mat(dir / "test_32x32.mat", MAT_FT_MAT5, MAT_COMPRESSION_ZLIB,
              {x_variable(2), y_variable({4, 10})});
    write_mat(dir / "extra_32x32.mat", MAT_FT_MAT73, MAT_COMPRESSION_NONE,
              {x_variable(4), y_variable({5, 6, 7, 8})});

    check_content(data::load_svhn(dir, data::split::test), 2, {4, 0});
    check_content(data::load_svhn(dir, data::split::train), 3, {1, 2, 3});
    const auto with_extra = data::load_svhn(dir, data::split::train, true);
    BOOST_TEST(with_extra.count == 7u);
    BOOST_TEST(with_extra.labels == std::vector<int>({1, 2, 3, 5, 6, 7, 8}),
               boost::test_tools::per_element());
    BOOST_TEST(with_extra.sample(3)[0] == pattern(0, 0, 0, 0));
}

BOOST_AUTO_TEST_CASE(x_of_another_class_is_rejected_naming_both_classes)
{
    const fs::path file = scratch("xclass") / "train_32x32.mat";
    std::vector<double> values(32 * 32 * 3 * 2, 1.0);
    mat_input x{"X", MAT_C_DOUBLE, MAT_T_DOUBLE, {32, 32, 3, 2}, {}};
    x.bytes.resize(values.size() * sizeof(double));
    std::memcpy(x.bytes.data(), values.data(), x.bytes.size());
    write_mat(file, MAT_FT_MAT5, MAT_COMPRESSION_NONE, {x, y_variable({1, 2})});
    expect_error(file,
                 [](const std::string& message)
                 {
                     BOOST_TEST(has(message, "variable X"));
                     BOOST_TEST(has(message, "expected uint8 of 32x32x3xN"));
                     BOOST_TEST(has(message, "found double of 32x32x3x2"));
                 });
}

BOOST_AUTO_TEST_CASE(x_of_wrong_dimensions_is_rejected_naming_them)
{
    const fs::path file = scratch("xdims") / "train_32x32.mat";
    write_mat(file, MAT_FT_MAT5, MAT_COMPRESSION_NONE,
              {x_variable(0, {28, 28, 1, 2}), y_variable({1, 2})});
    expect_error(file, [](const std::string& message)
                 { BOOST_TEST(has(message, "found uint8 of 28x28x1x2")); });
}

BOOST_AUTO_TEST_CASE(label_count_differing_from_the_image_count_is_rejected)
{
    const fs::path file = scratch("count") / "train_32x32.mat";
    write_mat(file, MAT_FT_MAT5, MAT_COMPRESSION_NONE, {x_variable(3), y_variable({1, 2})});
    expect_error(file,
                 [](const std::string& message)
                 {
                     BOOST_TEST(has(message, "variable y"));
                     BOOST_TEST(has(message, "expected 3 labels"));
                     BOOST_TEST(has(message, "found 2"));
                 });
}

BOOST_AUTO_TEST_CASE(labels_outside_1_to_10_are_rejected_naming_the_element)
{
    for (const double bad : {0.0, 11.0, 2.5})
    {
        const fs::path file = scratch("range") / "train_32x32.mat";
        write_mat(file, MAT_FT_MAT5, MAT_COMPRESSION_NONE,
                  {x_variable(3), y_variable({1, bad, 3})});
        expect_error(file,
                     [](const std::string& message)
                     {
                         BOOST_TEST(has(message, "variable y, element 2"));
                         BOOST_TEST(has(message, "expected a label 1..10"));
                     });
    }
}

BOOST_AUTO_TEST_CASE(missing_variable_and_empty_x_are_rejected)
{
    const fs::path dir = scratch("missing");
    write_mat(dir / "no_y.mat", MAT_FT_MAT5, MAT_COMPRESSION_NONE, {x_variable(2)});
    expect_error(dir / "no_y.mat", [](const std::string& message)
                 { BOOST_TEST(has(message, "variable y: expected a numeric 2x1 label vector")); });

    write_mat(dir / "empty.mat", MAT_FT_MAT5, MAT_COMPRESSION_NONE,
              {x_variable(0), y_variable({})});
    expect_error(dir / "empty.mat", [](const std::string& message)
                 { BOOST_TEST(has(message, "expected at least one image")); });
}

BOOST_AUTO_TEST_CASE(a_file_that_is_no_mat_file_is_rejected)
{
    const fs::path file = scratch("garbage") / "train_32x32.mat";
    std::ofstream(file) << "<html>404 Not Found</html>";
    expect_error(file,
                 [](const std::string& message) { BOOST_TEST(has(message, "matio cannot open")); });
    BOOST_CHECK_THROW(data::load_svhn_file(file.parent_path() / "absent.mat"), data_error);
    BOOST_CHECK_THROW(data::load_svhn(file.parent_path() / "absent", data::split::train),
                      data_error);
}

BOOST_AUTO_TEST_SUITE_END()
