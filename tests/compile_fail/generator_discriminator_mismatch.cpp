// A generator's output must be the discriminator's input. This generator ends in 784 features
// while the discriminator takes 1 × 28 × 28 images (a reshape<1, 28, 28> is missing); the
// message shows the generator's output shape, then the discriminator's input shape.
// expect: SSGAN_SHAPE_MISMATCH.*generator_output_must_equal_discriminator_input
// expect: equal_discriminator_input, ssgan::shape<784>, ssgan::shape<1, 28, 28>
#include <ssgan/ssgan.hpp>

using generator = ssgan::network<ssgan::input<100>, ssgan::dense<500>, ssgan::softplus,
                                 ssgan::dense<784>, ssgan::sigmoid>;
using discriminator = ssgan::network<ssgan::input<1, 28, 28>, ssgan::flatten, ssgan::dense<10>>;

int main()
{
    ssgan::gan_pair<generator, discriminator> pair;
    (void)pair;
    return 0;
}
