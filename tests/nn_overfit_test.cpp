#define BOOST_TEST_MODULE nn_overfit
#include <boost/test/unit_test.hpp>

#include <ssgan/ssgan.hpp>

#include <cstdlib>
#include <filesystem>
#include <numeric>

namespace
{
    std::filesystem::path mnist_folder()
    {
        if (const char* root = std::getenv("SSGAN_SHARED_DATA"))
            return std::filesystem::path(root) / "mnist";
        return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() /
               "shared" / "data" / "mnist";
    }
}

// A network that can learn must be able to memorize a handful of real images: every layer
// family of a small conv net (conv, batch norm, activation, dropout off in eval, dense)
// has to pass gradients correctly for the training accuracy to reach 100 %.
BOOST_AUTO_TEST_CASE(small_conv_net_memorizes_64_real_mnist_images)
{
    using namespace ssgan;
    using classifier = network<input<1, 28, 28>, conv2d<16, kernel<5>, stride<2>>, leaky_relu<0.2f>,
                               batch_norm<>, conv2d<32, kernel<5>, stride<2>>, leaky_relu<0.2f>,
                               batch_norm<>, flatten, dense<10>>;

    const data::dataset train = data::load_mnist(mnist_folder(), data::split::train);
    constexpr std::size_t count = 64;
    std::vector<std::size_t> indices(count);
    std::iota(indices.begin(), indices.end(), std::size_t{0});
    tensor<classifier::input_shape> images(count);
    std::vector<int> labels(count);
    data::copy_batch(train, indices, data::pixel_range::zero_to_one, images.span());
    data::copy_labels(train, indices, labels);

    random_stream random(5);
    classifier net;
    net.initialize(random);
    optim::adam adam(classifier::parameter_count, {.lr = 3e-3f});
    tensor<classifier::output_shape> d_logits(count);
    context train_mode(random, mode::train);

    float loss = 0.0f;
    for (int step = 0; step < 150; ++step)
    {
        net.zero_gradients();
        const auto logits = net.forward(images, train_mode);
        loss = loss::cross_entropy(logits.span(), labels, count, 10, d_logits.span());
        net.backward(d_logits, train_mode);
        adam.step(net.parameters(), net.gradients());
    }

    context eval_mode(random, mode::eval);
    const auto logits = net.forward(images, eval_mode);
    BOOST_TEST_MESSAGE("final training loss " << loss);
    BOOST_TEST(loss < 0.05f);
    BOOST_TEST(loss::count_correct(logits.span(), labels, count, 10) == count);
}
