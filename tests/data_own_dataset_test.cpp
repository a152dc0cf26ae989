#define BOOST_TEST_MODULE data_own_dataset
#include <boost/test/unit_test.hpp>

#include "ssgan/data/own_dataset.hpp"

#include <hdf5.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace ssgan;

namespace
{
    fs::path scratch(const std::string& name)
    {
        const fs::path dir = fs::current_path() / ("own-" + name);
        fs::remove_all(dir);
        fs::create_directories(dir);
        return dir;
    }

    std::string numbered(std::string prefix, int i, const std::string& extension)
    {
        return prefix.append(std::to_string(i)).append(extension);
    }

    // A flat RGB PNG of one value, so that an image can be recognised after loading.
    void write_flat_png(const fs::path& file, std::uint8_t value, int side = 8)
    {
        fs::create_directories(file.parent_path());
        const std::vector<std::uint8_t> pixels(std::size_t(side * side * 3), value);
        BOOST_REQUIRE(
            stbi_write_png(file.string().c_str(), side, side, 3, pixels.data(), side * 3) != 0);
    }

    data::own_dataset_options fit_8x8_rgb(bool no_resize = true)
    {
        data::own_dataset_options options;
        options.fit = {3, 8, 8, no_resize};
        return options;
    }

    template <class Call>
    std::string error_of(Call call)
    {
        try
        {
            call();
        }
        catch (const data_error& failure)
        {
            return failure.what();
        }
        BOOST_ERROR("no data_error");
        return {};
    }

    bool has(const std::string& message, const std::string& part)
    {
        BOOST_TEST_INFO("message: " << message);
        return message.find(part) != std::string::npos;
    }

    // --- HDF5, written as h5py writes SSGAN-Tensorflow's datasets ---

    struct h5_file
    {
        hid_t id;
        explicit h5_file(const fs::path& file)
            : id(H5Fcreate(file.string().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT))
        {
            BOOST_REQUIRE(id >= 0);
        }
        ~h5_file() { H5Fclose(id); }
    };

    void write_dataset(hid_t group, const char* name, hid_t type, const std::vector<hsize_t>& dims,
                       const void* data)
    {
        const hid_t space = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
        const hid_t dataset =
            H5Dcreate2(group, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        BOOST_REQUIRE(dataset >= 0);
        BOOST_REQUIRE(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
        H5Dclose(dataset);
        H5Sclose(space);
    }

    // h5py's type for numpy bool: an enum over int8 with FALSE = 0 and TRUE = 1.
    hid_t h5py_bool()
    {
        const hid_t type = H5Tenum_create(H5T_NATIVE_INT8);
        const std::int8_t no = 0, yes = 1;
        H5Tenum_insert(type, "FALSE", &no);
        H5Tenum_insert(type, "TRUE", &yes);
        return type;
    }

    // Example `id` with an h × w × 3 image of one value and a one-hot bool label.
    void write_example(hid_t file, const std::string& id, std::uint8_t value, int label,
                       int classes, hsize_t side = 8)
    {
        const hid_t group = H5Gcreate2(file, id.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        const std::vector<std::uint8_t> image(side * side * 3, value);
        write_dataset(group, "image", H5T_NATIVE_UINT8, {side, side, 3}, image.data());
        std::vector<std::int8_t> one_hot(std::size_t(classes), 0);
        one_hot[std::size_t(label)] = 1;
        const hid_t type = h5py_bool();
        write_dataset(group, "label", type, {hsize_t(classes)}, one_hot.data());
        H5Tclose(type);
        H5Gclose(group);
    }

    void write_ids(const fs::path& dir, const std::vector<std::string>& ids)
    {
        std::ofstream out(dir / "id.txt");
        for (const auto& id : ids)
            out << id << "\n";
    }
}

BOOST_AUTO_TEST_SUITE(data_own_dataset)

// numpy 1.x prints these for np.random.seed(s); np.random.permutation(10), which shuffles
// with the same legacy algorithm as RandomState(123).shuffle(ids) in SSGAN-Tensorflow.
BOOST_AUTO_TEST_CASE(shuffle_reproduces_numpy_legacy_random_state)
{
    std::vector<int> items(10);
    std::iota(items.begin(), items.end(), 0);
    auto zero = items;
    data::numpy_legacy_shuffle(zero, 0);
    BOOST_TEST(zero == std::vector<int>({2, 8, 4, 9, 1, 6, 7, 3, 0, 5}),
               boost::test_tools::per_element());
    auto forty_two = items;
    data::numpy_legacy_shuffle(forty_two, 42);
    BOOST_TEST(forty_two == std::vector<int>({8, 1, 5, 0, 7, 2, 9, 4, 3, 6}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(image_folder_classes_are_sorted_subfolders_and_unlabeled_joins_train_only)
{
    const fs::path dir = scratch("folder");
    // Class "b" sorts after "a"; values 10.. are class a, 100.. class b, 200.. unlabeled.
    for (int i = 0; i < 5; ++i)
        write_flat_png(dir / "b" / numbered("img", i, ".png"), std::uint8_t(100 + i));
    for (int i = 0; i < 5; ++i)
        write_flat_png(dir / "a" / numbered("img", i, ".PNG"), std::uint8_t(10 + i));
    for (int i = 0; i < 3; ++i)
        write_flat_png(dir / "unlabeled" / numbered("u", i, ".png"), std::uint8_t(200 + i));
    std::ofstream(dir / "a" / "notes.txt") << "not an image";

    BOOST_TEST((data::detect_own_layout(dir) == data::own_layout::image_folder));
    const data::own_dataset own = data::load_own_dataset(dir, fit_8x8_rgb());
    BOOST_TEST(own.class_names == std::vector<std::string>({"a", "b"}),
               boost::test_tools::per_element());
    BOOST_TEST(own.skipped == 1u);
    BOOST_TEST(own.unlabeled_count == 3u);
    // 10 labeled: int(0.8 · 10) = 8 for training, then the 3 unlabeled.
    BOOST_REQUIRE_EQUAL(own.train.count, 11u);
    BOOST_REQUIRE_EQUAL(own.test.count, 2u);
    BOOST_TEST(own.train.num_classes == 2u);

    // The labeled images in sorted order are a0..a4, b0..b4; numpy's RandomState(123)
    // permutes positions 0..9 and the first eight go to training.
    std::vector<std::size_t> order(10);
    std::iota(order.begin(), order.end(), 0);
    data::numpy_legacy_shuffle(order, 123);
    auto value_at = [](std::size_t position)
    { return position < 5 ? 10 + int(position) : 100 + int(position) - 5; };
    for (std::size_t i = 0; i < 8; ++i)
    {
        BOOST_TEST(own.train.sample(i)[0] == value_at(order[i]));
        BOOST_TEST(own.train.labels[i] == (order[i] < 5 ? 0 : 1));
    }
    for (std::size_t i = 0; i < 2; ++i)
        BOOST_TEST(own.test.sample(i)[191] == value_at(order[8 + i]));
    for (std::size_t i = 0; i < 3; ++i)
    {
        BOOST_TEST(own.train.labels[8 + i] == data::unlabeled);
        BOOST_TEST(own.train.sample(8 + i)[100] == 200 + int(i));
    }
}

BOOST_AUTO_TEST_CASE(image_folder_resizes_or_rejects_images_of_another_size)
{
    const fs::path dir = scratch("sizes");
    for (int i = 0; i < 4; ++i)
        write_flat_png(dir / "x" / (std::to_string(i) + ".png"), 50, 8);
    write_flat_png(dir / "y" / "big.png", 150, 16);
    for (int i = 0; i < 3; ++i)
        write_flat_png(dir / "y" / (std::to_string(i) + ".png"), 150, 8);

    const auto resized = data::load_own_dataset(dir, fit_8x8_rgb(false));
    BOOST_TEST(resized.resized == 1u);
    BOOST_TEST(resized.train.count + resized.test.count == 8u);

    const std::string message = error_of([&] { data::load_own_dataset(dir, fit_8x8_rgb(true)); });
    BOOST_TEST(has(message, (dir / "y" / "big.png").string()));
    BOOST_TEST(has(message, "expected 8x8"));
    BOOST_TEST(has(message, "found 16x16"));
}

BOOST_AUTO_TEST_CASE(image_folder_errors_name_the_folder_or_file)
{
    const fs::path empty = scratch("empty");
    BOOST_TEST(has(error_of([&] { data::load_own_dataset(empty, fit_8x8_rgb()); }),
                   "found no class folder"));

    const fs::path no_images = scratch("no-images");
    fs::create_directories(no_images / "cats");
    write_flat_png(no_images / "dogs" / "a.png", 1);
    BOOST_TEST(has(error_of([&] { data::load_own_dataset(no_images, fit_8x8_rgb()); }),
                   (no_images / "cats").string() + ": expected the PNG or JPEG images"));

    const fs::path corrupt = scratch("corrupt");
    for (int i = 0; i < 4; ++i)
        write_flat_png(corrupt / "a" / (std::to_string(i) + ".png"), 1);
    std::ofstream(corrupt / "a" / "4.png") << "garbage";
    BOOST_TEST(has(error_of([&] { data::load_own_dataset(corrupt, fit_8x8_rgb()); }),
                   (corrupt / "a" / "4.png").string()));

    BOOST_TEST(has(error_of([&] { data::load_own_dataset(corrupt / "absent", fit_8x8_rgb()); }),
                   "no such folder"));
}

BOOST_AUTO_TEST_CASE(hdf5_layout_loads_h5py_bool_labels_with_the_ssgan_tensorflow_split)
{
    const fs::path dir = scratch("hdf5");
    std::vector<std::string> ids;
    {
        h5_file file(dir / "data.hdf5");
        for (int i = 0; i < 10; ++i)
        {
            ids.push_back(std::to_string(i));
            write_example(file.id, ids.back(), std::uint8_t(30 + i), i % 3, 3);
        }
    }
    write_ids(dir, ids);

    BOOST_TEST((data::detect_own_layout(dir) == data::own_layout::hdf5));
    BOOST_TEST(data::first_own_image(dir).height == 8u);
    const data::own_dataset own = data::load_own_dataset(dir, fit_8x8_rgb());
    BOOST_TEST(own.class_names.size() == 3u);
    BOOST_REQUIRE_EQUAL(own.train.count, 8u);
    BOOST_REQUIRE_EQUAL(own.test.count, 2u);

    std::vector<std::size_t> order(10);
    std::iota(order.begin(), order.end(), 0);
    data::numpy_legacy_shuffle(order, 123);
    for (std::size_t i = 0; i < 10; ++i)
    {
        const auto& set = i < 8 ? own.train : own.test;
        const std::size_t at = i < 8 ? i : i - 8;
        BOOST_TEST(set.sample(at)[0] == 30 + order[i]);
        BOOST_TEST(set.sample(at)[191] == 30 + order[i]);
        BOOST_TEST(set.labels[at] == int(order[i] % 3));
    }
}

BOOST_AUTO_TEST_CASE(hdf5_layout_reads_float_labels_and_grey_images_of_rank_2)
{
    const fs::path dir = scratch("hdf5-float");
    {
        h5_file file(dir / "data.hdf5");
        for (int i = 0; i < 5; ++i)
        {
            const hid_t group = H5Gcreate2(file.id, ("ex" + std::to_string(i)).c_str(), H5P_DEFAULT,
                                           H5P_DEFAULT, H5P_DEFAULT);
            const std::vector<std::uint8_t> image(4 * 4, std::uint8_t(i * 50));
            write_dataset(group, "image", H5T_NATIVE_UINT8, {4, 4}, image.data());
            std::vector<double> one_hot(2, 0.0);
            one_hot[std::size_t(i % 2)] = 1.0;
            write_dataset(group, "label", H5T_NATIVE_DOUBLE, {2}, one_hot.data());
            H5Gclose(group);
        }
    }
    write_ids(dir, {"ex0", "ex1", "ex2", "ex3", "ex4"});
    data::own_dataset_options options;
    options.fit = {1, 4, 4, true};
    const auto own = data::load_own_dataset(dir, options);
    BOOST_REQUIRE_EQUAL(own.train.count + own.test.count, 5u);
    for (std::size_t i = 0; i < own.train.count; ++i)
        BOOST_TEST(own.train.labels[i] == (own.train.sample(i)[0] / 50) % 2);
}

BOOST_AUTO_TEST_CASE(hdf5_layout_rejects_missing_ids_labels_not_one_hot_and_wrong_images)
{
    const fs::path dir = scratch("hdf5-bad");
    {
        h5_file file(dir / "data.hdf5");
        write_example(file.id, "good", 1, 0, 2);
        const hid_t group = H5Gcreate2(file.id, "two-ones", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        const std::vector<std::uint8_t> image(8 * 8 * 3, 0);
        write_dataset(group, "image", H5T_NATIVE_UINT8, {8, 8, 3}, image.data());
        const std::vector<float> label = {1.0f, 1.0f};
        write_dataset(group, "label", H5T_NATIVE_FLOAT, {2}, label.data());
        H5Gclose(group);

        const hid_t floats =
            H5Gcreate2(file.id, "float-image", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        const std::vector<double> pixels(8 * 8 * 3, 0.5);
        write_dataset(floats, "image", H5T_NATIVE_DOUBLE, {8, 8, 3}, pixels.data());
        const std::vector<std::int8_t> one_hot = {0, 1};
        write_dataset(floats, "label", H5T_NATIVE_INT8, {2}, one_hot.data());
        H5Gclose(floats);
    }
    const data::hdf5_layout_file file(dir / "data.hdf5");
    const std::string where = (dir / "data.hdf5").string();

    std::string message = error_of([&] { file.read("missing", 2); });
    BOOST_TEST(has(message, where + ": example \"missing\" (listed in id.txt)"));
    BOOST_TEST(has(message, "found none"));

    message = error_of([&] { file.read("two-ones", 2); });
    BOOST_TEST(has(message, "example \"two-ones\", dataset label"));
    BOOST_TEST(has(message, "found 1 1"));

    message = error_of([&] { file.read("good", 3); });
    BOOST_TEST(has(message, "expected a one-hot vector of 3 values, found enum (bool) of [2]"));

    message = error_of([&] { file.read("float-image", 2); });
    BOOST_TEST(has(message, "dataset image: expected uint8"));
    BOOST_TEST(has(message, "found float64 of [8, 8, 3]"));

    // A whole load stops at the first listed id that is missing.
    write_ids(dir, {"good", "good", "good", "gone", "good"});
    message = error_of([&] { data::load_own_dataset(dir, fit_8x8_rgb()); });
    BOOST_TEST(has(message, "example \"gone\""));

    fs::remove(dir / "id.txt");
    BOOST_TEST(has(error_of([&] { data::detect_own_layout(dir); }), "no id.txt"));

    const fs::path not_hdf5 = scratch("not-hdf5");
    std::ofstream(not_hdf5 / "data.hdf5") << "plain text";
    write_ids(not_hdf5, {"0"});
    BOOST_TEST(has(error_of([&] { data::load_own_dataset(not_hdf5, fit_8x8_rgb()); }),
                   "expected an HDF5 file"));
}

// A chunked dataset that was never written stores nothing and reads as its fill value at any
// size; its claim must not become an allocation.
BOOST_AUTO_TEST_CASE(hdf5_layout_rejects_an_image_claiming_more_than_the_file_stores)
{
    const fs::path dir = scratch("hdf5-claims");
    const fs::path file = dir / "data.hdf5";
    {
        const h5_file out(file);
        const hid_t group = H5Gcreate2(out.id, "huge", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        const std::vector<hsize_t> dims = {30000, 30000, 3}, chunk = {64, 64, 3};
        const hid_t space = H5Screate_simple(3, dims.data(), nullptr);
        const hid_t layout = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(layout, 3, chunk.data());
        const hid_t image =
            H5Dcreate2(group, "image", H5T_NATIVE_UINT8, space, H5P_DEFAULT, layout, H5P_DEFAULT);
        BOOST_REQUIRE(image >= 0);
        H5Dclose(image);
        H5Pclose(layout);
        H5Sclose(space);
        const std::vector<std::int8_t> one_hot = {0, 1, 0};
        write_dataset(group, "label", H5T_NATIVE_INT8, {3}, one_hot.data());
        H5Gclose(group);
    }

    const std::string message = error_of([&] { data::hdf5_layout_file(file).read("huge", 3); });
    BOOST_TEST(has(message, file.string()), message);
    BOOST_TEST(has(message, "[30000, 30000, 3]"), message);
    BOOST_TEST(has(message, "bytes stored"), message);
}

BOOST_AUTO_TEST_SUITE_END()
