// Fuzz target: a checkpoint through checkpoint_reader and load_network. The input's last four
// bytes are replaced by the CRC-32 of the rest first, so mutations reach the record parser
// instead of stopping at the checksum (tests/io_checkpoint_test.cpp covers the checksum).
// Any exception other than ssgan::error, any crash and any sanitizer report is a finding.
#include "memory_file.hpp"

#include <ssgan/io/checkpoint.hpp>
#include <ssgan/io/network_io.hpp>
#include <ssgan/layers/dense.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace
{
    // The network of the seed checkpoints (tests/fuzz/corpus/checkpoint); no activation layer,
    // whose float template parameter with a default clang 14 cannot compile.
    using small_network = ssgan::network<ssgan::input<4>, ssgan::dense<3>, ssgan::dense<2>>;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static ssgan_fuzz::memory_file file("checkpoint");
    std::vector<std::uint8_t> bytes(data, data + size);
    if (bytes.size() >= 4)
    {
        const std::uint32_t crc = ssgan::checkpoint_writer::crc_of(
            {reinterpret_cast<const char*>(bytes.data()), bytes.size() - 4});
        std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
    }
    const auto& path = file.hold(bytes.data(), bytes.size());

    try
    {
        const ssgan::checkpoint_reader reader(path);
        for (const char* name : {"model", "step", "D.layers", "D.parameters", "D.state"})
        {
            if (!reader.has(name))
                continue;
            try
            {
                reader.text(name);
            }
            catch (const ssgan::checkpoint_error&)
            {
            }
            try
            {
                reader.integers(name);
            }
            catch (const ssgan::checkpoint_error&)
            {
            }
            try
            {
                reader.floats(name);
            }
            catch (const ssgan::checkpoint_error&)
            {
            }
        }
        static small_network net;
        ssgan::load_network(reader, "D", net);
    }
    catch (const ssgan::error&)
    {
    }
    return 0;
}
