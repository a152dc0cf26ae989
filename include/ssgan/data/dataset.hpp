// A labelled image dataset held in memory as 8-bit pixels in NCHW order: what each reader
// (MNIST IDX, later CIFAR binary and SVHN) produces and what the trainer draws batches from,
// converting to float only for the samples of the current batch.
#pragma once

#include "ssgan/core/error.hpp"
#include "ssgan/data/pixel_range.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ssgan::data
{
    enum class split
    {
        train,
        test,
    };

    // The label of an image that joins only the unlabeled set (an image folder's `unlabeled/`).
    inline constexpr int unlabeled = -1;

    struct dataset
    {
        std::size_t count = 0;
        std::size_t channels = 0;
        std::size_t height = 0;
        std::size_t width = 0;
        std::size_t num_classes = 0;
        std::vector<std::uint8_t> pixels; // count x channels x height x width
        std::vector<int> labels; // count labels in 0 .. num_classes - 1 or `unlabeled`, or empty

        std::size_t sample_size() const { return channels * height * width; }

        std::span<const std::uint8_t> sample(std::size_t index) const
        {
            return std::span(pixels).subspan(index * sample_size(), sample_size());
        }
    };

    // Readers call this last, so that a dataset that reaches the trainer is consistent; `source`
    // names where the data came from for the message.
    inline void check_dataset(const dataset& data, std::string_view source)
    {
        const std::string where(source);
        if (data.channels == 0 || data.height == 0 || data.width == 0)
        {
            throw data_error(where + ": sample shape " + std::to_string(data.channels) + "x" +
                             std::to_string(data.height) + "x" + std::to_string(data.width) +
                             " has an empty dimension");
        }
        if (data.pixels.size() != data.count * data.sample_size())
        {
            throw data_error(where + ": expected " + std::to_string(data.count) + " samples of " +
                             std::to_string(data.sample_size()) + " bytes, found " +
                             std::to_string(data.pixels.size()) + " bytes");
        }
        if (!data.labels.empty() && data.labels.size() != data.count)
        {
            throw data_error(where + ": expected " + std::to_string(data.count) +
                             " labels, found " + std::to_string(data.labels.size()));
        }
        if (!data.labels.empty() && data.num_classes == 0)
        {
            throw data_error(where + ": has labels but num_classes is 0, expected at least 1");
        }
        for (std::size_t i = 0; i < data.labels.size(); ++i)
        {
            const int label = data.labels[i];
            if (label == unlabeled)
            {
                continue;
            }
            if (label < 0 || static_cast<std::size_t>(label) >= data.num_classes)
            {
                throw data_error(where + ": label of sample " + std::to_string(i) +
                                 ": expected 0.." + std::to_string(data.num_classes - 1) +
                                 " (or -1, unlabeled), found " + std::to_string(label));
            }
        }
    }

    // Appends `more` to `data`; both must hold images of one shape and the same classes.
    inline void append_dataset(dataset& data, const dataset& more, const std::string& source)
    {
        if (data.count == 0)
        {
            data = more;
            return;
        }
        if (more.channels != data.channels || more.height != data.height ||
            more.width != data.width || more.num_classes != data.num_classes)
            throw data_error(source + ": expected images of " + std::to_string(data.channels) +
                             "x" + std::to_string(data.height) + "x" + std::to_string(data.width) +
                             " in " + std::to_string(data.num_classes) + " classes, found " +
                             std::to_string(more.channels) + "x" + std::to_string(more.height) +
                             "x" + std::to_string(more.width) + " in " +
                             std::to_string(more.num_classes));
        data.pixels.insert(data.pixels.end(), more.pixels.begin(), more.pixels.end());
        data.labels.insert(data.labels.end(), more.labels.begin(), more.labels.end());
        data.count += more.count;
    }

    namespace detail
    {
        inline void check_batch_indices(const dataset& data, std::span<const std::size_t> indices,
                                        const char* caller)
        {
            for (std::size_t i = 0; i < indices.size(); ++i)
            {
                if (indices[i] >= data.count)
                {
                    throw config_error(std::string(caller) + ": index " + std::to_string(i) +
                                       " of the batch is " + std::to_string(indices[i]) +
                                       ", expected below the dataset size " +
                                       std::to_string(data.count));
                }
            }
        }
    }

    // Writes the samples at `indices`, in that order, into `out` as floats in `range`; `out`
    // holds indices.size() x channels x height x width values (NCHW, like the dataset).
    inline void copy_batch(const dataset& data, std::span<const std::size_t> indices,
                           pixel_range range, std::span<float> out)
    {
        const std::size_t sample = data.sample_size();
        if (out.size() != indices.size() * sample)
        {
            throw config_error("copy_batch: the output holds " + std::to_string(out.size()) +
                               " floats, expected " + std::to_string(indices.size()) +
                               " samples x " + std::to_string(sample) + " = " +
                               std::to_string(indices.size() * sample));
        }
        detail::check_batch_indices(data, indices, "copy_batch");

        std::array<float, 256> table{};
        for (std::size_t p = 0; p < table.size(); ++p)
        {
            table[p] = to_float(static_cast<std::uint8_t>(p), range);
        }

        for (std::size_t i = 0; i < indices.size(); ++i)
        {
            const std::span<const std::uint8_t> source = data.sample(indices[i]);
            std::transform(source.begin(), source.end(), out.subspan(i * sample).begin(),
                           [&](std::uint8_t p) { return table[p]; });
        }
    }

    // Writes the labels of the samples at `indices`, in that order, into `out`.
    inline void copy_labels(const dataset& data, std::span<const std::size_t> indices,
                            std::span<int> out)
    {
        if (data.labels.empty())
        {
            throw config_error("copy_labels: the dataset has no labels");
        }
        if (out.size() != indices.size())
        {
            throw config_error("copy_labels: the output holds " + std::to_string(out.size()) +
                               " labels, expected " + std::to_string(indices.size()));
        }
        detail::check_batch_indices(data, indices, "copy_labels");

        for (std::size_t i = 0; i < indices.size(); ++i)
        {
            out[i] = data.labels[indices[i]];
        }
    }
}
