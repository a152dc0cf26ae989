// Checkpoint files: a versioned container of named records (float, integer or text arrays)
// closed by a CRC-32 of everything before it. Writes go to a temporary file in the same
// folder that is flushed, synced and renamed over the target, so a crash or a full disk
// never leaves a half-written checkpoint under the final name.
//
// Layout (little-endian): "SSGANCKP" | u32 format version | u32 record count |
// records: u32 name length, name, u8 kind, u64 element count, payload | u32 CRC-32.
#pragma once

#include "../core/error.hpp"

#include <zlib.h>

#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace ssgan
{
    inline constexpr char checkpoint_magic[8] = {'S', 'S', 'G', 'A', 'N', 'C', 'K', 'P'};
    inline constexpr std::uint32_t checkpoint_format_version = 1;

    static_assert(std::endian::native == std::endian::little,
                  "checkpoints are written little-endian; a big-endian port needs byte swaps");

    enum class record_kind : std::uint8_t
    {
        floats = 1,
        integers = 2, // u64
        text = 3
    };

    class checkpoint_writer
    {
    public:
        void add(std::string_view name, std::span<const float> values)
        {
            add_record(name, record_kind::floats, values.size(), values.data(),
                       values.size_bytes());
        }

        void add(std::string_view name, std::span<const std::uint64_t> values)
        {
            add_record(name, record_kind::integers, values.size(), values.data(),
                       values.size_bytes());
        }

        void add(std::string_view name, std::string_view text)
        {
            add_record(name, record_kind::text, text.size(), text.data(), text.size());
        }

        // Writes atomically: temporary file, fsync, rename, fsync of the folder. Throws
        // checkpoint_error (naming the file and the system's reason) and leaves any older
        // file under `path` untouched when anything fails.
        void write(const std::filesystem::path& path) const
        {
            std::vector<char> bytes;
            bytes.insert(bytes.end(), checkpoint_magic, checkpoint_magic + 8);
            append_u32(bytes, checkpoint_format_version);
            append_u32(bytes, static_cast<std::uint32_t>(count_));
            bytes.insert(bytes.end(), body_.begin(), body_.end());
            append_u32(bytes, crc_of(bytes));

            const auto folder =
                path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
            const auto temporary =
                folder / ("." + path.filename().string() + ".tmp" + std::to_string(::getpid()));
            const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0)
                fail(temporary, "cannot create");
            std::size_t written = 0;
            while (written < bytes.size())
            {
                const ssize_t chunk = ::write(fd, bytes.data() + written, bytes.size() - written);
                if (chunk < 0)
                {
                    if (errno == EINTR)
                        continue;
                    const int saved = errno;
                    ::close(fd);
                    std::filesystem::remove(temporary);
                    errno = saved;
                    fail(temporary, "cannot write " + std::to_string(bytes.size()) + " bytes to");
                }
                written += static_cast<std::size_t>(chunk);
            }
            if (::fsync(fd) != 0)
            {
                const int saved = errno;
                ::close(fd);
                std::filesystem::remove(temporary);
                errno = saved;
                fail(temporary, "cannot flush");
            }
            ::close(fd);
            if (std::rename(temporary.c_str(), path.c_str()) != 0)
            {
                const int saved = errno;
                std::filesystem::remove(temporary);
                errno = saved;
                fail(path, "cannot rename the temporary file onto");
            }
            const int folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
            if (folder_fd >= 0)
            {
                ::fsync(folder_fd);
                ::close(folder_fd);
            }
        }

        static std::uint32_t crc_of(std::span<const char> bytes)
        {
            uLong crc = ::crc32(0L, Z_NULL, 0);
            std::size_t done = 0;
            while (done < bytes.size())
            {
                const auto chunk =
                    static_cast<uInt>(std::min<std::size_t>(bytes.size() - done, 1u << 30));
                crc = ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + done), chunk);
                done += chunk;
            }
            return static_cast<std::uint32_t>(crc);
        }

    private:
        static void append_u32(std::vector<char>& bytes, std::uint32_t value)
        {
            const char* raw = reinterpret_cast<const char*>(&value);
            bytes.insert(bytes.end(), raw, raw + 4);
        }

        void add_record(std::string_view name, record_kind kind, std::uint64_t count,
                        const void* payload, std::size_t payload_bytes)
        {
            append_u32(body_, static_cast<std::uint32_t>(name.size()));
            body_.insert(body_.end(), name.begin(), name.end());
            body_.push_back(static_cast<char>(kind));
            const char* raw_count = reinterpret_cast<const char*>(&count);
            body_.insert(body_.end(), raw_count, raw_count + 8);
            const char* raw = static_cast<const char*>(payload);
            body_.insert(body_.end(), raw, raw + payload_bytes);
            ++count_;
        }

        [[noreturn]] static void fail(const std::filesystem::path& path, const std::string& what)
        {
            throw checkpoint_error("checkpoint " + path.string() + ": " + what + " it (" +
                                   std::strerror(errno) + ")");
        }

        std::vector<char> body_;
        std::size_t count_ = 0;
    };

    class checkpoint_reader
    {
    public:
        // Reads and verifies the whole file; every later lookup is in memory.
        explicit checkpoint_reader(const std::filesystem::path& path) : path_(path)
        {
            std::error_code ec;
            if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
                throw checkpoint_error("checkpoint " + path.string() +
                                       ": expected a file, found a folder or special file");
            std::ifstream file(path, std::ios::binary);
            if (!file)
                throw checkpoint_error("checkpoint " + path.string() + ": cannot open it (" +
                                       std::strerror(errno) + ")");
            bytes_.assign(std::istreambuf_iterator<char>(file), {});
            if (file.bad())
                throw checkpoint_error("checkpoint " + path.string() + ": reading failed after " +
                                       std::to_string(bytes_.size()) + " bytes");

            constexpr std::size_t header = 8 + 4 + 4;
            if (bytes_.size() < header + 4)
                error_at(0, "a header of " + std::to_string(header + 4) + " bytes",
                         std::to_string(bytes_.size()) + " bytes in the whole file");
            if (std::memcmp(bytes_.data(), checkpoint_magic, 8) != 0)
                error_at(0, "the magic \"SSGANCKP\"", "other bytes (not an ssgan checkpoint)");
            const std::uint32_t version = read_u32(8);
            if (version != checkpoint_format_version)
                error_at(8, "format version " + std::to_string(checkpoint_format_version),
                         "version " + std::to_string(version));
            const std::uint32_t stored_crc = read_u32(bytes_.size() - 4);
            const std::uint32_t crc =
                checkpoint_writer::crc_of(std::span<const char>(bytes_).first(bytes_.size() - 4));
            if (stored_crc != crc)
                error_at(bytes_.size() - 4, "CRC-32 " + hex(crc),
                         hex(stored_crc) + " (the file is truncated or corrupt)");

            const std::uint32_t count = read_u32(12);
            std::size_t offset = header;
            const std::size_t end = bytes_.size() - 4;
            for (std::uint32_t index = 0; index < count; ++index)
            {
                const std::uint32_t name_length = read_u32_checked(offset, end);
                offset += 4;
                require(offset, std::size_t{name_length} + 9, end);
                std::string name(bytes_.data() + offset, name_length);
                offset += name_length;
                const auto kind = static_cast<record_kind>(bytes_[offset]);
                offset += 1;
                std::uint64_t elements = 0;
                std::memcpy(&elements, bytes_.data() + offset, 8);
                offset += 8;
                const std::size_t width = kind == record_kind::floats     ? 4
                                          : kind == record_kind::integers ? 8
                                          : kind == record_kind::text
                                              ? 1
                                              : (error_at(offset - 9, "a record kind 1, 2 or 3",
                                                          std::to_string(int(kind))),
                                                 0);
                if (elements > (end - offset) / width)
                    error_at(offset - 8, std::to_string(elements) + " elements to fit the file",
                             std::to_string(end - offset) + " bytes left");
                if (records_.contains(name))
                    error_at(offset - 13 - name_length, "record names that differ",
                             "a second record \"" + name + "\"");
                records_[name] = {kind, offset, static_cast<std::size_t>(elements)};
                offset += elements * width;
            }
            if (offset != end)
                error_at(offset, "the CRC-32 after record " + std::to_string(count),
                         std::to_string(end - offset) + " more bytes");
        }

        const std::filesystem::path& path() const { return path_; }

        bool has(const std::string& name) const { return records_.contains(name); }

        // Copies a float record into `into`, whose size must equal the record's.
        void read(const std::string& name, std::span<float> into) const
        {
            const auto& found = lookup(name, record_kind::floats);
            if (found.count != into.size())
                throw checkpoint_error("checkpoint " + path_.string() + ": record \"" + name +
                                       "\" holds " + std::to_string(found.count) +
                                       " floats, expected " + std::to_string(into.size()));
            copy_out(found, into.data());
        }

        std::vector<float> floats(const std::string& name) const
        {
            const auto& found = lookup(name, record_kind::floats);
            std::vector<float> values(found.count);
            copy_out(found, values.data());
            return values;
        }

        std::vector<std::uint64_t> integers(const std::string& name) const
        {
            const auto& found = lookup(name, record_kind::integers);
            std::vector<std::uint64_t> values(found.count);
            copy_out(found, values.data());
            return values;
        }

        std::string text(const std::string& name) const
        {
            const auto& found = lookup(name, record_kind::text);
            return std::string(bytes_.data() + found.offset, found.count);
        }

    private:
        struct record
        {
            record_kind kind;
            std::size_t offset;
            std::size_t count;
        };

        // An empty record's destination may be a null pointer, which memcpy must not get even
        // for zero bytes.
        template <class Value>
        void copy_out(const record& found, Value* into) const
        {
            if (found.count > 0)
                std::memcpy(into, bytes_.data() + found.offset, found.count * sizeof(Value));
        }

        const record& lookup(const std::string& name, record_kind kind) const
        {
            const auto found = records_.find(name);
            if (found == records_.end())
                throw checkpoint_error("checkpoint " + path_.string() + ": no record \"" + name +
                                       "\" (written by another program or model?)");
            if (found->second.kind != kind)
                throw checkpoint_error("checkpoint " + path_.string() + ": record \"" + name +
                                       "\" has another type than expected");
            return found->second;
        }

        std::uint32_t read_u32(std::size_t offset) const
        {
            std::uint32_t value = 0;
            std::memcpy(&value, bytes_.data() + offset, 4);
            return value;
        }

        std::uint32_t read_u32_checked(std::size_t offset, std::size_t end) const
        {
            require(offset, 4, end);
            return read_u32(offset);
        }

        void require(std::size_t offset, std::size_t length, std::size_t end) const
        {
            if (offset + length > end)
                error_at(offset, std::to_string(length) + " more bytes",
                         std::to_string(end - offset));
        }

        [[noreturn]] void error_at(std::size_t offset, const std::string& expected,
                                   const std::string& found) const
        {
            throw checkpoint_error("checkpoint " + path_.string() + " at byte " +
                                   std::to_string(offset) + ": expected " + expected + ", found " +
                                   found);
        }

        static std::string hex(std::uint32_t value)
        {
            char text[16];
            std::snprintf(text, sizeof text, "0x%08x", value);
            return text;
        }

        std::filesystem::path path_;
        std::vector<char> bytes_;
        std::map<std::string, record> records_;
    };
}
