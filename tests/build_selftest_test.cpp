// The test environment every suite relies on: SSGAN_SHARED_DATA names the shared data
// directory, its MNIST files are all there, and a test runs in an empty directory of its own.
#define BOOST_TEST_MODULE build_selftest
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace
{
    fs::path shared_data()
    {
        const char* value = std::getenv("SSGAN_SHARED_DATA");
        return value == nullptr ? fs::path{} : fs::path{value};
    }
}

BOOST_AUTO_TEST_CASE(shared_data_is_an_absolute_directory)
{
    const fs::path data = shared_data();

    BOOST_TEST_REQUIRE(!data.empty(), "SSGAN_SHARED_DATA is not set");
    BOOST_TEST(data.is_absolute(), data << " is not absolute");
    BOOST_TEST(fs::is_directory(data), data << " is not a directory");
}

BOOST_AUTO_TEST_CASE(every_mnist_file_in_sha256sums_is_present)
{
    const fs::path mnist = shared_data() / "mnist";
    const fs::path sums_path = mnist / "SHA256SUMS";
    std::ifstream sums{sums_path};
    BOOST_TEST_REQUIRE(sums.is_open(), sums_path << " cannot be opened");

    int files = 0;
    std::string line;
    while (std::getline(sums, line))
    {
        std::istringstream fields{line};
        std::string digest;
        std::string name;
        fields >> digest >> name;

        BOOST_TEST(digest.size() == 64u, "a SHA-256 digest has 64 hex digits: " << line);
        BOOST_TEST(fs::is_regular_file(mnist / name), mnist / name << " is missing");
        ++files;
    }
    BOOST_TEST(files == 4, "MNIST has 4 files (train and test, images and labels)");
}

BOOST_AUTO_TEST_CASE(working_directory_is_an_empty_scratch_directory_of_its_own)
{
    const fs::path scratch = fs::current_path();
    BOOST_TEST(scratch.filename() == "build_selftest_test", scratch << " is not the test's own");
    BOOST_TEST(fs::is_empty(scratch), scratch << " holds files from an earlier run");

    const fs::path probe = scratch / "build_selftest.probe";

    std::ofstream{probe} << "written\n";
    BOOST_TEST(fs::file_size(probe) == 8u);

    fs::remove(probe);
}
