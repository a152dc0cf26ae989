// A file that lives in memory (memfd_create) and has a path (/proc/self/fd/<n>), so a fuzz
// target can hand each input to the library's path-based readers without touching the disk
// and without the library growing a second, buffer-based API just for fuzzing.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace ssgan_fuzz
{
    class memory_file
    {
    public:
        explicit memory_file(const char* name) : fd_(::memfd_create(name, 0))
        {
            if (fd_ < 0)
            {
                std::perror("memfd_create");
                std::abort();
            }
            path_ = "/proc/self/fd/" + std::to_string(fd_);
        }

        memory_file(const memory_file&) = delete;
        memory_file& operator=(const memory_file&) = delete;
        ~memory_file() { ::close(fd_); }

        // Replaces the content with `size` bytes at `data`.
        const std::filesystem::path& hold(const std::uint8_t* data, std::size_t size)
        {
            if (::ftruncate(fd_, 0) != 0 ||
                (size > 0 && ::pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size)))
            {
                std::perror("memory_file");
                std::abort();
            }
            return path_;
        }

        const std::filesystem::path& path() const { return path_; }

    private:
        int fd_;
        std::filesystem::path path_;
    };
}
