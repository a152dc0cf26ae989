// Fuzz target: an IDX file (raw or gzip) through read_idx_images and read_idx_labels. Any
// exception other than ssgan::error, any crash and any sanitizer report is a finding.
#include "memory_file.hpp"

#include <ssgan/data/idx.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static ssgan_fuzz::memory_file file("idx");
    const auto& path = file.hold(data, size);
    try
    {
        const auto images = ssgan::data::read_idx_images(path);
        if (images.pixels.size() != images.count * images.rows * images.cols)
            __builtin_trap();
    }
    catch (const ssgan::error&)
    {
    }
    try
    {
        const auto labels = ssgan::data::read_idx_labels(path, 10);
        for (const std::uint8_t label : labels)
            if (label >= 10)
                __builtin_trap();
    }
    catch (const ssgan::error&)
    {
    }
    return 0;
}
