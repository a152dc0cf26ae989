// Fuzz target: the data.hdf5 of SSGAN-Tensorflow's layout through hdf5_layout_file, that is
// through the HDF5 library: the examples "0" and "1" with a 10-class label. Any exception other
// than ssgan::error, any crash and any sanitizer report is a finding; one inside libhdf5 itself
// is the HDF5 library's (see docs/robustness.md).
#include "memory_file.hpp"

#include <ssgan/data/hdf5_layout.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static ssgan_fuzz::memory_file file("hdf5");
    const auto& path = file.hold(data, size);
    try
    {
        const ssgan::data::hdf5_layout_file layout(path);
        for (const char* id : {"0", "1"})
        {
            try
            {
                const auto example = layout.read(id, 10);
                if (example.label < 0 || example.label >= 10)
                    __builtin_trap();
            }
            catch (const ssgan::data_error&)
            {
            }
        }
    }
    catch (const ssgan::error&)
    {
    }
    return 0;
}
