// Fuzz target: a CIFAR-10 binary batch through load_cifar10_files, and the same bytes as a
// batches.meta.txt through read_cifar10_class_names. Any exception other than ssgan::error,
// any crash and any sanitizer report is a finding.
#include "memory_file.hpp"

#include <ssgan/data/cifar10.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static ssgan_fuzz::memory_file file("cifar10");
    const auto& path = file.hold(data, size);
    try
    {
        const auto loaded = ssgan::data::load_cifar10_files({path});
        if (loaded.count * ssgan::data::cifar10_record_bytes != size)
            __builtin_trap();
    }
    catch (const ssgan::error&)
    {
    }
    try
    {
        const auto names = ssgan::data::read_cifar10_class_names(path);
        if (names.size() != ssgan::data::cifar10_classes)
            __builtin_trap();
    }
    catch (const ssgan::error&)
    {
    }
    return 0;
}
