#define BOOST_TEST_MODULE io_metrics
#include <boost/test/unit_test.hpp>

#include "ssgan/io/metrics.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
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
                    ("ssgan-io-metrics-" + std::to_string(getpid()) + "-" + std::to_string(tick));
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

    std::string contents(const fs::path& file)
    {
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

    const std::vector<std::string> columns{"step", "d_loss", "g_loss", "test_accuracy"};
}

BOOST_AUTO_TEST_CASE(rows_are_on_disk_as_soon_as_they_are_written)
{
    const temp_dir dir;
    const fs::path file = dir.path() / "metrics.csv";
    io::metrics_log log(file, columns);
    log.write({100, 0.6931471805599453, 1.25, io::metrics_log::missing});
    BOOST_TEST(contents(file) ==
               "step,d_loss,g_loss,test_accuracy\n100,0.6931471805599453,1.25,\n");

    log.write({200, 0.5, 2e-7, 0.9871});
    BOOST_TEST(contents(file) == "step,d_loss,g_loss,test_accuracy\n"
                                 "100,0.6931471805599453,1.25,\n"
                                 "200,0.5,2e-07,0.9871\n");
}

BOOST_AUTO_TEST_CASE(create_mode_starts_over_and_append_mode_continues)
{
    const temp_dir dir;
    const fs::path file = dir.path() / "metrics.csv";
    {
        io::metrics_log log(file, columns);
        log.write({1, 2, 3, 4});
    }
    {
        io::metrics_log log(file, columns, io::log_mode::append);
        log.write({5, 6, 7, 8});
    }
    BOOST_TEST(contents(file) == "step,d_loss,g_loss,test_accuracy\n1,2,3,4\n5,6,7,8\n");

    {
        io::metrics_log log(file, columns, io::log_mode::create);
        log.write({9, 9, 9, 9});
    }
    BOOST_TEST(contents(file) == "step,d_loss,g_loss,test_accuracy\n9,9,9,9\n");

    const fs::path fresh = dir.path() / "fresh.csv";
    io::metrics_log log(fresh, columns, io::log_mode::append);
    BOOST_TEST(contents(fresh) == "step,d_loss,g_loss,test_accuracy\n");
}

BOOST_AUTO_TEST_CASE(append_mode_refuses_a_file_with_other_columns)
{
    const temp_dir dir;
    const fs::path file = dir.path() / "metrics.csv";
    {
        io::metrics_log log(file, {"step", "loss"});
    }
    try
    {
        io::metrics_log log(file, columns, io::log_mode::append);
        BOOST_ERROR("expected data_error");
    }
    catch (const data_error& e)
    {
        const std::string message = e.what();
        BOOST_TEST(message.find(file.string()) != std::string::npos);
        BOOST_TEST(message.find("line 1 (header)") != std::string::npos);
        BOOST_TEST(message.find("found \"step,loss\"") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(append_mode_drops_a_row_cut_short_by_a_crash)
{
    const temp_dir dir;
    const fs::path file = dir.path() / "metrics.csv";
    std::ofstream(file, std::ios::binary) << "step,d_loss,g_loss,test_accuracy\n1,2,3,4\n5,6";
    {
        io::metrics_log log(file, columns, io::log_mode::append);
        log.write({5, 6, 7, 8});
    }
    BOOST_TEST(contents(file) == "step,d_loss,g_loss,test_accuracy\n1,2,3,4\n5,6,7,8\n");
}

BOOST_AUTO_TEST_CASE(rows_after_a_resumed_step_can_be_dropped)
{
    const temp_dir dir;
    const fs::path file = dir.path() / "metrics.csv";
    {
        io::metrics_log log(file, columns);
        for (double step : {100.0, 200.0, 300.0, 400.0})
        {
            log.write({step, 1, 2, io::metrics_log::missing});
        }
    }
    io::drop_metrics_rows_after(file, "step", 200);
    BOOST_TEST(contents(file) == "step,d_loss,g_loss,test_accuracy\n100,1,2,\n200,1,2,\n");
    BOOST_CHECK_THROW(io::drop_metrics_rows_after(file, "epoch", 1), data_error);
}

BOOST_AUTO_TEST_CASE(wrong_rows_and_column_names_are_refused)
{
    const temp_dir dir;
    io::metrics_log log(dir.path() / "m.csv", columns);
    BOOST_CHECK_THROW(log.write({1, 2}), config_error);
    BOOST_CHECK_THROW(io::metrics_log(dir.path() / "n.csv", {"step", "a,b"}), config_error);
    BOOST_CHECK_THROW(io::metrics_log(dir.path() / "o.csv", {}), config_error);
}
