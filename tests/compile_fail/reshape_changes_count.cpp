// A reshape keeps the element count; 784 features cannot become 4 × 7 × 7 = 196 values, and the
// message shows both shapes.
// expect: SSGAN_SHAPE_MISMATCH.*reshape_must_keep_the_element_count
// expect: reshape_must_keep_the_element_count, ssgan::shape<784>, ssgan::shape<4, 7, 7>
#include <ssgan/ssgan.hpp>

using generator = ssgan::network<ssgan::input<100>, ssgan::dense<784>, ssgan::reshape<4, 7, 7>>;

int main()
{
    generator net;
    return static_cast<int>(net.parameters().size());
}
