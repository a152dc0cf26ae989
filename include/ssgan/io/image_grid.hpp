// A rows x cols contact sheet of a batch of float images in NCHW order (1 or 3 channels), in a
// known value range ([0, 1] or [-1, 1]), as one 8-bit image: cells separated by lines a few
// pixels wide, each cell optionally enlarged so that 28 x 28 digits are visible.
#pragma once

#include "ssgan/core/error.hpp"
#include "ssgan/data/dataset.hpp"
#include "ssgan/data/pixel_range.hpp"
#include "ssgan/io/image.hpp"
#include "ssgan/io/png.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace ssgan::io
{
    // A batch of `count` images of channels x height x width floats, sample after sample.
    struct float_images
    {
        std::span<const float> values;
        std::size_t count = 0;
        std::size_t channels = 0;
        std::size_t height = 0;
        std::size_t width = 0;
    };

    struct grid_layout
    {
        std::size_t rows = 0;               // 0: chosen from cols and the count (near-square)
        std::size_t cols = 0;               // 0: chosen from rows and the count (near-square)
        std::size_t separator = 2;          // pixels between cells, after scaling
        std::uint8_t separator_value = 128; // mid-gray: neither ink nor paper in MNIST
        std::size_t scale = 1;              // each image pixel becomes scale x scale pixels
    };

    // The near-square grid for `count` images: ceil(sqrt(count)) columns, as many rows as needed.
    inline grid_layout square_grid(std::size_t count)
    {
        grid_layout layout;
        std::size_t cols = 1;
        while (cols * cols < count)
        {
            ++cols;
        }
        layout.cols = cols;
        layout.rows = count == 0 ? 1 : (count + cols - 1) / cols;
        return layout;
    }

    namespace detail
    {
        inline grid_layout resolve_layout(std::size_t count, grid_layout layout)
        {
            if (layout.rows == 0 && layout.cols == 0)
            {
                const grid_layout square = square_grid(count);
                layout.rows = square.rows;
                layout.cols = square.cols;
            }
            else if (layout.rows == 0)
            {
                layout.rows = std::max<std::size_t>(1, (count + layout.cols - 1) / layout.cols);
            }
            else if (layout.cols == 0)
            {
                layout.cols = std::max<std::size_t>(1, (count + layout.rows - 1) / layout.rows);
            }
            return layout;
        }
    }

    // Lays the batch out row by row; cells past the last image stay the separator colour.
    // Throws config_error when the batch does not fit the grid or its sizes disagree.
    inline image make_image_grid(const float_images& batch, data::pixel_range range,
                                 const grid_layout& requested = {})
    {
        if (batch.channels != 1 && batch.channels != 3)
        {
            throw config_error("make_image_grid: images have " + std::to_string(batch.channels) +
                               " channels, expected 1 (gray) or 3 (RGB)");
        }
        if (batch.height == 0 || batch.width == 0)
        {
            throw config_error("make_image_grid: images are " + std::to_string(batch.height) + "x" +
                               std::to_string(batch.width) + ", expected at least 1x1");
        }
        const std::size_t sample = batch.channels * batch.height * batch.width;
        if (batch.values.size() != batch.count * sample)
        {
            throw config_error("make_image_grid: " + std::to_string(batch.count) + " images of " +
                               std::to_string(batch.channels) + "x" + std::to_string(batch.height) +
                               "x" + std::to_string(batch.width) + " need " +
                               std::to_string(batch.count * sample) + " values, found " +
                               std::to_string(batch.values.size()));
        }
        const grid_layout layout = detail::resolve_layout(batch.count, requested);
        if (layout.scale == 0)
        {
            throw config_error("make_image_grid: scale must be at least 1, found 0");
        }
        if (batch.count > layout.rows * layout.cols)
        {
            throw config_error("make_image_grid: " + std::to_string(batch.count) +
                               " images do not fit a grid of " + std::to_string(layout.rows) +
                               " rows x " + std::to_string(layout.cols) + " columns");
        }

        const std::size_t cell_w = batch.width * layout.scale;
        const std::size_t cell_h = batch.height * layout.scale;
        image grid(layout.cols * cell_w + (layout.cols - 1) * layout.separator,
                   layout.rows * cell_h + (layout.rows - 1) * layout.separator, batch.channels,
                   layout.separator_value);

        const std::size_t plane = batch.height * batch.width;
        for (std::size_t n = 0; n < batch.count; ++n)
        {
            const std::size_t left = (n % layout.cols) * (cell_w + layout.separator);
            const std::size_t top = (n / layout.cols) * (cell_h + layout.separator);
            const float* source = batch.values.data() + n * sample;
            for (std::size_t y = 0; y < cell_h; ++y)
            {
                for (std::size_t x = 0; x < cell_w; ++x)
                {
                    const std::size_t at = (y / layout.scale) * batch.width + x / layout.scale;
                    for (std::size_t c = 0; c < batch.channels; ++c)
                    {
                        grid.at(left + x, top + y, c) =
                            data::to_pixel(source[c * plane + at], range);
                    }
                }
            }
        }
        return grid;
    }

    // The same sheet for samples of a dataset, for instance the labelled subset.
    inline image make_image_grid(const data::dataset& source, std::span<const std::size_t> indices,
                                 const grid_layout& layout = {})
    {
        std::vector<float> values(indices.size() * source.sample_size());
        data::copy_batch(source, indices, data::pixel_range::zero_to_one, values);
        return make_image_grid(
            {values, indices.size(), source.channels, source.height, source.width},
            data::pixel_range::zero_to_one, layout);
    }

    // Builds the grid and writes it as a PNG, atomically.
    inline void write_image_grid(const std::filesystem::path& file, const float_images& batch,
                                 data::pixel_range range, const grid_layout& layout = {})
    {
        write_png(file, make_image_grid(batch, range, layout));
    }
}
