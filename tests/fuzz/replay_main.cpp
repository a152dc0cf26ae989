// Runs a fuzz target once over each file given, and over every file inside each folder given,
// without libFuzzer: how the seed corpus and every input that once crashed a target stay
// regression tests in the ordinary (GCC, release or asan) test suite.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace
{
    void replay(const std::filesystem::path& file)
    {
        std::ifstream in(file, std::ios::binary);
        const std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    }
}

int main(int argc, char** argv)
{
    std::size_t inputs = 0;
    for (int i = 1; i < argc; ++i)
    {
        const std::filesystem::path given = argv[i];
        if (!std::filesystem::is_directory(given))
        {
            replay(given);
            ++inputs;
            continue;
        }
        for (const auto& entry : std::filesystem::recursive_directory_iterator(given))
        {
            if (entry.is_regular_file())
            {
                replay(entry.path());
                ++inputs;
            }
        }
    }
    if (inputs == 0)
    {
        std::cerr << "replay: no input files found\n";
        return 1;
    }
    std::cout << "replay: " << inputs << " inputs, no finding\n";
    return 0;
}
