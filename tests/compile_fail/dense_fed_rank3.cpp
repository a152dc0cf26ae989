// A dense layer takes features (rank 1); fed an image without a flatten before it, the network
// does not compile, and the message names the rule, the image's shape and the shape a flatten
// would give.
// expect: SSGAN_SHAPE_MISMATCH.*dense_needs_a_rank_1_input_put_flatten_before_it
// expect: put_flatten_before_it, ssgan::shape<1, 28, 28>, ssgan::shape<784>
#include <ssgan/ssgan.hpp>

using classifier = ssgan::network<ssgan::input<1, 28, 28>, ssgan::dense<10>>;

int main()
{
    classifier net;
    return static_cast<int>(net.parameters().size());
}
