// Fuzz target: an SVHN format-2 .mat file (MAT v5, compressed or not) through load_svhn_file,
// that is through matio. Any exception other than ssgan::error, any crash and any sanitizer
// report is a finding; one inside matio itself is matio's (see docs/robustness.md).
#include "memory_file.hpp"

#include <ssgan/data/svhn.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static ssgan_fuzz::memory_file file("svhn");
    const auto& path = file.hold(data, size);
    try
    {
        const auto loaded = ssgan::data::load_svhn_file(path);
        if (loaded.labels.size() != loaded.count || loaded.count == 0)
            __builtin_trap();
    }
    catch (const ssgan::error&)
    {
    }
    return 0;
}
