// The dataset layout of SSGAN-Tensorflow, read with the HDF5 C library: a folder holding
// `data.hdf5`, with one group per example holding `image` (height × width × channels uint8,
// or height × width) and `label` (a one-hot vector of the K classes, stored as bool, integers
// or floats), and `id.txt`, the example ids one a line. Datasets prepared for it load unchanged.
#pragma once

#include "ssgan/core/error.hpp"
#include "ssgan/data/image_file.hpp"

#include <hdf5.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ssgan::data
{
    inline constexpr const char* hdf5_layout_data_file = "data.hdf5";
    inline constexpr const char* hdf5_layout_id_file = "id.txt";

    // One example: its image as stored and its class (the position of the one in its label).
    struct hdf5_example
    {
        interleaved_image image;
        int label = 0;
        std::size_t classes = 0; // the length of the label vector
    };

    namespace detail
    {
        // HDF5 prints its error stack to stderr by default; the library never prints, so the
        // printing is off while a reader works and restored afterwards.
        class hdf5_quiet
        {
        public:
            hdf5_quiet()
            {
                H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
                H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
            }
            ~hdf5_quiet() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }
            hdf5_quiet(const hdf5_quiet&) = delete;
            hdf5_quiet& operator=(const hdf5_quiet&) = delete;

        private:
            H5E_auto2_t function_ = nullptr;
            void* data_ = nullptr;
        };

        // An HDF5 identifier closed by the function that fits its kind.
        class hdf5_handle
        {
        public:
            using closer = herr_t (*)(hid_t);
            hdf5_handle(hid_t id, closer close) : id_(id), close_(close) {}
            ~hdf5_handle()
            {
                if (id_ >= 0)
                    close_(id_);
            }
            hdf5_handle(hdf5_handle&& other) noexcept : id_(other.id_), close_(other.close_)
            {
                other.id_ = -1;
            }
            hdf5_handle(const hdf5_handle&) = delete;
            hdf5_handle& operator=(const hdf5_handle&) = delete;
            hid_t get() const { return id_; }
            bool valid() const { return id_ >= 0; }

        private:
            hid_t id_;
            closer close_;
        };

        inline std::string hdf5_type_name(hid_t type)
        {
            const std::size_t bits = 8 * H5Tget_size(type);
            switch (H5Tget_class(type))
            {
            case H5T_INTEGER:
                return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") +
                       std::to_string(bits);
            case H5T_FLOAT:
                return "float" + std::to_string(bits);
            case H5T_ENUM:
                return "enum (bool)";
            case H5T_STRING:
                return "string";
            case H5T_COMPOUND:
                return "compound";
            default:
                return "an HDF5 type of class " + std::to_string(int(H5Tget_class(type)));
            }
        }

        inline std::vector<hsize_t> hdf5_dims(hid_t dataset)
        {
            const hdf5_handle space(H5Dget_space(dataset), H5Sclose);
            const int rank = H5Sget_simple_extent_ndims(space.get());
            std::vector<hsize_t> dims(rank > 0 ? std::size_t(rank) : 0);
            if (rank > 0)
                H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
            return dims;
        }

        inline std::string dims_text(const std::vector<hsize_t>& dims)
        {
            std::string text = "[";
            for (std::size_t d = 0; d < dims.size(); ++d)
                text += (d ? ", " : "") + std::to_string(dims[d]);
            return text + "]";
        }

        // The values of a numeric or bool label dataset as doubles.
        inline std::vector<double> read_hdf5_numbers(hid_t dataset, hid_t type, std::size_t count,
                                                     const std::string& where)
        {
            std::vector<double> values(count);
            const H5T_class_t kind = H5Tget_class(type);
            if (kind == H5T_INTEGER || kind == H5T_FLOAT)
            {
                if (H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                            values.data()) < 0)
                    throw data_error(where + ": cannot read its values");
                return values;
            }
            // h5py stores numpy bools as an enum over int8; HDF5 converts no enum to a number,
            // so the raw members are read and widened here.
            const hdf5_handle base(H5Tget_super(type), H5Tclose);
            const hdf5_handle native(H5Tget_native_type(type, H5T_DIR_ASCEND), H5Tclose);
            const std::size_t size = H5Tget_size(native.get());
            const bool is_signed = H5Tget_sign(base.get()) != H5T_SGN_NONE;
            if (size == 0 || size > 8)
                throw data_error(where + ": an enum of " + std::to_string(size) +
                                 "-byte members, expected 1 to 8 bytes");
            std::vector<unsigned char> raw(count * size);
            if (H5Dread(dataset, native.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
                throw data_error(where + ": cannot read its values");
            for (std::size_t i = 0; i < count; ++i)
            {
                std::uint64_t bits = 0;
                std::memcpy(&bits, raw.data() + i * size, size);
                if (is_signed && size < 8 && (bits >> (8 * size - 1)) != 0)
                    bits |= ~std::uint64_t{0} << (8 * size);
                values[i] = is_signed ? double(static_cast<std::int64_t>(bits)) : double(bits);
            }
            return values;
        }
    }

    // The example ids of `id_file`, one a line; surrounding white space is trimmed and blank
    // lines are skipped. Throws data_error when the file is missing or lists no id.
    inline std::vector<std::string> read_id_list(const std::filesystem::path& id_file)
    {
        std::ifstream in(id_file);
        if (!in)
            throw data_error(id_file.string() + ": cannot open it (expected the example ids of "
                                                "data.hdf5, one a line)");
        std::vector<std::string> ids;
        for (std::string line; std::getline(in, line);)
        {
            const auto first = line.find_first_not_of(" \t\r\n");
            if (first == std::string::npos)
                continue;
            const auto last = line.find_last_not_of(" \t\r\n");
            ids.push_back(line.substr(first, last - first + 1));
        }
        if (ids.empty())
            throw data_error(id_file.string() + ": expected at least one example id, found none");
        return ids;
    }

    // data.hdf5 of the SSGAN-Tensorflow layout, open for reading examples by id.
    class hdf5_layout_file
    {
    public:
        explicit hdf5_layout_file(const std::filesystem::path& file)
            : path_(file.string()), file_(open(file), H5Fclose)
        {
        }

        const std::string& path() const { return path_; }

        // The example `id`. Throws data_error naming the file, the id, the dataset, what was
        // expected and what was found: no such group, an image that is not uint8 of rank 2
        // or 3, a label that is not a one-hot vector of `classes` values (when classes > 0).
        hdf5_example read(const std::string& id, std::size_t classes = 0) const
        {
            const detail::hdf5_quiet quiet;
            const std::string where = path_ + ": example \"" + id + "\"";
            if (id.find('/') != std::string::npos || id == "." ||
                H5Lexists(file_.get(), id.c_str(), H5P_DEFAULT) <= 0)
                throw data_error(where + " (listed in id.txt): expected a group of that name "
                                         "holding `image` and `label`, found none");
            const detail::hdf5_handle group(H5Gopen2(file_.get(), id.c_str(), H5P_DEFAULT),
                                            H5Gclose);
            if (!group.valid())
                throw data_error(where + ": expected a group holding `image` and `label`, found "
                                         "another kind of object");

            hdf5_example example;
            example.image = read_image(group.get(), where + ", dataset image");
            read_label(group.get(), where + ", dataset label", classes, example);
            return example;
        }

    private:
        static hid_t open(const std::filesystem::path& file)
        {
            const detail::hdf5_quiet quiet;
            std::error_code ec;
            if (!std::filesystem::is_regular_file(file, ec))
                throw data_error(file.string() + ": missing or not a regular file (expected the "
                                                 "data.hdf5 of an SSGAN-Tensorflow dataset)");
            if (H5Fis_hdf5(file.string().c_str()) <= 0)
                throw data_error(file.string() + ": expected an HDF5 file, found something the "
                                                 "HDF5 library cannot read");
            const hid_t id = H5Fopen(file.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
            if (id < 0)
                throw data_error(file.string() + ": the HDF5 library cannot open it");
            return id;
        }

        static detail::hdf5_handle open_dataset(hid_t group, const char* name,
                                                const std::string& where)
        {
            if (H5Lexists(group, name, H5P_DEFAULT) <= 0)
                throw data_error(where + ": missing");
            detail::hdf5_handle dataset(H5Dopen2(group, name, H5P_DEFAULT), H5Dclose);
            if (!dataset.valid())
                throw data_error(where + ": expected a dataset, found another kind of object");
            return dataset;
        }

        static interleaved_image read_image(hid_t group, const std::string& where)
        {
            const auto dataset = open_dataset(group, "image", where);
            const detail::hdf5_handle type(H5Dget_type(dataset.get()), H5Tclose);
            const auto dims = detail::hdf5_dims(dataset.get());
            const bool is_uint8 = H5Tget_class(type.get()) == H5T_INTEGER &&
                                  H5Tget_size(type.get()) == 1 &&
                                  H5Tget_sign(type.get()) == H5T_SGN_NONE;
            const bool rank_ok = dims.size() == 2 || dims.size() == 3;
            if (!is_uint8 || !rank_ok || dims[0] == 0 || dims[1] == 0 ||
                (dims.size() == 3 && (dims[2] < 1 || dims[2] > 4)))
                throw data_error(where +
                                 ": expected uint8 of [height, width, channels] with 1 "
                                 "to 4 channels, found " +
                                 detail::hdf5_type_name(type.get()) + " of " +
                                 detail::dims_text(dims));

            // A dataset may claim any size and store little (chunks never written read as the
            // fill value), so the claim is held against what the file stores, allowing for
            // deflate's 1032:1, before memory is reserved for it.
            interleaved_image image{dims[0], dims[1], dims.size() == 3 ? dims[2] : 1, {}};
            const std::uint64_t stored = H5Dget_storage_size(dataset.get());
            const std::uint64_t most = stored * 1032 + (1u << 16);
            if (image.width > most || image.height > most / (image.width * image.channels))
                throw data_error(where + ": " + detail::dims_text(dims) +
                                 " claims more pixels than the " + std::to_string(stored) +
                                 " bytes stored for it can hold (at most " + std::to_string(most) +
                                 "; corrupt or never written?)");
            image.pixels.resize(image.height * image.width * image.channels);
            if (H5Dread(dataset.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                        image.pixels.data()) < 0)
                throw data_error(where + ": cannot read its pixels");
            return image;
        }

        static void read_label(hid_t group, const std::string& where, std::size_t classes,
                               hdf5_example& example)
        {
            const auto dataset = open_dataset(group, "label", where);
            const detail::hdf5_handle type(H5Dget_type(dataset.get()), H5Tclose);
            const auto dims = detail::hdf5_dims(dataset.get());
            const H5T_class_t kind = H5Tget_class(type.get());
            const std::string expected =
                "a one-hot vector" +
                (classes ? " of " + std::to_string(classes) + " values" : std::string());
            if ((kind != H5T_INTEGER && kind != H5T_FLOAT && kind != H5T_ENUM) ||
                dims.size() != 1 || dims[0] == 0 || (classes && dims[0] != classes))
                throw data_error(where + ": expected " + expected + ", found " +
                                 detail::hdf5_type_name(type.get()) + " of " +
                                 detail::dims_text(dims));

            const auto values =
                detail::read_hdf5_numbers(dataset.get(), type.get(), dims[0], where);
            std::size_t ones = 0, zeros = 0;
            for (std::size_t c = 0; c < values.size(); ++c)
            {
                if (values[c] == 1.0)
                {
                    ++ones;
                    example.label = static_cast<int>(c);
                }
                zeros += values[c] == 0.0;
            }
            if (ones != 1 || ones + zeros != values.size())
            {
                std::string found;
                for (std::size_t c = 0; c < values.size() && c < 16; ++c)
                {
                    found += c ? " " : "";
                    found += values[c] == std::floor(values[c])
                                 ? std::to_string(static_cast<long long>(values[c]))
                                 : std::to_string(values[c]);
                }
                throw data_error(where + ": expected " + expected +
                                 " (a single 1, the rest 0), found " + found +
                                 (values.size() > 16 ? " ..." : ""));
            }
            example.classes = values.size();
        }

        std::string path_;
        detail::hdf5_handle file_;
    };
}
