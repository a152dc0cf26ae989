// Files for tests: a scratch folder removed with everything in it when the test ends, and a
// file's bytes, to compare a file before and after a fault.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

namespace ssgan::testing
{
    class scratch_folder
    {
    public:
        // A fresh folder in the temporary directory, named after `prefix` and the process.
        explicit scratch_folder(const std::string& prefix)
            : path_(std::filesystem::temp_directory_path() /
                    (prefix + "-" + std::to_string(::getpid())))
        {
            std::filesystem::remove_all(path_);
            std::filesystem::create_directories(path_);
        }

        scratch_folder(const scratch_folder&) = delete;
        scratch_folder& operator=(const scratch_folder&) = delete;

        ~scratch_folder()
        {
            std::error_code ignored;
            std::filesystem::remove_all(path_, ignored);
        }

        const std::filesystem::path& path() const { return path_; }

    private:
        std::filesystem::path path_;
    };

    inline std::vector<char> bytes_of(const std::filesystem::path& file)
    {
        std::ifstream in(file, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }
}
