// Saving a network's parameters and state into a checkpoint under a name, and loading them
// back only into a network of the same architecture: the layer list (spec and shapes of each
// layer) is stored beside the numbers, and a mismatch names the first layer that differs.
#pragma once

#include "../nn/network.hpp"
#include "checkpoint.hpp"

#include <sstream>
#include <string>
#include <vector>

namespace ssgan
{
    namespace detail
    {
        inline std::vector<std::string> split_lines(const std::string& text)
        {
            std::vector<std::string> lines;
            std::istringstream stream(text);
            for (std::string line; std::getline(stream, line);)
                lines.push_back(line);
            return lines;
        }

        inline std::string join_lines(const std::vector<std::string>& lines)
        {
            std::string text;
            for (const auto& line : lines)
                text += line + "\n";
            return text;
        }
    }

    template <network_type Network>
    void save_network(checkpoint_writer& writer, const std::string& name, const Network& net)
    {
        writer.add(name + ".layers", detail::join_lines(Network::describe_layers()));
        writer.add(name + ".parameters", net.parameters());
        writer.add(name + ".state", net.state());
    }

    // Throws checkpoint_error naming the first layer whose description differs.
    template <network_type Network>
    void check_architecture(const checkpoint_reader& reader, const std::string& name)
    {
        const auto stored = detail::split_lines(reader.text(name + ".layers"));
        const auto expected = Network::describe_layers();
        for (std::size_t i = 0; i < std::max(stored.size(), expected.size()); ++i)
        {
            const std::string have = i < stored.size() ? stored[i] : "(no layer)";
            const std::string want = i < expected.size() ? expected[i] : "(no layer)";
            if (have != want)
                throw checkpoint_error("checkpoint " + reader.path().string() + ": network \"" +
                                       name + "\" differs at layer " + std::to_string(i) +
                                       ": the checkpoint has " + have + "; this program expects " +
                                       want);
        }
    }

    template <network_type Network>
    void load_network(const checkpoint_reader& reader, const std::string& name, Network& net)
    {
        check_architecture<Network>(reader, name);
        reader.read(name + ".parameters", net.parameters());
        reader.read(name + ".state", net.state());
    }
}
