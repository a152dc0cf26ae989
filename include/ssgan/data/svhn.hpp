// SVHN, format 2 (cropped 32 × 32 digits): train_32x32.mat, test_32x32.mat and the optional
// extra_32x32.mat, each with X (32 × 32 × 3 × N uint8, MATLAB's column-major order) and y
// (N × 1, digits 1..10 where 10 stands for 0), loaded through matio as 3 × 32 × 32 images with
// labels 0..9. MAT v5 (compressed or not) and v7.3 (HDF5) files load alike.
#pragma once

#include "ssgan/core/error.hpp"
#include "ssgan/data/dataset.hpp"

#include <matio.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace ssgan::data
{
    inline constexpr std::size_t svhn_classes = 10;
    inline constexpr std::size_t svhn_side = 32;
    inline constexpr std::size_t svhn_channels = 3;

    enum class svhn_part
    {
        train, // train_32x32.mat, 73,257 digits
        test,  // test_32x32.mat, 26,032 digits
        extra, // extra_32x32.mat, 531,131 easier digits
    };

    inline std::string svhn_file_name(svhn_part part)
    {
        switch (part)
        {
        case svhn_part::train:
            return "train_32x32.mat";
        case svhn_part::test:
            return "test_32x32.mat";
        case svhn_part::extra:
            return "extra_32x32.mat";
        }
        return {};
    }

    namespace detail
    {
        struct mat_closer
        {
            void operator()(mat_t* file) const { Mat_Close(file); }
        };
        struct matvar_freer
        {
            void operator()(matvar_t* variable) const { Mat_VarFree(variable); }
        };
        using mat_file = std::unique_ptr<mat_t, mat_closer>;
        using mat_variable = std::unique_ptr<matvar_t, matvar_freer>;

        inline std::string mat_class_name(matio_classes type)
        {
            switch (type)
            {
            case MAT_C_CELL:
                return "cell";
            case MAT_C_STRUCT:
                return "struct";
            case MAT_C_OBJECT:
                return "object";
            case MAT_C_CHAR:
                return "char";
            case MAT_C_SPARSE:
                return "sparse";
            case MAT_C_DOUBLE:
                return "double";
            case MAT_C_SINGLE:
                return "single";
            case MAT_C_INT8:
                return "int8";
            case MAT_C_UINT8:
                return "uint8";
            case MAT_C_INT16:
                return "int16";
            case MAT_C_UINT16:
                return "uint16";
            case MAT_C_INT32:
                return "int32";
            case MAT_C_UINT32:
                return "uint32";
            case MAT_C_INT64:
                return "int64";
            case MAT_C_UINT64:
                return "uint64";
            default:
                return "class " + std::to_string(static_cast<int>(type));
            }
        }

        inline std::string mat_dims_text(const matvar_t& variable)
        {
            std::string text;
            for (int d = 0; d < variable.rank; ++d)
            {
                if (d > 0)
                    text += 'x';
                text += std::to_string(variable.dims[d]);
            }
            return text.empty() ? "no dimensions" : text;
        }

        inline mat_variable read_mat_variable(mat_t* file, const std::filesystem::path& path,
                                              const char* name, const std::string& expected)
        {
            mat_variable variable(Mat_VarRead(file, name));
            if (!variable)
                throw data_error(path.string() + ": variable " + name + ": expected " + expected +
                                 ", found no variable of that name (or one matio cannot read)");
            if (variable->isComplex)
                throw data_error(path.string() + ": variable " + name + ": expected " + expected +
                                 ", found complex " + mat_class_name(variable->class_type));
            return variable;
        }

        // A numeric MATLAB value as a double, whatever its class.
        inline double mat_number(const matvar_t& variable, std::size_t index)
        {
            const void* data = variable.data;
            switch (variable.class_type)
            {
            case MAT_C_DOUBLE:
                return static_cast<const double*>(data)[index];
            case MAT_C_SINGLE:
                return static_cast<const float*>(data)[index];
            case MAT_C_INT8:
                return static_cast<const std::int8_t*>(data)[index];
            case MAT_C_UINT8:
                return static_cast<const std::uint8_t*>(data)[index];
            case MAT_C_INT16:
                return static_cast<const std::int16_t*>(data)[index];
            case MAT_C_UINT16:
                return static_cast<const std::uint16_t*>(data)[index];
            case MAT_C_INT32:
                return static_cast<const std::int32_t*>(data)[index];
            case MAT_C_UINT32:
                return static_cast<const std::uint32_t*>(data)[index];
            case MAT_C_INT64:
                return static_cast<double>(static_cast<const std::int64_t*>(data)[index]);
            case MAT_C_UINT64:
                return static_cast<double>(static_cast<const std::uint64_t*>(data)[index]);
            default:
                return std::nan("");
            }
        }

        inline bool mat_is_numeric(matio_classes type)
        {
            return type == MAT_C_DOUBLE || type == MAT_C_SINGLE ||
                   (type >= MAT_C_INT8 && type <= MAT_C_UINT64);
        }
    }

    // Loads one SVHN format-2 file. Throws data_error naming the file, the variable, what was
    // expected and what was found: a file matio cannot open, X not uint8 of 32 × 32 × 3 × N,
    // y not N numbers, a label outside 1..10, or no images at all.
    inline dataset load_svhn_file(const std::filesystem::path& path)
    {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec))
            throw data_error(path.string() + ": missing or not a regular file (expected an SVHN "
                                             "format-2 .mat file with variables X and y)");
        const detail::mat_file file(Mat_Open(path.string().c_str(), MAT_ACC_RDONLY));
        if (!file)
            throw data_error(path.string() + ": expected a MATLAB .mat file (v5 or v7.3), found "
                                             "something matio cannot open (truncated download?)");

        const std::string x_expected = "uint8 of 32x32x3xN";
        const auto x = detail::read_mat_variable(file.get(), path, "X", x_expected);
        if (x->class_type != MAT_C_UINT8)
            throw data_error(path.string() + ": variable X: expected " + x_expected + ", found " +
                             detail::mat_class_name(x->class_type) + " of " +
                             detail::mat_dims_text(*x));
        // MATLAB drops trailing singleton dimensions, so one image is 32x32x3.
        const bool shape_ok = (x->rank == 4 || x->rank == 3) && x->dims[0] == svhn_side &&
                              x->dims[1] == svhn_side && x->dims[2] == svhn_channels;
        if (!shape_ok)
            throw data_error(path.string() + ": variable X: expected " + x_expected + ", found " +
                             detail::mat_class_name(x->class_type) + " of " +
                             detail::mat_dims_text(*x));
        const std::size_t count = x->rank == 4 ? x->dims[3] : 1;
        if (count == 0)
            throw data_error(path.string() + ": variable X: expected at least one image, found " +
                             detail::mat_dims_text(*x));

        const std::string y_expected = "a numeric " + std::to_string(count) + "x1 label vector";
        const auto y = detail::read_mat_variable(file.get(), path, "y", y_expected);
        if (!detail::mat_is_numeric(y->class_type) || y->rank != 2 ||
            !(y->dims[0] == 1 || y->dims[1] == 1))
            throw data_error(path.string() + ": variable y: expected " + y_expected + ", found " +
                             detail::mat_class_name(y->class_type) + " of " +
                             detail::mat_dims_text(*y));
        const std::size_t label_count = y->dims[0] * y->dims[1];
        if (label_count != count)
            throw data_error(path.string() + ": variable y: expected " + std::to_string(count) +
                             " labels (one per image of X), found " + std::to_string(label_count) +
                             " (" + detail::mat_dims_text(*y) + ")");

        dataset data;
        data.count = count;
        data.channels = svhn_channels;
        data.height = svhn_side;
        data.width = svhn_side;
        data.num_classes = svhn_classes;
        data.labels.resize(count);
        for (std::size_t i = 0; i < count; ++i)
        {
            const double value = detail::mat_number(*y, i);
            if (!(value >= 1.0 && value <= 10.0) || value != std::floor(value))
                throw data_error(path.string() + ": variable y, element " + std::to_string(i + 1) +
                                 ": expected a label 1..10 (10 for the digit 0), found " +
                                 std::to_string(value));
            data.labels[i] = static_cast<int>(value) % 10;
        }

        // X(row, col, channel, n) sits at row + 32·col + 1024·channel + 3072·n (column-major);
        // the dataset wants n, channel, row, col with col fastest.
        constexpr std::size_t plane = svhn_side * svhn_side;
        constexpr std::size_t image = plane * svhn_channels;
        const auto* source = static_cast<const std::uint8_t*>(x->data);
        data.pixels.resize(count * image);
        for (std::size_t n = 0; n < count; ++n)
            for (std::size_t channel = 0; channel < svhn_channels; ++channel)
            {
                const std::uint8_t* from = source + n * image + channel * plane;
                std::uint8_t* to = data.pixels.data() + n * image + channel * plane;
                for (std::size_t row = 0; row < svhn_side; ++row)
                    for (std::size_t col = 0; col < svhn_side; ++col)
                        to[row * svhn_side + col] = from[row + svhn_side * col];
            }

        check_dataset(data, path.string());
        return data;
    }

    // The training split (train_32x32.mat, plus extra_32x32.mat when `with_extra`) or the test
    // split (test_32x32.mat) of the SVHN folder `dir`.
    inline dataset load_svhn(const std::filesystem::path& dir, split which, bool with_extra = false)
    {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec))
            throw data_error(dir.string() + ": no such folder; expected one holding SVHN format 2 "
                                            "(train_32x32.mat, test_32x32.mat, optionally "
                                            "extra_32x32.mat)");
        if (which == split::test)
            return load_svhn_file(dir / svhn_file_name(svhn_part::test));
        dataset data = load_svhn_file(dir / svhn_file_name(svhn_part::train));
        if (with_extra)
        {
            const auto extra = dir / svhn_file_name(svhn_part::extra);
            append_dataset(data, load_svhn_file(extra), extra.string());
        }
        return data;
    }
}
