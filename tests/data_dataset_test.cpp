#define BOOST_TEST_MODULE data_dataset
#include <boost/test/unit_test.hpp>

#include "ssgan/data/dataset.hpp"
#include "ssgan/data/pixel_range.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

using namespace ssgan;

namespace
{
    // Three 1 x 2 x 2 samples with pixels chosen to hit the ends and the middle of the range.
    data::dataset tiny_dataset()
    {
        data::dataset d;
        d.count = 3;
        d.channels = 1;
        d.height = 2;
        d.width = 2;
        d.num_classes = 10;
        d.pixels = {0, 255, 51, 102, 1, 2, 3, 4, 128, 127, 254, 0};
        d.labels = {7, 1, 9};
        return d;
    }
}

BOOST_AUTO_TEST_SUITE(pixel_range)

BOOST_AUTO_TEST_CASE(the_ends_of_the_byte_range_map_to_the_ends_of_the_float_range)
{
    BOOST_TEST(data::to_float(0, data::pixel_range::zero_to_one) == 0.0f);
    BOOST_TEST(data::to_float(255, data::pixel_range::zero_to_one) == 1.0f);
    BOOST_TEST(data::to_float(51, data::pixel_range::zero_to_one) == 0.2f);
    BOOST_TEST(data::to_float(0, data::pixel_range::minus_one_to_one) == -1.0f);
    BOOST_TEST(data::to_float(255, data::pixel_range::minus_one_to_one) == 1.0f);
    BOOST_TEST(data::to_float(51, data::pixel_range::minus_one_to_one) == -0.6f);
}

BOOST_AUTO_TEST_CASE(every_byte_survives_the_round_trip_through_float)
{
    for (const auto range : {data::pixel_range::zero_to_one, data::pixel_range::minus_one_to_one})
    {
        for (int p = 0; p < 256; ++p)
        {
            const auto pixel = static_cast<std::uint8_t>(p);
            BOOST_TEST(data::to_pixel(data::to_float(pixel, range), range) == pixel);
        }
    }
}

BOOST_AUTO_TEST_CASE(values_outside_the_range_and_nan_saturate)
{
    const auto range = data::pixel_range::minus_one_to_one;
    BOOST_TEST(data::to_pixel(-3.0f, range) == 0);
    BOOST_TEST(data::to_pixel(7.0f, range) == 255);
    BOOST_TEST(data::to_pixel(std::numeric_limits<float>::quiet_NaN(), range) == 0);
    BOOST_TEST(data::to_pixel(std::numeric_limits<float>::infinity(), range) == 255);
    BOOST_TEST(data::to_pixel(0.5f, data::pixel_range::zero_to_one) == 128);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(batches)

BOOST_AUTO_TEST_CASE(copy_batch_takes_the_samples_in_the_order_asked)
{
    const data::dataset d = tiny_dataset();
    const std::vector<std::size_t> indices{2, 0};
    std::vector<float> out(2 * 4);
    data::copy_batch(d, indices, data::pixel_range::zero_to_one, out);

    const std::vector<float> expected{128 / 255.0f, 127 / 255.0f, 254 / 255.0f, 0.0f,
                                      0.0f,         1.0f,         0.2f,         0.4f};
    BOOST_TEST(out == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(copy_batch_scales_to_minus_one_to_one)
{
    const data::dataset d = tiny_dataset();
    const std::vector<std::size_t> indices{0};
    std::vector<float> out(4);
    data::copy_batch(d, indices, data::pixel_range::minus_one_to_one, out);
    const std::vector<float> expected{-1.0f, 1.0f, -0.6f, -0.2f};
    BOOST_TEST(out == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(copy_labels_follows_the_indices)
{
    const data::dataset d = tiny_dataset();
    const std::vector<std::size_t> indices{1, 2, 1};
    std::vector<int> out(3);
    data::copy_labels(d, indices, out);
    BOOST_TEST(out == (std::vector<int>{1, 9, 1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_indices_and_buffer_sizes_are_refused)
{
    const data::dataset d = tiny_dataset();
    std::vector<float> out(4);
    const std::vector<std::size_t> outside{3};
    BOOST_CHECK_THROW(data::copy_batch(d, outside, data::pixel_range::zero_to_one, out),
                      config_error);

    const std::vector<std::size_t> two{0, 1};
    BOOST_CHECK_THROW(data::copy_batch(d, two, data::pixel_range::zero_to_one, out), config_error);

    std::vector<int> labels(1);
    BOOST_CHECK_THROW(data::copy_labels(d, two, labels), config_error);
}

BOOST_AUTO_TEST_CASE(check_dataset_finds_inconsistent_sizes_and_labels)
{
    data::dataset d = tiny_dataset();
    BOOST_CHECK_NO_THROW(data::check_dataset(d, "tiny"));

    d.labels[1] = 10;
    BOOST_CHECK_THROW(data::check_dataset(d, "tiny"), data_error);

    d = tiny_dataset();
    d.pixels.pop_back();
    BOOST_CHECK_THROW(data::check_dataset(d, "tiny"), data_error);

    d = tiny_dataset();
    d.labels.pop_back();
    BOOST_CHECK_THROW(data::check_dataset(d, "tiny"), data_error);

    // An image of the unlabeled set only is marked, not left out.
    d = tiny_dataset();
    d.labels[1] = data::unlabeled;
    BOOST_CHECK_NO_THROW(data::check_dataset(d, "tiny"));
    d.labels[1] = -2;
    BOOST_CHECK_THROW(data::check_dataset(d, "tiny"), data_error);
}

BOOST_AUTO_TEST_SUITE_END()
