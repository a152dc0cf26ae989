// Reader for the IDX files of MNIST and Fashion-MNIST, raw or gzip-compressed: images
// (magic 0x00000803, dimensions count x rows x cols) and labels (magic 0x00000801, count).
// Every size the header claims is checked against the file before memory is reserved for it.
#pragma once

#include "ssgan/core/error.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace ssgan::data
{
    struct idx_images
    {
        std::size_t count = 0;
        std::size_t rows = 0;
        std::size_t cols = 0;
        std::vector<std::uint8_t> pixels; // count * rows * cols bytes, image after image, row-major
    };

    namespace detail
    {
        inline constexpr std::uint32_t idx_images_magic = 0x00000803;
        inline constexpr std::uint32_t idx_labels_magic = 0x00000801;

        // Deflate cannot compress better than about 1032:1, so a gzip file of n bytes never
        // holds more than this many times n bytes; a header claiming more is lying.
        inline constexpr std::uint64_t deflate_max_ratio = 1032;

        // Large enough that zlib's per-call overhead vanishes, small enough that a header
        // claiming more than the stream delivers wastes at most this much memory.
        inline constexpr std::size_t idx_read_chunk = std::size_t{1} << 20;

        inline std::string hex32(std::uint32_t value)
        {
            constexpr char digits[] = "0123456789abcdef";
            std::string text = "0x00000000";
            for (std::size_t i = 0; i < 8; ++i)
            {
                text[9 - i] = digits[(value >> (4 * i)) & 0xf];
            }
            return text;
        }

        inline std::string describe_magic(std::uint32_t magic)
        {
            if (magic == idx_images_magic)
            {
                return hex32(magic) + " (an IDX images file)";
            }
            if (magic == idx_labels_magic)
            {
                return hex32(magic) + " (an IDX labels file)";
            }
            if ((magic >> 16) == 0x1f8b)
            {
                return hex32(magic) + " (gzip data inside the decompressed stream: gzipped twice?)";
            }
            return hex32(magic);
        }

        struct gz_closer
        {
            void operator()(gzFile file) const { gzclose(file); }
        };

        // One IDX file opened for sequential reading; `offset` counts decompressed bytes so that
        // messages point at the byte a hex dump of the raw file would show.
        class idx_stream
        {
        public:
            explicit idx_stream(const std::filesystem::path& path) : path_(path)
            {
                std::error_code ec;
                if (!std::filesystem::is_regular_file(path, ec))
                {
                    throw data_error(
                        name() +
                        ": missing or not a regular file (expected an IDX file, raw or .gz)");
                }
                file_size_ = std::filesystem::file_size(path, ec);
                if (ec)
                {
                    throw data_error(name() + ": cannot read its size: " + ec.message());
                }
                file_.reset(gzopen(path.string().c_str(), "rb"));
                if (!file_)
                {
                    throw data_error(name() + ": cannot open for reading");
                }
                gzbuffer(file_.get(), 128 * 1024);
                compressed_ = gzdirect(file_.get()) == 0;
            }

            std::string name() const { return path_.string(); }

            std::uint32_t read_u32(const char* field)
            {
                std::array<std::uint8_t, 4> bytes{};
                const std::uint64_t at = offset_;
                const std::size_t got = read_some(bytes);
                if (got != bytes.size())
                {
                    throw data_error(name() + ": " + where(at) + " (" + field +
                                     "): expected 4 bytes, found " + std::to_string(got) +
                                     " before the end of the file");
                }
                return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                       (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
            }

            void expect_magic(std::uint32_t expected, const char* what)
            {
                const std::uint32_t found = read_u32("magic number");
                if (found != expected)
                {
                    throw data_error(name() + ": bytes 0-3 (magic number): expected " +
                                     hex32(expected) + " (" + what + "), found " +
                                     describe_magic(found));
                }
            }

            std::size_t read_dimension(const char* field)
            {
                const std::uint64_t at = offset_;
                const std::uint32_t value = read_u32(field);
                if (value == 0)
                {
                    throw data_error(name() + ": " + where(at) + " (" + field +
                                     "): expected at least 1, found 0");
                }
                return value;
            }

            // Reads exactly `expected` bytes, which must be all that is left in the file.
            std::vector<std::uint8_t> read_payload(std::uint64_t expected, const std::string& claim)
            {
                if (!compressed_)
                {
                    check_raw_size(expected, claim);
                }
                else if (expected > file_size_ * deflate_max_ratio)
                {
                    throw data_error(name() + ": the header claims " + claim + " = " +
                                     std::to_string(expected) + " bytes, but a gzip file of " +
                                     std::to_string(file_size_) + " bytes holds at most " +
                                     std::to_string(file_size_ * deflate_max_ratio) +
                                     " (corrupt header?)");
                }

                // Growing chunk by chunk means memory follows the bytes that really arrive, so
                // a gzip header that lies costs at most one chunk beyond the true size.
                std::vector<std::uint8_t> payload;
                const std::uint64_t start = offset_;
                while (payload.size() < expected)
                {
                    const std::size_t have = payload.size();
                    const std::size_t want = static_cast<std::size_t>(
                        std::min<std::uint64_t>(idx_read_chunk, expected - have));
                    payload.resize(have + want);
                    const std::size_t got = read_some(std::span(payload).subspan(have, want));
                    if (got < want)
                    {
                        throw data_error(name() + ": truncated: the header claims " + claim +
                                         " = " + std::to_string(expected) +
                                         " bytes of data after byte " + std::to_string(start) +
                                         ", the " + (compressed_ ? "decompressed " : "") +
                                         "file holds only " + std::to_string(have + got) +
                                         stream_note());
                    }
                }

                std::array<std::uint8_t, 1> extra{};
                if (read_some(extra) != 0)
                {
                    throw data_error(
                        name() + ": the header claims " + claim + " = " + std::to_string(expected) +
                        " bytes of data after byte " + std::to_string(start) + ", but the " +
                        (compressed_ ? "decompressed " : "") + "file goes on past byte " +
                        std::to_string(offset_ - 1) + " (expected its end)");
                }
                return payload;
            }

        private:
            std::string where(std::uint64_t at) const
            {
                return std::string(compressed_ ? "decompressed " : "") + "bytes " +
                       std::to_string(at) + "-" + std::to_string(at + 3);
            }

            std::string stream_note() const
            {
                int code = Z_OK;
                const char* message = gzerror(file_.get(), &code);
                if (code == Z_OK || message == nullptr || *message == '\0')
                {
                    return {};
                }

                // zlib puts the file name in front, which the message already starts with.
                std::string reason = message;
                const std::string prefix = name() + ": ";
                if (reason.starts_with(prefix))
                {
                    reason.erase(0, prefix.size());
                }
                return " (zlib: " + reason + ")";
            }

            void check_raw_size(std::uint64_t expected, const std::string& claim) const
            {
                const std::uint64_t left = file_size_ - std::min(file_size_, offset_);
                if (left != expected)
                {
                    throw data_error(
                        name() + ": the header claims " + claim + " = " + std::to_string(expected) +
                        " bytes of data after byte " + std::to_string(offset_) +
                        ", the file holds " + std::to_string(left) +
                        (left < expected ? " (truncated)" : " (extra bytes at the end)"));
                }
            }

            std::size_t read_some(std::span<std::uint8_t> out)
            {
                std::size_t total = 0;
                while (total < out.size())
                {
                    const auto want = static_cast<unsigned>(
                        std::min<std::size_t>(out.size() - total, idx_read_chunk));
                    const int got = gzread(file_.get(), out.data() + total, want);
                    if (got < 0)
                    {
                        throw data_error(name() +
                                         (compressed_ ? ": corrupt gzip stream, reading failed at "
                                                        "decompressed byte "
                                                      : ": reading failed at byte ") +
                                         std::to_string(offset_ + total) + stream_note());
                    }
                    if (got == 0)
                    {
                        break;
                    }
                    total += static_cast<std::size_t>(got);
                }
                offset_ += total;

                // A gzip stream cut short reads as a short count; zlib's reason goes in the
                // message the caller throws.
                return total;
            }

            std::filesystem::path path_;
            std::unique_ptr<gzFile_s, gz_closer> file_;
            std::uint64_t file_size_ = 0;
            std::uint64_t offset_ = 0;
            bool compressed_ = false;
        };

        inline std::uint64_t checked_product(std::span<const std::size_t> factors,
                                             const std::string& file, const std::string& claim)
        {
            std::uint64_t product = 1;
            for (const std::size_t factor : factors)
            {
                if (product > std::numeric_limits<std::uint64_t>::max() / factor)
                {
                    throw data_error(file + ": the header claims " + claim +
                                     ", more than 2^64 bytes (corrupt header?)");
                }
                product *= factor;
            }
            if (product > std::numeric_limits<std::size_t>::max())
            {
                throw data_error(file + ": the header claims " + claim +
                                 ", more bytes than this machine can address");
            }
            return product;
        }
    }

    // Reads an IDX images file (unsigned bytes, 3 dimensions); gzip is detected from the content,
    // not from the name. Throws data_error naming the file, the byte offset or field, what was
    // expected and what was found.
    inline idx_images read_idx_images(const std::filesystem::path& file)
    {
        detail::idx_stream in(file);
        in.expect_magic(detail::idx_images_magic, "images: unsigned bytes, 3 dimensions");

        idx_images images;
        images.count = in.read_dimension("image count");
        images.rows = in.read_dimension("rows per image");
        images.cols = in.read_dimension("columns per image");

        const std::string claim = std::to_string(images.count) + " images x " +
                                  std::to_string(images.rows) + " rows x " +
                                  std::to_string(images.cols) + " columns";
        const std::array<std::size_t, 3> dims{images.count, images.rows, images.cols};
        const std::uint64_t bytes = detail::checked_product(dims, in.name(), claim);
        images.pixels = in.read_payload(bytes, claim);
        return images;
    }

    // Reads an IDX labels file (unsigned bytes, 1 dimension). With num_classes, every label must
    // lie in 0 .. num_classes - 1.
    inline std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& file,
                                                     std::optional<std::size_t> num_classes = {})
    {
        if (num_classes && *num_classes == 0)
        {
            throw config_error("read_idx_labels: num_classes must be at least 1, found 0");
        }

        detail::idx_stream in(file);
        in.expect_magic(detail::idx_labels_magic, "labels: unsigned bytes, 1 dimension");

        const std::size_t count = in.read_dimension("label count");
        std::vector<std::uint8_t> labels =
            in.read_payload(count, std::to_string(count) + " labels");

        if (num_classes)
        {
            const auto bad =
                std::find_if(labels.begin(), labels.end(),
                             [&](std::uint8_t label) { return label >= *num_classes; });
            if (bad != labels.end())
            {
                const auto index = static_cast<std::size_t>(bad - labels.begin());
                throw data_error(in.name() + ": label " + std::to_string(index) + " (byte " +
                                 std::to_string(8 + index) + "): expected 0.." +
                                 std::to_string(*num_classes - 1) + ", found " +
                                 std::to_string(*bad));
            }
        }
        return labels;
    }
}
