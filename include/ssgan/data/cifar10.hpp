// CIFAR-10, binary version: batch files of 3073-byte records (a label byte 0..9, then the
// 1024 red, 1024 green and 1024 blue bytes of a 32 × 32 image, rows top to bottom), loaded as a
// dataset of 3 × 32 × 32 images; class names come from batches.meta.txt when it is there.
#pragma once

#include "ssgan/core/error.hpp"
#include "ssgan/data/dataset.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace ssgan::data
{
    inline constexpr std::size_t cifar10_classes = 10;
    inline constexpr std::size_t cifar10_channels = 3;
    inline constexpr std::size_t cifar10_side = 32;
    inline constexpr std::size_t cifar10_image_bytes =
        cifar10_channels * cifar10_side * cifar10_side;
    inline constexpr std::size_t cifar10_record_bytes = 1 + cifar10_image_bytes;

    // The official batch names, without ".bin".
    inline constexpr std::array<std::string_view, 5> cifar10_train_batches = {
        "data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"};
    inline constexpr std::string_view cifar10_test_batch = "test_batch";
    inline constexpr std::string_view cifar10_meta_file = "batches.meta.txt";

    // The class names in label order, as batches.meta.txt of the official archive lists them.
    inline const std::vector<std::string>& cifar10_default_class_names()
    {
        static const std::vector<std::string> names = {"airplane", "automobile", "bird", "cat",
                                                       "deer",     "dog",        "frog", "horse",
                                                       "ship",     "truck"};
        return names;
    }

    // The batch files of one split found in a folder, and what a tool should tell its user
    // about them (fewer than five training batches, a partial copy standing in for a batch).
    struct cifar10_files
    {
        std::vector<std::filesystem::path> batches; // in the official order
        std::vector<std::string> notes;             // empty when the split is complete
    };

    namespace detail
    {
        inline std::string cifar10_expected_names(split which)
        {
            if (which == split::test)
                return std::string(cifar10_test_batch) + ".bin";
            std::string names;
            for (const std::string_view batch : cifar10_train_batches)
                names += (names.empty() ? "" : ", ") + std::string(batch) + ".bin";
            return names;
        }

        // `<stem>.bin`, or else a prefix of that batch named `<stem>_first<N>.bin` (how the
        // shared subsets are named); nothing when neither is there.
        inline std::optional<std::filesystem::path>
        find_cifar10_batch(const std::filesystem::path& dir, std::string_view stem)
        {
            namespace fs = std::filesystem;
            std::error_code ec;
            const fs::path whole = dir / (std::string(stem) + ".bin");
            if (fs::is_regular_file(whole, ec))
                return whole;

            const std::regex partial(std::string(stem) + R"(_first[0-9]+\.bin)");
            std::vector<fs::path> candidates;
            for (const auto& entry : fs::directory_iterator(dir, ec))
            {
                const std::string name = entry.path().filename().string();
                if (std::regex_match(name, partial) && fs::is_regular_file(entry.path(), ec))
                    candidates.push_back(entry.path());
            }
            if (candidates.empty())
                return std::nullopt;
            if (candidates.size() > 1)
            {
                std::sort(candidates.begin(), candidates.end());
                std::string names;
                for (const fs::path& candidate : candidates)
                    names += (names.empty() ? "" : ", ") + candidate.filename().string();
                throw data_error(dir.string() + ": expected one file for " + std::string(stem) +
                                 ".bin, found " + std::to_string(candidates.size()) +
                                 " partial copies (" + names + "); keep one");
            }
            return candidates.front();
        }

        inline std::uintmax_t cifar10_file_size(const std::filesystem::path& file)
        {
            std::error_code ec;
            if (!std::filesystem::is_regular_file(file, ec))
                throw data_error(file.string() + ": missing or not a regular file (expected a "
                                                 "CIFAR-10 binary batch)");
            const std::uintmax_t size = std::filesystem::file_size(file, ec);
            if (ec)
                throw data_error(file.string() + ": cannot read its size: " + ec.message());
            return size;
        }

        // Appends the records of one batch file to `data`.
        inline void append_cifar10_batch(const std::filesystem::path& file, dataset& data)
        {
            const std::uintmax_t size = cifar10_file_size(file);
            const std::uintmax_t remainder = size % cifar10_record_bytes;
            if (remainder != 0)
                throw data_error(
                    file.string() + ": size " + std::to_string(size) +
                    " bytes, expected a multiple of the " + std::to_string(cifar10_record_bytes) +
                    "-byte record (1 label byte + 3072 pixel bytes); found " +
                    std::to_string(size / cifar10_record_bytes) + " whole records and " +
                    std::to_string(remainder) + " bytes left over (truncated or not a batch file)");
            if (size == 0)
                throw data_error(file.string() + ": size 0 bytes, expected at least one " +
                                 std::to_string(cifar10_record_bytes) + "-byte record");

            std::vector<char> bytes(static_cast<std::size_t>(size));
            std::ifstream in(file, std::ios::binary);
            if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
                throw data_error(file.string() + ": expected " + std::to_string(size) +
                                 " bytes, could read only " + std::to_string(in.gcount()));

            const std::size_t records = bytes.size() / cifar10_record_bytes;
            const std::size_t first = data.count;
            data.labels.resize(first + records);
            data.pixels.resize((first + records) * cifar10_image_bytes);
            for (std::size_t r = 0; r < records; ++r)
            {
                const char* record = bytes.data() + r * cifar10_record_bytes;
                const auto label = static_cast<std::uint8_t>(record[0]);
                if (label >= cifar10_classes)
                    throw data_error(file.string() + ": record " + std::to_string(r) +
                                     " (label byte at offset " +
                                     std::to_string(r * cifar10_record_bytes) +
                                     "): expected a label 0..9, found " + std::to_string(label));
                data.labels[first + r] = label;
                std::memcpy(data.pixels.data() + (first + r) * cifar10_image_bytes, record + 1,
                            cifar10_image_bytes);
            }
            data.count += records;
        }
    }

    // The batch files of `which` in `dir`: test_batch.bin, or those of data_batch_1.bin ..
    // data_batch_5.bin that are there. A file `<batch>_first<N>.bin` stands in for a missing
    // `<batch>.bin`. Throws data_error when the folder is missing or holds no batch of the split.
    inline cifar10_files find_cifar10_files(const std::filesystem::path& dir, split which)
    {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec))
            throw data_error(dir.string() +
                             ": no such folder; expected one holding the CIFAR-10 "
                             "binary version (" +
                             detail::cifar10_expected_names(split::train) + ", " +
                             detail::cifar10_expected_names(split::test) + ", " +
                             std::string(cifar10_meta_file) + ")");

        cifar10_files found;
        std::vector<std::string_view> missing;
        std::vector<std::string> stand_ins;
        const std::span<const std::string_view> stems =
            which == split::test ? std::span<const std::string_view>(&cifar10_test_batch, 1)
                                 : std::span<const std::string_view>(cifar10_train_batches);
        for (const std::string_view stem : stems)
        {
            const auto file = detail::find_cifar10_batch(dir, stem);
            if (!file)
            {
                missing.push_back(stem);
                continue;
            }
            found.batches.push_back(*file);
            if (file->filename() != std::string(stem) + ".bin")
                stand_ins.push_back(file->filename().string() + " for " + std::string(stem) +
                                    ".bin");
        }

        const char* what = which == split::test ? "test batch" : "training batch";
        if (found.batches.empty())
            throw data_error(dir.string() + ": holds no CIFAR-10 " + what + "; expected " +
                             detail::cifar10_expected_names(which) +
                             " (the binary version, cifar-10-binary.tar.gz, unpacked)");

        if (!missing.empty())
        {
            std::string names;
            for (const auto& file : found.batches)
                names += (names.empty() ? "" : ", ") + file.filename().string();
            found.notes.push_back("found " + std::to_string(found.batches.size()) + " of " +
                                  std::to_string(stems.size()) + " " + what + "es: " + names);
        }
        for (const std::string& stand_in : stand_ins)
            found.notes.push_back("using " + stand_in + " (the first records of that batch)");
        return found;
    }

    // Loads the records of `files`, in order, as one dataset of 3 × 32 × 32 images with labels
    // 0..9. Throws data_error naming the file and the offset for a size that is not a whole
    // number of records or a label byte above 9.
    inline dataset load_cifar10_files(std::span<const std::filesystem::path> files)
    {
        if (files.empty())
            throw config_error("load_cifar10_files: expected at least one batch file, found none");

        dataset data;
        data.channels = cifar10_channels;
        data.height = cifar10_side;
        data.width = cifar10_side;
        data.num_classes = cifar10_classes;
        for (const std::filesystem::path& file : files)
            detail::append_cifar10_batch(file, data);
        check_dataset(data, files.front().string());
        return data;
    }

    inline dataset load_cifar10_files(std::initializer_list<std::filesystem::path> files)
    {
        return load_cifar10_files(
            std::span<const std::filesystem::path>(files.begin(), files.size()));
    }

    // Loads the training split (the batches present, see find_cifar10_files) or the test split
    // from `dir`. A tool that wants to say which training batches were missing calls
    // find_cifar10_files itself and passes its `batches` to load_cifar10_files.
    inline dataset load_cifar10(const std::filesystem::path& dir, split which)
    {
        return load_cifar10_files(find_cifar10_files(dir, which).batches);
    }

    // The ten class names from `file` (batches.meta.txt: one name a line, trailing blank lines
    // allowed). Throws data_error naming the line when there are not ten non-empty names.
    inline std::vector<std::string> read_cifar10_class_names(const std::filesystem::path& file)
    {
        std::ifstream in(file);
        if (!in)
            throw data_error(file.string() + ": cannot open it (expected " +
                             std::to_string(cifar10_classes) + " class names, one a line)");
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);)
        {
            while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
                line.pop_back();
            lines.push_back(line);
        }
        while (!lines.empty() && lines.back().empty())
            lines.pop_back();

        if (lines.size() != cifar10_classes)
            throw data_error(file.string() + ": expected " + std::to_string(cifar10_classes) +
                             " class names, one a line, found " + std::to_string(lines.size()) +
                             " lines");
        for (std::size_t i = 0; i < lines.size(); ++i)
            if (lines[i].empty())
                throw data_error(file.string() + ": line " + std::to_string(i + 1) +
                                 ": expected the name of class " + std::to_string(i) +
                                 ", found an empty line");
        return lines;
    }

    // The class names for a CIFAR-10 folder: its batches.meta.txt when there is one, else the
    // official list.
    inline std::vector<std::string> cifar10_class_names(const std::filesystem::path& dir)
    {
        std::error_code ec;
        const std::filesystem::path meta = dir / cifar10_meta_file;
        if (std::filesystem::is_regular_file(meta, ec))
            return read_cifar10_class_names(meta);
        return cifar10_default_class_names();
    }
}
