#define BOOST_TEST_MODULE data_cifar10
#include <boost/test/unit_test.hpp>

#include "ssgan/data/cifar10.hpp"

#include <array>
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
    // $SSGAN_SHARED_DATA/cifar10 as ctest sets it, else the shared folder next to the repository.
    fs::path cifar_root()
    {
        if (const char* root = std::getenv("SSGAN_SHARED_DATA"))
            return fs::path(root) / "cifar10";
        const fs::path repo = fs::absolute(fs::path(__FILE__)).parent_path().parent_path();
        return repo.parent_path() / "shared" / "data" / "cifar10";
    }

    fs::path exact_train()
    {
        return cifar_root() / "exact" / "data_batch_1_first4000.bin";
    }
    fs::path exact_test()
    {
        return cifar_root() / "exact" / "test_batch_first1000.bin";
    }

    std::vector<int> read_label_list(const fs::path& file)
    {
        std::ifstream in(file);
        BOOST_REQUIRE_MESSAGE(in, "cannot open " << file);
        std::vector<int> labels;
        for (int label; in >> label;)
            labels.push_back(label);
        return labels;
    }

    // Pixel (row, col) of channel c (0 red, 1 green, 2 blue) of image i.
    int pixel(const data::dataset& data, std::size_t i, std::size_t c, std::size_t row,
              std::size_t col)
    {
        return data.sample(i)[c * 1024 + row * 32 + col];
    }

    // A folder in the test's working directory (ctest gives each test a fresh one), emptied
    // first so that a rerun by hand starts clean.
    fs::path scratch(const std::string& name)
    {
        const fs::path dir = fs::current_path() / ("cifar10-" + name);
        fs::remove_all(dir);
        fs::create_directories(dir);
        return dir;
    }

    // `count` records in the real format; record r has label labels[r % size] and every pixel
    // byte of channel c equal to r + c.
    std::vector<std::uint8_t> records(std::size_t count, std::vector<std::uint8_t> labels)
    {
        std::vector<std::uint8_t> bytes;
        for (std::size_t r = 0; r < count; ++r)
        {
            bytes.push_back(labels[r % labels.size()]);
            for (std::size_t c = 0; c < 3; ++c)
                bytes.insert(bytes.end(), 1024, static_cast<std::uint8_t>(r + c));
        }
        return bytes;
    }

    void write_file(const fs::path& file, const std::vector<std::uint8_t>& bytes)
    {
        std::ofstream out(file, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
        BOOST_REQUIRE(out);
    }

    // Runs `load` and checks that it throws data_error whose message holds every fragment.
    template <class Load>
    void expect_data_error(Load load, const std::vector<std::string>& fragments)
    {
        try
        {
            load();
            BOOST_FAIL("expected a data_error");
        }
        catch (const data_error& failure)
        {
            const std::string message = failure.what();
            BOOST_TEST_MESSAGE(message);
            for (const std::string& fragment : fragments)
                BOOST_TEST(message.find(fragment) != std::string::npos,
                           "\"" << fragment << "\" in: " << message);
        }
    }
}

BOOST_AUTO_TEST_SUITE(exact_subset)

BOOST_AUTO_TEST_CASE(holds_4000_training_and_1000_test_images_of_3x32x32)
{
    const auto train = data::load_cifar10_files({exact_train()});
    const auto test = data::load_cifar10_files({exact_test()});
    BOOST_TEST(train.count == 4000u);
    BOOST_TEST(test.count == 1000u);
    for (const auto* set : {&train, &test})
    {
        BOOST_TEST(set->channels == 3u);
        BOOST_TEST(set->height == 32u);
        BOOST_TEST(set->width == 32u);
        BOOST_TEST(set->num_classes == 10u);
        BOOST_TEST(set->labels.size() == set->count);
    }
}

BOOST_AUTO_TEST_CASE(pixels_match_the_published_values)
{
    const auto train = data::load_cifar10_files({exact_train()});
    const auto test = data::load_cifar10_files({exact_test()});

    const std::array<int, 3> train0{59, 62, 63};
    const std::array<int, 3> train1{154, 177, 187};
    const std::array<int, 3> test0{158, 112, 49};
    for (std::size_t c = 0; c < 3; ++c)
    {
        BOOST_TEST(pixel(train, 0, c, 0, 0) == train0[c]);
        BOOST_TEST(pixel(train, 1, c, 0, 0) == train1[c]);
        BOOST_TEST(pixel(test, 0, c, 0, 0) == test0[c]);
    }

    const std::array<int, 8> red_row0{158, 159, 165, 166, 160, 156, 162, 159};
    for (std::size_t col = 0; col < red_row0.size(); ++col)
        BOOST_TEST(pixel(test, 0, 0, 0, col) == red_row0[col]);
}

BOOST_AUTO_TEST_CASE(first_test_labels_are_the_published_ones)
{
    const auto test = data::load_cifar10_files({exact_test()});
    const std::vector<int> expected{3, 8, 8, 0, 6, 6, 1, 6, 3, 1};
    const std::vector<int> first(test.labels.begin(), test.labels.begin() + 10);
    BOOST_TEST(first == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(labels_agree_with_the_label_lists)
{
    const auto train = data::load_cifar10_files({exact_train()});
    const auto test = data::load_cifar10_files({exact_test()});
    const auto train_list = read_label_list(cifar_root() / "labels" / "train_labels.txt");
    const auto test_list = read_label_list(cifar_root() / "labels" / "test_labels.txt");
    BOOST_REQUIRE(train_list.size() == 50000u);
    BOOST_REQUIRE(test_list.size() == 10000u);
    BOOST_TEST(train.labels == std::vector<int>(train_list.begin(), train_list.begin() + 4000),
               boost::test_tools::per_element());
    BOOST_TEST(test.labels == std::vector<int>(test_list.begin(), test_list.begin() + 1000),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(folder_form_takes_the_partial_copies_and_says_so)
{
    const fs::path dir = cifar_root() / "exact";
    const auto found = data::find_cifar10_files(dir, data::split::train);
    BOOST_TEST(found.batches.size() == 1u);
    BOOST_TEST(found.batches.front().filename() == "data_batch_1_first4000.bin");
    BOOST_REQUIRE(found.notes.size() == 2u);
    BOOST_TEST(found.notes[0] == "found 1 of 5 training batches: data_batch_1_first4000.bin");
    BOOST_TEST(found.notes[1].find("data_batch_1_first4000.bin for data_batch_1.bin") !=
               std::string::npos);

    const auto test_files = data::find_cifar10_files(dir, data::split::test);
    BOOST_TEST(test_files.batches.front().filename() == "test_batch_first1000.bin");

    BOOST_TEST(data::load_cifar10(dir, data::split::train).count == 4000u);
    BOOST_TEST(data::load_cifar10(dir, data::split::test).count == 1000u);
}

BOOST_AUTO_TEST_CASE(class_names_come_from_batches_meta)
{
    const auto names = data::cifar10_class_names(cifar_root() / "exact");
    BOOST_TEST(names == data::cifar10_default_class_names(), boost::test_tools::per_element());
    BOOST_TEST(names.front() == "airplane");
    BOOST_TEST(names.back() == "truck");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(jpeg_q75_batches)

BOOST_AUTO_TEST_CASE(hold_10000_records_with_the_official_label_counts)
{
    const fs::path dir = cifar_root() / "jpeg_q75";
    const auto found = data::find_cifar10_files(dir, data::split::train);
    BOOST_REQUIRE(found.notes.size() == 1u);
    BOOST_TEST(found.notes[0] == "found 1 of 5 training batches: data_batch_1.bin");

    const auto train = data::load_cifar10_files(found.batches);
    const auto test = data::load_cifar10(dir, data::split::test);
    BOOST_TEST(train.count == 10000u);
    BOOST_TEST(test.count == 10000u);

    std::vector<int> train_counts(10, 0);
    std::vector<int> test_counts(10, 0);
    for (const int label : train.labels)
        train_counts[std::size_t(label)] += 1;
    for (const int label : test.labels)
        test_counts[std::size_t(label)] += 1;
    const std::vector<int> expected_train{1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981};
    BOOST_TEST(train_counts == expected_train, boost::test_tools::per_element());
    BOOST_TEST(test_counts == std::vector<int>(10, 1000), boost::test_tools::per_element());

    const auto train_list = read_label_list(cifar_root() / "labels" / "train_labels.txt");
    const auto test_list = read_label_list(cifar_root() / "labels" / "test_labels.txt");
    BOOST_TEST(train.labels == std::vector<int>(train_list.begin(), train_list.begin() + 10000),
               boost::test_tools::per_element());
    BOOST_TEST(test.labels == test_list, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(written_files)

BOOST_AUTO_TEST_CASE(batches_present_are_read_in_order_and_reported)
{
    const fs::path dir = scratch("two-batches");
    write_file(dir / "data_batch_3.bin", records(2, {7}));
    write_file(dir / "data_batch_1.bin", records(3, {0, 9}));
    write_file(dir / "test_batch.bin", records(1, {4}));

    const auto found = data::find_cifar10_files(dir, data::split::train);
    BOOST_REQUIRE(found.notes.size() == 1u);
    BOOST_TEST(found.notes[0] == "found 2 of 5 training batches: data_batch_1.bin, "
                                 "data_batch_3.bin");

    const auto train = data::load_cifar10(dir, data::split::train);
    BOOST_TEST(train.count == 5u);
    BOOST_TEST(train.labels == (std::vector<int>{0, 9, 0, 7, 7}), boost::test_tools::per_element());
    // Record 1 of data_batch_3.bin is the fifth image: every green byte is 1 + 1.
    BOOST_TEST(pixel(train, 4, 1, 31, 31) == 2);
    BOOST_TEST(pixel(train, 2, 2, 5, 7) == 4);

    const auto test_files = data::find_cifar10_files(dir, data::split::test);
    BOOST_TEST(test_files.notes.empty());
    BOOST_TEST(data::load_cifar10(dir, data::split::test).labels == std::vector<int>{4});
}

BOOST_AUTO_TEST_CASE(all_five_batches_give_no_note)
{
    const fs::path dir = scratch("five-batches");
    for (const auto stem : data::cifar10_train_batches)
        write_file(dir / (std::string(stem) + ".bin"), records(1, {1}));
    const auto found = data::find_cifar10_files(dir, data::split::train);
    BOOST_TEST(found.batches.size() == 5u);
    BOOST_TEST(found.notes.empty());
}

BOOST_AUTO_TEST_CASE(truncated_file_is_rejected_with_its_size_and_remainder)
{
    const fs::path dir = scratch("truncated");
    auto bytes = records(3, {2});
    bytes.resize(2 * 3073 + 100);
    write_file(dir / "data_batch_1.bin", bytes);
    expect_data_error([&] { data::load_cifar10(dir, data::split::train); },
                      {"data_batch_1.bin", "size 6246 bytes", "multiple of the 3073-byte record",
                       "2 whole records and 100 bytes left over"});
}

BOOST_AUTO_TEST_CASE(label_byte_above_nine_is_rejected_with_record_and_offset)
{
    const fs::path dir = scratch("bad-label");
    write_file(dir / "test_batch.bin", records(3, {5, 10, 5}));
    expect_data_error(
        [&] { data::load_cifar10(dir, data::split::test); },
        {"test_batch.bin", "record 1", "offset 3073", "expected a label 0..9", "found 10"});
}

BOOST_AUTO_TEST_CASE(empty_batch_file_is_rejected)
{
    const fs::path dir = scratch("empty-file");
    write_file(dir / "test_batch.bin", {});
    expect_data_error([&] { data::load_cifar10(dir, data::split::test); },
                      {"test_batch.bin", "size 0 bytes", "at least one"});
}

BOOST_AUTO_TEST_CASE(folder_without_batches_names_the_expected_files)
{
    const fs::path dir = scratch("empty-folder");
    expect_data_error(
        [&] { data::load_cifar10(dir, data::split::train); },
        {dir.string(), "no CIFAR-10 training batch", "data_batch_1.bin", "data_batch_5.bin"});
    expect_data_error([&] { data::load_cifar10(dir, data::split::test); },
                      {dir.string(), "no CIFAR-10 test batch", "test_batch.bin"});
}

BOOST_AUTO_TEST_CASE(missing_folder_names_the_expected_files)
{
    const fs::path dir = fs::current_path() / "cifar10-does-not-exist";
    expect_data_error([&] { data::load_cifar10(dir, data::split::train); },
                      {dir.string(), "no such folder", "data_batch_1.bin", "test_batch.bin"});
}

BOOST_AUTO_TEST_CASE(two_partial_copies_of_one_batch_are_ambiguous)
{
    const fs::path dir = scratch("two-partials");
    write_file(dir / "test_batch_first1.bin", records(1, {1}));
    write_file(dir / "test_batch_first2.bin", records(2, {1}));
    expect_data_error([&] { data::find_cifar10_files(dir, data::split::test); },
                      {"test_batch_first1.bin", "test_batch_first2.bin", "keep one"});
}

BOOST_AUTO_TEST_CASE(class_names_fall_back_to_the_official_list_and_check_the_file)
{
    const fs::path dir = scratch("meta");
    BOOST_TEST(data::cifar10_class_names(dir) == data::cifar10_default_class_names(),
               boost::test_tools::per_element());

    {
        std::ofstream out(dir / "batches.meta.txt");
        out << "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n";
    }
    const auto names = data::cifar10_class_names(dir);
    BOOST_TEST(names.size() == 10u);
    BOOST_TEST(names[9] == "j");

    {
        std::ofstream out(dir / "batches.meta.txt");
        out << "a\nb\n\nd\ne\nf\ng\nh\ni\nj\n";
    }
    expect_data_error([&] { data::cifar10_class_names(dir); },
                      {"batches.meta.txt", "line 3", "class 2", "empty line"});

    {
        std::ofstream out(dir / "batches.meta.txt");
        out << "a\nb\nc\n";
    }
    expect_data_error([&] { data::cifar10_class_names(dir); },
                      {"batches.meta.txt", "expected 10 class names", "found 3 lines"});
}

BOOST_AUTO_TEST_SUITE_END()
