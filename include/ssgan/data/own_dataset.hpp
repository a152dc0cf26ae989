// A user's own dataset in either layout: an image folder (image_folder.hpp) or the HDF5 layout
// of SSGAN-Tensorflow (hdf5_layout.hpp), told apart by what the folder holds, loaded into a
// training and a test set of the network's image shape. The labeled examples are split as
// SSGAN-Tensorflow splits them: shuffled by numpy's RandomState(123), the first 80 % for
// training; the images of `unlabeled/` all go to the training set, labelled `unlabeled`.
#pragma once

#include "ssgan/core/error.hpp"
#include "ssgan/data/dataset.hpp"
#include "ssgan/data/hdf5_layout.hpp"
#include "ssgan/data/image_file.hpp"
#include "ssgan/data/image_folder.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace ssgan::data
{
    enum class own_layout
    {
        image_folder, // <class>/*.png|jpg, optional unlabeled/
        hdf5,         // data.hdf5 and id.txt
    };

    struct own_dataset_options
    {
        image_fit fit;            // the network's image shape, and resize or reject
        double train_ratio = 0.8; // of the labeled examples, as SSGAN-Tensorflow
        std::uint32_t split_seed = 123;
    };

    struct own_dataset
    {
        own_layout layout = own_layout::image_folder;
        dataset train; // labeled training examples, then the unlabeled ones
        dataset test;
        std::vector<std::string> class_names;
        std::size_t unlabeled_count = 0;
        std::size_t resized = 0; // images whose size was changed to fit
        std::size_t skipped = 0; // files in class folders that are not PNG or JPEG
    };

    // numpy's legacy RandomState(seed).shuffle(list), reproduced: Fisher-Yates from the back
    // with MT19937 seeded by init_genrand and numpy's masked rejection for each bound. With it,
    // a dataset prepared for SSGAN-Tensorflow is split into the same training and test ids.
    template <class T>
    void numpy_legacy_shuffle(std::vector<T>& items, std::uint32_t seed)
    {
        std::mt19937 generator(seed);
        for (std::size_t i = items.size() > 0 ? items.size() - 1 : 0; i >= 1; --i)
        {
            std::uint64_t mask = i;
            for (int shift = 1; shift <= 32; shift *= 2)
                mask |= mask >> shift;
            std::uint64_t j = 0;
            do
                j = generator() & mask;
            while (j > i);
            std::swap(items[i], items[static_cast<std::size_t>(j)]);
        }
    }

    // The layout of `dir`: HDF5 when it holds data.hdf5, else an image folder. Throws
    // data_error when the folder is missing, or has data.hdf5 without id.txt.
    inline own_layout detect_own_layout(const std::filesystem::path& dir)
    {
        namespace fs = std::filesystem;
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            throw data_error(dir.string() + ": no such folder; expected a dataset folder: one "
                                            "subfolder per class of PNG or JPEG images, or "
                                            "data.hdf5 with id.txt (SSGAN-Tensorflow's layout)");
        if (fs::exists(dir / hdf5_layout_data_file, ec))
        {
            if (!fs::exists(dir / hdf5_layout_id_file, ec))
                throw data_error(dir.string() + ": holds data.hdf5 but no id.txt; expected both "
                                                "(id.txt lists the example ids, one a line)");
            return own_layout::hdf5;
        }
        return own_layout::image_folder;
    }

    // The first labeled image of the dataset as stored, to choose the network's shape from.
    inline interleaved_image first_own_image(const std::filesystem::path& dir)
    {
        if (detect_own_layout(dir) == own_layout::hdf5)
        {
            const hdf5_layout_file file(dir / hdf5_layout_data_file);
            return file.read(read_id_list(dir / hdf5_layout_id_file).front()).image;
        }
        return read_image_file(list_image_folder(dir).files.front());
    }

    namespace detail
    {
        struct own_split
        {
            std::vector<std::size_t> train; // positions in the listing, shuffled order
            std::vector<std::size_t> test;
        };

        inline own_split split_own(std::size_t count, const own_dataset_options& options,
                                   const std::string& where)
        {
            std::vector<std::size_t> order(count);
            for (std::size_t i = 0; i < count; ++i)
                order[i] = i;
            numpy_legacy_shuffle(order, options.split_seed);
            // int(train_ratio * n) in Python, the same double product here.
            const auto train_count =
                static_cast<std::size_t>(options.train_ratio * static_cast<double>(count));
            if (train_count == 0 || train_count == count)
                throw data_error(where + ": " + std::to_string(count) +
                                 " labeled examples give an empty training or test set at a "
                                 "training share of " +
                                 std::to_string(options.train_ratio) + "; expected more examples");
            return {std::vector<std::size_t>(order.begin(), order.begin() + long(train_count)),
                    std::vector<std::size_t>(order.begin() + long(train_count), order.end())};
        }

        inline dataset empty_like(const image_fit& fit, std::size_t classes)
        {
            dataset data;
            data.channels = fit.channels;
            data.height = fit.height;
            data.width = fit.width;
            data.num_classes = classes;
            return data;
        }

        inline void add_image(dataset& data, const interleaved_image& image, int label,
                              const image_fit& fit, const std::string& source, own_dataset& out)
        {
            out.resized += image.height != fit.height || image.width != fit.width;
            append_fitted(image, fit, source, data.pixels);
            data.labels.push_back(label);
            ++data.count;
        }

        inline own_dataset load_own_folder(const std::filesystem::path& dir,
                                           const own_dataset_options& options)
        {
            const image_folder_listing listing = list_image_folder(dir);
            own_dataset result;
            result.layout = own_layout::image_folder;
            result.class_names = listing.class_names;
            result.skipped = listing.skipped;
            const std::size_t classes = listing.class_names.size();
            result.train = empty_like(options.fit, classes);
            result.test = empty_like(options.fit, classes);

            std::size_t labeled = 0;
            while (labeled < listing.labels.size() && listing.labels[labeled] != unlabeled)
                ++labeled;
            const own_split parts = split_own(labeled, options, dir.string());
            for (const std::size_t i : parts.train)
                add_image(result.train, read_image_file(listing.files[i]), listing.labels[i],
                          options.fit, listing.files[i].string(), result);
            for (const std::size_t i : parts.test)
                add_image(result.test, read_image_file(listing.files[i]), listing.labels[i],
                          options.fit, listing.files[i].string(), result);
            for (std::size_t i = labeled; i < listing.files.size(); ++i)
                add_image(result.train, read_image_file(listing.files[i]), unlabeled, options.fit,
                          listing.files[i].string(), result);
            result.unlabeled_count = listing.files.size() - labeled;
            return result;
        }

        inline own_dataset load_own_hdf5(const std::filesystem::path& dir,
                                         const own_dataset_options& options)
        {
            const std::vector<std::string> ids = read_id_list(dir / hdf5_layout_id_file);
            const hdf5_layout_file file(dir / hdf5_layout_data_file);
            const std::size_t classes = file.read(ids.front()).classes;

            own_dataset result;
            result.layout = own_layout::hdf5;
            for (std::size_t c = 0; c < classes; ++c)
                result.class_names.push_back(std::to_string(c));
            result.train = empty_like(options.fit, classes);
            result.test = empty_like(options.fit, classes);

            const own_split parts = split_own(ids.size(), options, file.path());
            for (const auto* part : {&parts.train, &parts.test})
                for (const std::size_t i : *part)
                {
                    const hdf5_example example = file.read(ids[i], classes);
                    add_image(part == &parts.train ? result.train : result.test, example.image,
                              example.label, options.fit,
                              file.path() + ": example \"" + ids[i] + "\", dataset image", result);
                }
            return result;
        }
    }

    // Loads the dataset in `dir`, whichever its layout, with every image fitted to
    // options.fit. Throws data_error naming the file and what was wrong.
    inline own_dataset load_own_dataset(const std::filesystem::path& dir,
                                        const own_dataset_options& options)
    {
        own_dataset result = detect_own_layout(dir) == own_layout::hdf5
                                 ? detail::load_own_hdf5(dir, options)
                                 : detail::load_own_folder(dir, options);
        check_dataset(result.train, dir.string() + " (training set)");
        check_dataset(result.test, dir.string() + " (test set)");
        return result;
    }
}
