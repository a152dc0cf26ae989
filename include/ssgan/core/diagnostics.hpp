// Compile-time diagnostics for networks that do not fit together. A failed rule instantiates
// SSGAN_SHAPE_MISMATCH<layer, rule, input shape, detail>, so the compiler's message shows the
// keyword, the layer spec, the rule (a type whose name states it) and the shapes involved.
#pragma once

#include <type_traits>

namespace ssgan
{
    namespace detail
    {
        template <class...>
        inline constexpr bool always_false = false;
    }

    // Read the template arguments in the line above the assertion: <layer spec, broken rule,
    // input shape, the shape or value the rule expected>.
    template <class Layer, class Rule, class Input, class Expected = void>
    struct SSGAN_SHAPE_MISMATCH
    {
        static_assert(detail::always_false<Layer, Rule, Input, Expected>,
                      "SSGAN_SHAPE_MISMATCH: a shape rule of the network failed; the template "
                      "arguments of SSGAN_SHAPE_MISMATCH above name the layer (or network), the "
                      "rule, the shape it was given and the shape the rule expected");
    };

    namespace detail
    {
        template <bool Holds, class Diagnostic>
        struct check_rule
        {
        };

        template <class Diagnostic>
        struct check_rule<false, Diagnostic> : Diagnostic
        {
        };
    }

    // `static_assert(rule_holds<cond, SSGAN_SHAPE_MISMATCH<...>>)` instantiates the diagnostic
    // (and its readable message) only when the condition is false.
    // It is always true itself, so the only error a user sees is the diagnostic's.
    template <bool Holds, class Diagnostic>
    inline constexpr bool rule_holds = sizeof(detail::check_rule<Holds, Diagnostic>) > 0;

    // Rules, named so that the compiler's message reads as the rule itself.
    namespace rule
    {
        struct dense_needs_a_rank_1_input_put_flatten_before_it;
        struct kernel_must_not_exceed_the_padded_input;
        struct reshape_must_keep_the_element_count;
        struct requested_deconvolution_output_cannot_come_from_this_input;
        struct layer_needs_a_rank_3_channels_height_width_input;
        struct generator_output_must_equal_discriminator_input;
        struct feature_layer_index_must_be_inside_the_network;
    }
}
