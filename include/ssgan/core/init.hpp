// Weight initializers, chosen per layer as a spec option: `init::normal` draws N(0, 0.02) as
// in DCGAN, `init::he` N(0, 2 / fan_in) for ReLU networks, `init::glorot` U(±√(6 / (fan_in +
// fan_out))). Biases start at zero.
#pragma once

#include "random.hpp"

#include <cmath>
#include <cstddef>
#include <span>
#include <type_traits>

namespace ssgan::init
{
    struct normal
    {
        static constexpr const char* name = "init::normal";
        static void fill(std::span<float> weights, std::size_t, std::size_t, random_stream& random)
        {
            random.fill_normal(weights, 0.0f, 0.02f);
        }
    };

    struct he
    {
        static constexpr const char* name = "init::he";
        static void fill(std::span<float> weights, std::size_t fan_in, std::size_t,
                         random_stream& random)
        {
            random.fill_normal(weights, 0.0f, std::sqrt(2.0f / static_cast<float>(fan_in)));
        }
    };

    struct glorot
    {
        static constexpr const char* name = "init::glorot";
        static void fill(std::span<float> weights, std::size_t fan_in, std::size_t fan_out,
                         random_stream& random)
        {
            const float limit = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
            random.fill_uniform(weights, -limit, limit);
        }
    };

    template <class T>
    concept initializer =
        std::is_same_v<T, normal> || std::is_same_v<T, he> || std::is_same_v<T, glorot>;

    namespace detail
    {
        template <class Default, class... Options>
        struct pick
        {
            using type = Default;
        };

        template <class Default, class Head, class... Tail>
        struct pick<Default, Head, Tail...>
        {
            using type =
                std::conditional_t<initializer<Head>, Head, typename pick<Default, Tail...>::type>;
        };
    }

    // The initializer among a spec's options, or Default when none is given.
    template <class Default, class... Options>
    using chosen = typename detail::pick<Default, Options...>::type;
}
