#define BOOST_TEST_MODULE io_plot
#include <boost/test/unit_test.hpp>

#include "ssgan/io/metrics.hpp"
#include "ssgan/io/plot.hpp"
#include "ssgan/io/png.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace ssgan;

namespace
{
    class temp_dir
    {
    public:
        temp_dir()
        {
            const auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
            path_ = fs::temp_directory_path() /
                    ("ssgan-io-plot-" + std::to_string(getpid()) + "-" + std::to_string(tick));
            fs::create_directories(path_);
        }
        ~temp_dir()
        {
            std::error_code ec;
            fs::remove_all(path_, ec);
        }
        temp_dir(const temp_dir&) = delete;
        temp_dir& operator=(const temp_dir&) = delete;

        const fs::path& path() const { return path_; }

    private:
        fs::path path_;
    };

    // Curves shaped like a real run: losses falling, test accuracy measured every fifth row.
    fs::path write_metrics(const fs::path& dir)
    {
        const fs::path file = dir / "metrics.csv";
        io::metrics_log log(file, {"step", "s_loss", "d_loss_real", "d_loss_fake", "d_loss",
                                   "g_loss", "train_accuracy", "test_accuracy", "images_per_s"});
        for (int i = 0; i <= 40; ++i)
        {
            const double step = 100.0 * i;
            const double decay = std::exp(-i / 10.0);
            log.write({step, 2.3 * decay, 0.7 * decay + 0.1, 0.6 * decay + 0.1, 1.3 * decay + 0.2,
                       1.0 + 0.5 * std::sin(i / 3.0), 1.0 - 0.9 * decay,
                       i % 5 == 0 ? 0.98 - 0.88 * decay : io::metrics_log::missing, 5000.0});
        }
        return file;
    }

    void keep_for_viewing(const fs::path& file)
    {
        if (const char* dir = std::getenv("SSGAN_TEST_OUTPUT"))
        {
            fs::create_directories(dir);
            fs::copy_file(file, fs::path(dir) / file.filename(),
                          fs::copy_options::overwrite_existing);
        }
    }

    std::vector<unsigned char> first_bytes(const fs::path& file, std::size_t count)
    {
        std::ifstream in(file, std::ios::binary);
        std::vector<unsigned char> bytes(count);
        in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(count));
        return bytes;
    }

    template <class Error, class Call>
    void expect_error(Call call, const std::string& fragment)
    {
        try
        {
            call();
            BOOST_ERROR("expected an exception, nothing was thrown");
        }
        catch (const Error& e)
        {
            BOOST_TEST_MESSAGE("error: " << e.what());
            BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos,
                       "message \"" << e.what() << "\" lacks \"" << fragment << "\"");
        }
    }
}

BOOST_AUTO_TEST_CASE(curves_of_a_metrics_file_become_a_png)
{
    const temp_dir dir;
    const fs::path csv = write_metrics(dir.path());
    const fs::path png = dir.path() / "curves.png";
    io::plot_options options;
    options.title = "ssgan mnist, 100 labels";
    io::plot_metrics(csv, png, options);

    BOOST_REQUIRE(fs::exists(png));
    BOOST_TEST(fs::file_size(png) > 1000u);
    BOOST_TEST(first_bytes(png, 8) ==
                   (std::vector<unsigned char>{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a}),
               boost::test_tools::per_element());
    const io::image picture = io::read_png(png);
    BOOST_TEST(picture.width == 1000u);
    BOOST_TEST(picture.height == 800u);
    keep_for_viewing(png);
}

BOOST_AUTO_TEST_CASE(chosen_columns_and_a_single_panel_work)
{
    const temp_dir dir;
    const fs::path csv = write_metrics(dir.path());
    const fs::path png = dir.path() / "losses.png";
    io::plot_options options;
    options.loss_columns = {"d_loss", "g_loss"};
    options.accuracy_columns = {"test_accuracy"};
    options.width = 640;
    options.height = 480;
    io::plot_metrics(csv, png, options);
    BOOST_TEST(io::read_png(png).width == 640u);
}

BOOST_AUTO_TEST_CASE(a_column_without_values_yet_is_left_out)
{
    // Before the first evaluation the test accuracy column is empty; the plot still works.
    const temp_dir dir;
    const fs::path csv = dir.path() / "early.csv";
    {
        io::metrics_log log(csv, {"step", "d_loss", "test_accuracy"});
        log.write({0, 1.5, io::metrics_log::missing});
        log.write({10, 1.2, io::metrics_log::missing});
    }
    io::plot_metrics(csv, dir.path() / "early.png");
    BOOST_TEST(fs::file_size(dir.path() / "early.png") > 0u);
}

BOOST_AUTO_TEST_CASE(missing_columns_and_empty_files_are_named)
{
    const temp_dir dir;
    const fs::path csv = write_metrics(dir.path());
    io::plot_options options;
    options.loss_columns = {"generator_loss"};
    expect_error<data_error>([&] { io::plot_metrics(csv, dir.path() / "x.png", options); },
                             "expected a column \"generator_loss\"");

    const fs::path header_only = dir.path() / "header_only.csv";
    {
        io::metrics_log log(header_only, {"step", "d_loss"});
    }
    expect_error<data_error>([&] { io::plot_metrics(header_only, dir.path() / "y.png"); },
                             "no data rows");
    BOOST_TEST(!fs::exists(dir.path() / "x.png"));
    BOOST_TEST(!fs::exists(dir.path() / "y.png"));
}

BOOST_AUTO_TEST_CASE(a_missing_gnuplot_is_reported_clearly)
{
    const temp_dir dir;
    const fs::path csv = write_metrics(dir.path());
    io::plot_options options;
    options.gnuplot = "ssgan-no-such-gnuplot";
    expect_error<ssgan::error>([&] { io::plot_metrics(csv, dir.path() / "z.png", options); },
                               "gnuplot-nox");
    options.gnuplot = "/nonexistent/gnuplot";
    expect_error<ssgan::error>([&] { io::plot_metrics(csv, dir.path() / "z.png", options); },
                               "/nonexistent/gnuplot");
}

BOOST_AUTO_TEST_CASE(a_failing_gnuplot_passes_its_message_on)
{
    // `false` stands in for a gnuplot that fails: the error must say so and leave no PNG.
    const temp_dir dir;
    const fs::path csv = write_metrics(dir.path());
    io::plot_options options;
    options.gnuplot = "false";
    expect_error<ssgan::error>([&] { io::plot_metrics(csv, dir.path() / "f.png", options); },
                               "failed with exit status 1");
    BOOST_TEST(!fs::exists(dir.path() / "f.png"));

    const fs::path fake = dir.path() / "fake-gnuplot";
    std::ofstream(fake) << "#!/bin/sh\necho 'line 3: unknown terminal type' >&2\nexit 1\n";
    fs::permissions(fake, fs::perms::owner_all);
    options.gnuplot = fake.string();
    expect_error<ssgan::error>([&] { io::plot_metrics(csv, dir.path() / "f.png", options); },
                               "line 3: unknown terminal type");
}
