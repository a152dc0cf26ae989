// A 5 × 5, stride-2 convolution with SAME padding maps 28 × 28 to 14 × 14, so no transposed
// convolution of it takes 7 × 7 to 28 × 28: the message names the layer, the rule, the input
// shape, and the outputs this input allows (13 or 14 on each axis).
// clang-format off
// expect: SSGAN_SHAPE_MISMATCH<ssgan::deconv2d<1, .*output_size<28.*ssgan::rule::requested_deconvolution_output_cannot_come_from_this_input
// expect: requested_deconvolution_output_cannot_come_from_this_input, ssgan::shape<8, 7, 7>, ssgan::output_sizes_this_input_allows<13, 14, 13, 14>
// clang-format on
#include <ssgan/ssgan.hpp>

int main()
{
    using generator = ssgan::network<ssgan::input<8, 7, 7>,
                                     ssgan::deconv2d<1, ssgan::kernel<5>, ssgan::stride<2>,
                                                     ssgan::padding::same, ssgan::output_size<28>>>;
    generator net;
    (void)net;
    return 0;
}
