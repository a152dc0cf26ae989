// Compile-time shapes. `shape<C, H, W>` is the extent of one sample; the batch size is the
// one dimension a tensor adds at run time. Shapes are types, so layers compute their output
// shapes in the type system and a network that does not fit together does not compile.
#pragma once

#include <array>
#include <cstddef>
#include <string>

namespace ssgan
{
    template <std::size_t... Dims>
    struct shape
    {
        static_assert(sizeof...(Dims) > 0, "a shape has at least one dimension");
        static_assert(((Dims > 0) && ...), "every dimension of a shape is positive");

        static constexpr std::size_t rank = sizeof...(Dims);
        static constexpr std::size_t size = (std::size_t{1} * ... * Dims);
        static constexpr std::array<std::size_t, rank> extents{Dims...};

        // "shape<1, 28, 28>", as written in code, for messages and checkpoint signatures.
        static std::string describe()
        {
            std::string text = "shape<";
            bool first = true;
            for (std::size_t extent : extents)
            {
                text += (first ? "" : ", ") + std::to_string(extent);
                first = false;
            }
            return text + ">";
        }
    };

    // The input of a network: an alias that reads well at the head of a layer list.
    template <std::size_t... Dims>
    using input = shape<Dims...>;

    namespace detail
    {
        template <class T>
        struct is_shape : std::false_type
        {
        };

        template <std::size_t... Dims>
        struct is_shape<shape<Dims...>> : std::true_type
        {
        };
    }

    // A per-sample shape.
    template <class T>
    concept shape_type = detail::is_shape<T>::value;

    // A per-sample shape of a given rank: 1 for features, 3 for channels × height × width.
    template <class T, std::size_t Rank>
    concept shape_of_rank = shape_type<T> && T::rank == Rank;

    // The channel, height and width of a rank-3 shape, by name.
    template <shape_of_rank<3> S>
    struct image_extents
    {
        static constexpr std::size_t channels = S::extents[0];
        static constexpr std::size_t height = S::extents[1];
        static constexpr std::size_t width = S::extents[2];
    };
}

#include <charconv>

namespace ssgan::detail
{
    // The shortest text that reads back as the same float ("0.2", not "0.200000"), for layer
    // descriptions that look like the spec as written.
    inline std::string float_text(float value)
    {
        char text[32];
        const auto result = std::to_chars(text, text + sizeof text, value);
        return std::string(text, result.ptr);
    }
}
