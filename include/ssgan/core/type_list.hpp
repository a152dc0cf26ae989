// A flat list of types and the two operations the network needs on it: prepend and index.
#pragma once

#include <cstddef>
#include <type_traits>

namespace ssgan
{
    template <class... Types>
    struct type_list
    {
        static constexpr std::size_t size = sizeof...(Types);
    };

    namespace detail
    {
        template <class Head, class List>
        struct prepend;

        template <class Head, class... Tail>
        struct prepend<Head, type_list<Tail...>>
        {
            using type = type_list<Head, Tail...>;
        };

        template <std::size_t Index, class List>
        struct type_at;

        template <std::size_t Index, class Head, class... Tail>
        struct type_at<Index, type_list<Head, Tail...>> : type_at<Index - 1, type_list<Tail...>>
        {
        };

        template <class Head, class... Tail>
        struct type_at<0, type_list<Head, Tail...>>
        {
            using type = Head;
        };
    }

    template <std::size_t Index, class List>
    using type_at = typename detail::type_at<Index, List>::type;

    // Whether Options... holds Tag.
    template <class Tag, class... Options>
    inline constexpr bool has_option = (std::is_same_v<Tag, Options> || ...);
}
