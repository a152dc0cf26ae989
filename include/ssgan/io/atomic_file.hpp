// Writing a file so that readers see either the old content or the complete new one, never a
// half-written file: write to a hidden temporary name in the same directory, then rename it over
// the target (atomic within one POSIX file system).
#pragma once

#include "ssgan/core/error.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

namespace ssgan::io
{
    // Owns the temporary file until commit(); if commit() never happens (an exception on the
    // way), the destructor removes it and the target stays as it was.
    class atomic_file
    {
    public:
        explicit atomic_file(std::filesystem::path target) : target_(std::move(target))
        {
            const std::filesystem::path dir =
                target_.has_parent_path() ? target_.parent_path() : std::filesystem::path(".");
            std::error_code ec;
            if (!std::filesystem::is_directory(dir, ec))
            {
                throw error(target_.string() + ": cannot write, the directory " + dir.string() +
                            " does not exist");
            }
            static std::atomic<unsigned long> counter{0};

            // Hidden, so a glob such as samples/*.png never picks up a file being written.
            // Built with += : GCC 12 warns falsely (-Wrestrict) about "." + std::string at -O3.
            std::string name = ".";
            name += target_.filename().string();
            name += ".tmp-";
            name += std::to_string(::getpid());
            name += "-";
            name += std::to_string(counter++);
            temp_ = dir / name;
        }

        atomic_file(const atomic_file&) = delete;
        atomic_file& operator=(const atomic_file&) = delete;

        ~atomic_file()
        {
            if (!committed_)
            {
                std::error_code ec;
                std::filesystem::remove(temp_, ec);
            }
        }

        // Where to write the new content.
        const std::filesystem::path& temp_path() const { return temp_; }

        const std::filesystem::path& target() const { return target_; }

        // Replaces the target with the temporary file.
        void commit()
        {
            std::error_code ec;
            std::filesystem::rename(temp_, target_, ec);
            if (ec)
            {
                throw error(target_.string() + ": cannot move the finished file " + temp_.string() +
                            " into place: " + ec.message());
            }
            committed_ = true;
        }

    private:
        std::filesystem::path target_;
        std::filesystem::path temp_;
        bool committed_ = false;
    };
}
