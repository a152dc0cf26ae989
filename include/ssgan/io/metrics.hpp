// The metrics log of a training run: a CSV file with a header row of column names chosen by
// the caller and one row of numbers per call, flushed at once so that a crash loses nothing and
// plots can be drawn while the run goes on. A resumed run appends to the same file.
#pragma once

#include "ssgan/core/error.hpp"
#include "ssgan/io/atomic_file.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace ssgan::io
{
    enum class log_mode
    {
        create, // start a new file, replacing any old one
        append, // continue an existing file whose header matches; create it if absent
    };

    namespace detail
    {
        inline std::string join_columns(const std::vector<std::string>& columns)
        {
            std::string line;
            for (std::size_t i = 0; i < columns.size(); ++i)
            {
                line += (i == 0 ? "" : ",") + columns[i];
            }
            return line;
        }

        inline std::vector<std::string> split_csv_line(std::string_view line)
        {
            std::vector<std::string> fields;
            std::size_t start = 0;
            for (;;)
            {
                const std::size_t comma = line.find(',', start);
                fields.emplace_back(line.substr(start, comma - start));
                if (comma == std::string_view::npos)
                {
                    return fields;
                }
                start = comma + 1;
            }
        }

        // The shortest text that reads back as the same double: steps stay integers ("1200"),
        // losses keep every digit that matters.
        inline void append_number(std::string& line, double value)
        {
            std::array<char, 32> buffer{};
            const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
            line.append(buffer.data(), result.ptr);
        }

        inline std::vector<std::string> read_lines(const std::filesystem::path& file)
        {
            std::ifstream in(file, std::ios::binary);
            if (!in)
            {
                throw data_error(file.string() + ": cannot open for reading");
            }
            std::vector<std::string> lines;
            std::string line;
            while (std::getline(in, line))
            {
                if (!line.empty() && line.back() == '\r')
                {
                    line.pop_back();
                }
                lines.push_back(line);
            }
            return lines;
        }
    }

    class metrics_log
    {
    public:
        // Written as an empty field: gnuplot and spreadsheets read it as "not measured".
        static constexpr double missing = std::numeric_limits<double>::quiet_NaN();

        // Opens `file` with the given header. In append mode an existing file must have the
        // same header (data_error otherwise), and a last row cut short by a crash is removed.
        metrics_log(std::filesystem::path file, std::vector<std::string> columns,
                    log_mode mode = log_mode::create)
            : file_(std::move(file)), columns_(std::move(columns))
        {
            check_columns();
            const std::string header = detail::join_columns(columns_);

            std::error_code ec;
            const bool exists = std::filesystem::exists(file_, ec);
            const bool resume =
                mode == log_mode::append && exists && std::filesystem::file_size(file_, ec) > 0;
            if (resume)
            {
                check_header_and_trim(header);
                out_.open(file_, std::ios::binary | std::ios::app);
            }
            else
            {
                out_.open(file_, std::ios::binary | std::ios::trunc);
                out_ << header << '\n';
                out_.flush();
            }
            if (!out_)
            {
                throw error(file_.string() + ": cannot open the metrics log for writing");
            }
        }

        // Appends one row, one value per column in header order; NaN (for instance `missing`)
        // becomes an empty field.
        void write(std::span<const double> values)
        {
            if (values.size() != columns_.size())
            {
                throw config_error("metrics_log::write(" + file_.string() +
                                   "): " + std::to_string(values.size()) + " values for " +
                                   std::to_string(columns_.size()) + " columns (" +
                                   detail::join_columns(columns_) + ")");
            }
            std::string line;
            for (std::size_t i = 0; i < values.size(); ++i)
            {
                if (i > 0)
                {
                    line += ',';
                }
                if (!std::isnan(values[i]))
                {
                    detail::append_number(line, values[i]);
                }
            }
            line += '\n';
            out_.write(line.data(), static_cast<std::streamsize>(line.size()));
            out_.flush();
            if (!out_)
            {
                throw error(file_.string() + ": cannot append to the metrics log");
            }
        }

        void write(std::initializer_list<double> values)
        {
            write(std::span<const double>(values.begin(), values.size()));
        }

        const std::filesystem::path& file() const { return file_; }
        const std::vector<std::string>& columns() const { return columns_; }

    private:
        void check_columns() const
        {
            if (columns_.empty())
            {
                throw config_error("metrics_log(" + file_.string() + "): no columns");
            }
            for (const std::string& column : columns_)
            {
                if (column.empty() || column.find_first_of(",\"\r\n") != std::string::npos)
                {
                    throw config_error("metrics_log(" + file_.string() + "): column name \"" +
                                       column +
                                       "\" must be non-empty and free of commas, quotes and "
                                       "line breaks");
                }
            }
        }

        void check_header_and_trim(const std::string& header)
        {
            std::ifstream in(file_, std::ios::binary);
            std::string first;
            std::getline(in, first);
            if (!first.empty() && first.back() == '\r')
            {
                first.pop_back();
            }
            if (first != header)
            {
                throw data_error(file_.string() + ": line 1 (header): expected \"" + header +
                                 "\", found \"" + first +
                                 "\"; resume with the same columns or "
                                 "start a new log");
            }

            // A row without its line break was cut short by a crash; drop it so that the next
            // row does not continue it.
            in.clear();
            in.seekg(0, std::ios::end);
            const auto size = static_cast<std::uintmax_t>(in.tellg());
            std::string text(size, '\0');
            in.seekg(0);
            in.read(text.data(), static_cast<std::streamsize>(size));
            if (!text.empty() && text.back() != '\n')
            {
                const std::size_t keep = text.rfind('\n') + 1;
                in.close();
                std::filesystem::resize_file(file_, keep);
            }
        }

        std::filesystem::path file_;
        std::vector<std::string> columns_;
        std::ofstream out_;
    };

    // Removes the rows whose `column` value is greater than `last`, for instance the steps a
    // crashed run logged after the checkpoint it resumes from. The file is replaced atomically.
    inline void drop_metrics_rows_after(const std::filesystem::path& file, std::string_view column,
                                        double last)
    {
        const std::vector<std::string> lines = detail::read_lines(file);
        if (lines.empty())
        {
            throw data_error(file.string() + ": empty, expected a header row");
        }
        const std::vector<std::string> header = detail::split_csv_line(lines.front());
        std::size_t index = header.size();
        for (std::size_t i = 0; i < header.size(); ++i)
        {
            if (header[i] == column)
            {
                index = i;
            }
        }
        if (index == header.size())
        {
            throw data_error(file.string() + ": line 1 (header): expected a column \"" +
                             std::string(column) + "\", found \"" + lines.front() + "\"");
        }

        std::string kept = lines.front() + '\n';
        for (std::size_t i = 1; i < lines.size(); ++i)
        {
            const std::vector<std::string> fields = detail::split_csv_line(lines[i]);
            if (fields.size() != header.size())
            {
                continue; // a row cut short by a crash
            }
            double value = 0;
            const std::string& text = fields[index];
            const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
            if (result.ec == std::errc() && value > last)
            {
                continue;
            }
            kept += lines[i] + '\n';
        }

        atomic_file output(file);
        {
            std::ofstream out(output.temp_path(), std::ios::binary | std::ios::trunc);
            out.write(kept.data(), static_cast<std::streamsize>(kept.size()));
            out.flush();
            if (!out)
            {
                throw error(file.string() + ": cannot rewrite the metrics log");
            }
        }
        output.commit();
    }
}
