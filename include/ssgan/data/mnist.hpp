// MNIST, and Fashion-MNIST which uses the same file names and format: one split of the IDX
// files in a directory (raw or .gz) loaded as a dataset of 1 x rows x cols images (28 x 28 for
// both) with labels 0..9. scripts/get_mnist.sh puts the files in place.
#pragma once

#include "ssgan/core/error.hpp"
#include "ssgan/data/dataset.hpp"
#include "ssgan/data/idx.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace ssgan::data
{
    inline constexpr std::size_t mnist_classes = 10;

    struct mnist_files
    {
        std::filesystem::path images;
        std::filesystem::path labels;
    };

    namespace detail
    {
        // The raw file wins over the .gz when both are there: it is what get_mnist.sh verified.
        inline std::filesystem::path find_idx_file(const std::filesystem::path& dir,
                                                   const std::string& base)
        {
            std::error_code ec;
            const std::filesystem::path raw = dir / base;
            if (std::filesystem::is_regular_file(raw, ec))
            {
                return raw;
            }
            const std::filesystem::path gz = dir / (base + ".gz");
            if (std::filesystem::is_regular_file(gz, ec))
            {
                return gz;
            }
            throw data_error(dir.string() + ": expected " + base + " or " + base +
                             ".gz, found neither (scripts/get_mnist.sh " + dir.string() +
                             " fetches them)");
        }
    }

    // The images and labels file of one split in `dir`; throws data_error when one is missing.
    inline mnist_files find_mnist_files(const std::filesystem::path& dir, split which)
    {
        const std::string prefix = which == split::train ? "train" : "t10k";
        return {detail::find_idx_file(dir, prefix + "-images-idx3-ubyte"),
                detail::find_idx_file(dir, prefix + "-labels-idx1-ubyte")};
    }

    // Loads the training (60000) or test (10000) split from `dir`. Throws data_error for a
    // missing or malformed file, and when the two files disagree on the number of samples.
    inline dataset load_mnist(const std::filesystem::path& dir, split which)
    {
        const mnist_files files = find_mnist_files(dir, which);
        idx_images images = read_idx_images(files.images);
        const std::vector<std::uint8_t> labels = read_idx_labels(files.labels, mnist_classes);

        if (images.count != labels.size())
        {
            throw data_error(files.images.string() + " holds " + std::to_string(images.count) +
                             " images but " + files.labels.string() + " holds " +
                             std::to_string(labels.size()) + " labels; expected the same count");
        }

        dataset data;
        data.count = images.count;
        data.channels = 1;
        data.height = images.rows;
        data.width = images.cols;
        data.num_classes = mnist_classes;
        data.pixels = std::move(images.pixels);
        data.labels.assign(labels.begin(), labels.end());
        check_dataset(data, files.images.string());
        return data;
    }
}
