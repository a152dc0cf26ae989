// Transposed convolution on oneDNN: `deconv2d<Filters, kernel<KH, KW>, stride<SH, SW>,
// Padding, Options...>` takes C × H × W and gives Filters × H' × W', the gradient of the conv2d
// with the same kernel, stride and padding that maps Filters × H' × W' back to C × H × W.
// Per axis, by TensorFlow's rules: padding::valid n' = (n - 1)·s + k, padding::same n' = n·s,
// padding::explicit_<P> n' = (n - 1)·s + k - 2P; `output_size<H', W'>` asks for another n'
// that the conv2d maps back to n (stride > 1 leaves a choice). Options and defaults as conv2d.
// Parameters: the weights, C × Filters × KH × KW row-major (input channel first, the layout of
// PyTorch's ConvTranspose2d), then the weight-norm scales (one per output channel), then the
// biases: out[o, y·s + i - before, x·s + j - before] += w[c, o, i, j] · in[c, y, x], unflipped.
#pragma once

#include "conv.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>

namespace ssgan
{
    namespace rule
    {
        // explicit_<P> with 2P ≥ (n - 1)·s + k leaves no output.
        struct deconvolution_padding_must_leave_an_output;
    }

    // What a diagnostic shows for an output_size no conv2d maps back to the input: the output
    // heights and widths it could have asked for.
    template <std::size_t LowestHeight, std::size_t HighestHeight, std::size_t LowestWidth,
              std::size_t HighestWidth>
    struct output_sizes_this_input_allows
    {
    };

    namespace detail
    {
        // One axis of a transposed convolution. The conv2d on the output reads `before` rows of
        // padding ahead of it and `after` behind; a negative `after` means the output runs past
        // the last kernel tap, and those last rows or columns get only the bias. The outputs
        // lowest..highest are those the conv2d maps back to the input (0, 0 when none does).
        struct transposed_axis
        {
            bool possible;
            std::size_t output;
            std::ptrdiff_t before;
            std::ptrdiff_t after;
            std::size_t lowest;
            std::size_t highest;
        };

        // `requested` is 0 for the padding rule's own output size.
        template <class Padding>
        constexpr transposed_axis transpose(std::size_t input, std::size_t kernel,
                                            std::size_t stride, std::size_t requested)
        {
            std::size_t lowest = 0;
            std::size_t highest = 0;
            for (std::size_t candidate = 1; candidate <= input * stride + kernel; ++candidate)
            {
                const convolution_axis back = Padding::convolution(candidate, kernel, stride);
                if (back.fits && back.output == input)
                {
                    lowest = lowest == 0 ? candidate : lowest;
                    highest = candidate;
                }
            }

            const std::ptrdiff_t natural = Padding::transposed_output(input, kernel, stride);
            const bool possible = requested == 0
                                      ? natural > 0
                                      : lowest != 0 && lowest <= requested && requested <= highest;
            const std::size_t output =
                requested != 0 ? requested : (natural > 0 ? static_cast<std::size_t>(natural) : 1);
            const std::ptrdiff_t total =
                static_cast<std::ptrdiff_t>((input - 1) * stride + kernel) -
                static_cast<std::ptrdiff_t>(output);
            const std::ptrdiff_t before = Padding::convolution(output, kernel, stride).before;
            return {possible, output, before, total - before, lowest, highest};
        }

        template <class OutputSize>
        constexpr std::size_t requested_height()
        {
            if constexpr (std::is_void_v<OutputSize>)
                return 0;
            else
                return OutputSize::height;
        }

        template <class OutputSize>
        constexpr std::size_t requested_width()
        {
            if constexpr (std::is_void_v<OutputSize>)
                return 0;
            else
                return OutputSize::width;
        }

        template <class Spec, shape_type In>
        struct deconvolution_geometry
        {
            using settings = typename Spec::settings;
            using padding_type = typename settings::padding_type;
            using requested = typename settings::output_size_type;

            static constexpr std::size_t in_channels = extent_or_one<In, 0>;
            static constexpr transposed_axis rows =
                transpose<padding_type>(extent_or_one<In, 1>, settings::kernel_height,
                                        settings::stride_height, requested_height<requested>());
            static constexpr transposed_axis columns =
                transpose<padding_type>(extent_or_one<In, 2>, settings::kernel_width,
                                        settings::stride_width, requested_width<requested>());
            static constexpr bool possible = rows.possible && columns.possible;

            static_assert(
                rule_holds<In::rank == 3,
                           SSGAN_SHAPE_MISMATCH<
                               Spec, rule::layer_needs_a_rank_3_channels_height_width_input, In>>);
            // Without output_size only explicit padding can fail; with it, the size may not map
            // back to the input.
            static constexpr bool fits_default =
                In::rank != 3 || !std::is_void_v<requested> || possible;
            static constexpr bool fits_request =
                In::rank != 3 || std::is_void_v<requested> || possible;
            static_assert(
                rule_holds<fits_default,
                           SSGAN_SHAPE_MISMATCH<
                               Spec, rule::deconvolution_padding_must_leave_an_output, In>>);
            static_assert(
                rule_holds<
                    fits_request,
                    SSGAN_SHAPE_MISMATCH<
                        Spec, rule::requested_deconvolution_output_cannot_come_from_this_input, In,
                        output_sizes_this_input_allows<rows.lowest, rows.highest, columns.lowest,
                                                       columns.highest>>>);

            using output_shape = shape<settings::filters, rows.output, columns.output>;

            // He and Glorot scale by the inputs each output sums; with stride s, an output sees
            // about one in s² of the kernel taps.
            static constexpr std::size_t fan_in = std::max<std::size_t>(
                1, in_channels* settings::kernel_height* settings::kernel_width /
                       (settings::stride_height * settings::stride_width));
            static constexpr std::size_t fan_out =
                settings::filters * settings::kernel_height * settings::kernel_width;
        };

        struct deconvolution_operation
        {
            template <class Spec, shape_type In>
            using geometry = deconvolution_geometry<Spec, In>;
            using forward_primitive = dnnl::deconvolution_forward;
            using backward_data_primitive = dnnl::deconvolution_backward_data;
            using backward_weights_primitive = dnnl::deconvolution_backward_weights;
            static constexpr dnnl::algorithm algorithm = dnnl::algorithm::deconvolution_direct;
            // oneDNN's weight dimensions are (O, I, KH, KW) with O the output channels; stored
            // input channel first, as its GEMM kernels read them.
            static constexpr dnnl::memory::format_tag weights_tag = dnnl::memory::format_tag::iohw;
            static constexpr bool input_channels_outer = true;
            // Each input position spreads over the outputs through every weight once.
            static constexpr std::size_t positions(std::size_t input_area, std::size_t)
            {
                return input_area;
            }
        };
    }

    template <std::size_t Filters, class Kernel, class... Options>
    struct deconv2d
    {
        static_assert(detail::check_convolution_arguments<true, Filters, Kernel, Options...>());
        using settings = detail::convolution_settings<Filters, Kernel, Options...>;

        static std::string describe() { return settings::describe("deconv2d"); }

        template <shape_type In>
        using bind = detail::strided_layer<detail::deconvolution_operation, deconv2d, In>;
    };
}
