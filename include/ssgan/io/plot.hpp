// Training curves as a PNG, drawn by gnuplot from a metrics CSV (see metrics.hpp): losses
// against the step in the upper panel, accuracies in the lower one, columns picked by their
// header names. gnuplot runs as a separate process; its messages go into the error thrown.
#pragma once

#include "ssgan/core/error.hpp"
#include "ssgan/io/atomic_file.hpp"
#include "ssgan/io/metrics.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace ssgan::io
{
    struct plot_options
    {
        std::string step_column = "step";
        std::vector<std::string> loss_columns;     // empty: every column whose name has "loss"
        std::vector<std::string> accuracy_columns; // empty: every column whose name has "acc"
        std::size_t width = 1000;
        std::size_t height = 800;
        std::string title;
        std::string gnuplot = "gnuplot"; // a name looked up on PATH, or a path
    };

    namespace detail
    {
        // Single quotes in gnuplot take everything literally except '' for a quote.
        inline std::string gnuplot_quote(std::string_view text)
        {
            std::string quoted = "'";
            for (const char c : text)
            {
                quoted += c == '\'' ? std::string("''") : std::string(1, c);
            }
            return quoted + "'";
        }

        inline std::string shell_quote(std::string_view text)
        {
            std::string quoted = "'";
            for (const char c : text)
            {
                quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
            }
            return quoted + "'";
        }

        inline bool is_executable(const std::filesystem::path& file)
        {
            std::error_code ec;
            return std::filesystem::is_regular_file(file, ec) && ::access(file.c_str(), X_OK) == 0;
        }

        inline std::string read_text(const std::filesystem::path& file, std::size_t limit)
        {
            std::ifstream in(file, std::ios::binary);
            std::string text(limit, '\0');
            in.read(text.data(), static_cast<std::streamsize>(limit));
            text.resize(static_cast<std::size_t>(in.gcount()));
            while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
            {
                text.pop_back();
            }
            return text;
        }

        // A scratch directory for gnuplot's script and messages, removed on every path.
        class scratch_dir
        {
        public:
            scratch_dir()
            {
                static std::atomic<unsigned long> counter{0};
                path_ =
                    std::filesystem::temp_directory_path() /
                    ("ssgan-plot-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
                std::filesystem::create_directories(path_);
            }
            ~scratch_dir()
            {
                std::error_code ec;
                std::filesystem::remove_all(path_, ec);
            }
            scratch_dir(const scratch_dir&) = delete;
            scratch_dir& operator=(const scratch_dir&) = delete;

            const std::filesystem::path& path() const { return path_; }

        private:
            std::filesystem::path path_;
        };

        struct metrics_table
        {
            std::vector<std::string> header;
            std::vector<bool> has_values; // per column: at least one number below the header
            std::size_t rows = 0;
        };

        inline metrics_table scan_metrics(const std::filesystem::path& csv)
        {
            const std::vector<std::string> lines = read_lines(csv);
            if (lines.empty() || lines.front().empty())
            {
                throw data_error(csv.string() + ": empty, expected a header row of column names");
            }
            metrics_table table;
            table.header = split_csv_line(lines.front());
            table.has_values.assign(table.header.size(), false);
            for (std::size_t i = 1; i < lines.size(); ++i)
            {
                const std::vector<std::string> fields = split_csv_line(lines[i]);
                if (fields.size() != table.header.size())
                {
                    continue; // blank, or cut short by a crash
                }
                ++table.rows;
                for (std::size_t c = 0; c < fields.size(); ++c)
                {
                    double value = 0;
                    const std::string& text = fields[c];
                    const auto result =
                        std::from_chars(text.data(), text.data() + text.size(), value);
                    if (!text.empty() && result.ec == std::errc())
                    {
                        table.has_values[c] = true;
                    }
                }
            }
            return table;
        }

        inline std::size_t column_index(const metrics_table& table,
                                        const std::filesystem::path& csv, const std::string& name)
        {
            for (std::size_t i = 0; i < table.header.size(); ++i)
            {
                if (table.header[i] == name)
                {
                    return i;
                }
            }
            throw data_error(csv.string() + ": line 1 (header): expected a column \"" + name +
                             "\", found " + join_columns(table.header));
        }

        // The requested columns, or those whose name contains `hint`; columns without a single
        // value yet (test accuracy before the first evaluation) are left out.
        inline std::vector<std::size_t> pick_columns(const metrics_table& table,
                                                     const std::filesystem::path& csv,
                                                     const std::vector<std::string>& requested,
                                                     std::string_view hint, std::size_t step)
        {
            std::vector<std::size_t> picked;
            if (!requested.empty())
            {
                for (const std::string& name : requested)
                {
                    picked.push_back(column_index(table, csv, name));
                }
            }
            else
            {
                for (std::size_t i = 0; i < table.header.size(); ++i)
                {
                    if (i != step && table.header[i].find(hint) != std::string::npos)
                    {
                        picked.push_back(i);
                    }
                }
            }
            std::erase_if(picked, [&](std::size_t i) { return !table.has_values[i]; });
            return picked;
        }

        inline void plot_panel(std::ostream& script, const std::filesystem::path& csv,
                               const metrics_table& table, std::size_t step,
                               const std::vector<std::size_t>& columns, std::string_view ylabel)
        {
            script << "set ylabel " << gnuplot_quote(ylabel) << "\n";
            script << "plot ";
            for (std::size_t i = 0; i < columns.size(); ++i)
            {
                script << (i == 0 ? "" : ", \\\n     ") << gnuplot_quote(csv.string()) << " using "
                       << step + 1 << ":" << columns[i] + 1 << " with lines lw 1.5 title "
                       << gnuplot_quote(table.header[columns[i]]);
            }
            script << "\n";
        }
    }

    // The gnuplot executable `name` stands for: itself if it contains a '/', else the first
    // match on PATH. Throws ssgan::error when there is none.
    inline std::filesystem::path find_gnuplot(const std::string& name = "gnuplot")
    {
        if (name.find('/') != std::string::npos)
        {
            if (detail::is_executable(name))
            {
                return name;
            }
            throw error("plot: gnuplot was expected at " + name +
                        ", found no executable there (Debian: apt-get install gnuplot-nox)");
        }
        const char* path = std::getenv("PATH");
        std::string_view dirs = path != nullptr ? path : "";
        while (!dirs.empty())
        {
            const std::size_t colon = dirs.find(':');
            const std::string_view dir = dirs.substr(0, colon);
            const std::filesystem::path candidate =
                std::filesystem::path(dir.empty() ? "." : std::string(dir)) / name;
            if (detail::is_executable(candidate))
            {
                return candidate;
            }
            dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
        }
        throw error("plot: " + name +
                    " was not found on PATH; curves.png needs gnuplot "
                    "(Debian: apt-get install gnuplot-nox)");
    }

    // Draws the curves of `csv` into `png` (replaced atomically). Throws data_error when the CSV
    // lacks a requested column or has nothing to plot, ssgan::error when gnuplot is missing or
    // fails (its message included).
    inline void plot_metrics(const std::filesystem::path& csv, const std::filesystem::path& png,
                             const plot_options& options = {})
    {
        const std::filesystem::path gnuplot = find_gnuplot(options.gnuplot);
        const detail::metrics_table table = detail::scan_metrics(csv);
        const std::size_t step = detail::column_index(table, csv, options.step_column);
        if (table.rows == 0)
        {
            throw data_error(csv.string() + ": no data rows below the header, nothing to plot");
        }
        const std::vector<std::size_t> losses =
            detail::pick_columns(table, csv, options.loss_columns, "loss", step);
        const std::vector<std::size_t> accuracies =
            detail::pick_columns(table, csv, options.accuracy_columns, "acc", step);
        if (losses.empty() && accuracies.empty())
        {
            throw data_error(csv.string() + ": no loss or accuracy column with values among " +
                             detail::join_columns(table.header));
        }

        const detail::scratch_dir scratch;
        atomic_file output(png);
        std::ostringstream script;

        // gnuplot-nox comes with pngcairo on Debian; a build without cairo still has png.
        script << "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
               << "    set terminal pngcairo size " << options.width << "," << options.height
               << " noenhanced font 'sans,10'\n"
               << "} else {\n"
               << "    set terminal png size " << options.width << "," << options.height
               << " noenhanced\n"
               << "}\n"
               << "set output " << detail::gnuplot_quote(output.temp_path().string()) << "\n"
               << "set datafile separator ','\n"
               << "set key autotitle columnhead\n"
               << "set grid\n"
               << "set key outside right top\n"
               << "set lmargin 10\n"
               << "set rmargin at screen 0.8\n"
               << "set xlabel " << detail::gnuplot_quote(table.header[step]) << "\n";

        const int panels = (losses.empty() ? 0 : 1) + (accuracies.empty() ? 0 : 1);
        script << "set multiplot layout " << panels << ",1";
        if (!options.title.empty())
        {
            script << " title " << detail::gnuplot_quote(options.title);
        }
        script << "\n";
        if (!losses.empty())
        {
            // Losses start orders of magnitude above where they settle (feature matching
            // begins in the hundreds), so a log scale keeps the later movement visible.
            script << "set logscale y\n";
            detail::plot_panel(script, csv, table, step, losses, "loss");
            script << "unset logscale y\n";
        }
        if (!accuracies.empty())
        {
            detail::plot_panel(script, csv, table, step, accuracies, "accuracy");
        }
        script << "unset multiplot\nset output\n";

        const std::filesystem::path script_file = scratch.path() / "curves.gp";
        const std::filesystem::path messages = scratch.path() / "gnuplot.log";
        {
            std::ofstream out(script_file, std::ios::binary);
            out << script.str();
            if (!out.flush())
            {
                throw error(script_file.string() + ": cannot write the gnuplot script");
            }
        }

        const std::string command = detail::shell_quote(gnuplot.string()) + " " +
                                    detail::shell_quote(script_file.string()) + " >" +
                                    detail::shell_quote(messages.string()) + " 2>&1";
        const int status = std::system(command.c_str());
        const bool exited = status != -1 && WIFEXITED(status);
        std::error_code ec;
        if (!exited || WEXITSTATUS(status) != 0 ||
            !std::filesystem::is_regular_file(output.temp_path(), ec) ||
            std::filesystem::file_size(output.temp_path(), ec) == 0)
        {
            const std::string how =
                !exited ? "did not run to completion"
                : WEXITSTATUS(status) != 0
                    ? "failed with exit status " + std::to_string(WEXITSTATUS(status))
                    : "exited normally but wrote no image";
            const std::string said = detail::read_text(messages, 2000);
            throw error("plot_metrics(" + csv.string() + " -> " + png.string() +
                        "): " + gnuplot.string() + " " + how +
                        (said.empty() ? std::string(", printing nothing") : ": " + said));
        }
        output.commit();
    }
}
