// A 5 × 5 kernel without padding cannot slide over a 4 × 4 input: the network must not compile,
// and the message names the layer, the rule, the input shape and the padded input's extents.
// clang-format off
// expect: SSGAN_SHAPE_MISMATCH<ssgan::conv2d<8, ssgan::kernel<5>, ssgan::padding::valid>, ssgan::rule::kernel_must_not_exceed_the_padded_input
// expect: kernel_must_not_exceed_the_padded_input, ssgan::shape<1, 4, 4>, ssgan::padded_input<4, 4>
// clang-format on
#include <ssgan/ssgan.hpp>

int main()
{
    using discriminator = ssgan::network<ssgan::input<1, 4, 4>,
                                         ssgan::conv2d<8, ssgan::kernel<5>, ssgan::padding::valid>>;
    discriminator net;
    (void)net;
    return 0;
}
