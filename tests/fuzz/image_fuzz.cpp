// Fuzz target: one image file of an image-folder dataset through read_image_file (stb_image:
// PNG, JPEG, and the other formats it knows) and append_fitted (channel conversion and
// resizing to 32 x 32 x 3, and to 28 x 28 x 1 without resizing). Any exception other than
// ssgan::error, any crash and any sanitizer report is a finding.
#include "memory_file.hpp"

#include <ssgan/data/image_file.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static ssgan_fuzz::memory_file file("image");
    const auto& path = file.hold(data, size);
    try
    {
        const auto image = ssgan::data::read_image_file(path);
        // Large images are legal but make each run slow; the resizer is what is fuzzed here.
        if (image.height * image.width > 512 * 512)
            return 0;
        std::vector<std::uint8_t> out;
        ssgan::data::append_fitted(image, {3, 32, 32, false}, "fuzz", out);
        if (out.size() != 3 * 32 * 32)
            __builtin_trap();
        ssgan::data::append_fitted(image, {1, 28, 28, true}, "fuzz", out);
    }
    catch (const ssgan::error&)
    {
    }
    return 0;
}
