#define BOOST_TEST_MODULE gan_image_models
#include <boost/test/unit_test.hpp>

#include <ssgan/data/cifar10.hpp>
#include <ssgan/gan/image_models.hpp>
#include <ssgan/gan/trainer.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <type_traits>

namespace
{
    namespace fs = std::filesystem;
    using ssgan::shape;
    using namespace ssgan::gan;

    // The shipped 64 × 64 model: D halves twice (64 → 32 → 16), a valid 3 × 3 leaves 14 × 14;
    // G starts at 8 × 8 and doubles three times.
    using d64 = image64_improved::discriminator;
    using g64 = image64_improved::generator;
    static_assert(std::is_same_v<d64::input_shape, shape<3, 64, 64>>);
    static_assert(std::is_same_v<d64::output_shape_of<5>, shape<64, 32, 32>>);
    static_assert(std::is_same_v<d64::output_shape_of<12>, shape<128, 16, 16>>);
    static_assert(std::is_same_v<d64::output_shape_of<15>, shape<128, 14, 14>>);
    static_assert(std::is_same_v<d64::output_shape, shape<10>>);
    static_assert(std::is_same_v<g64::output_shape_of<3>, shape<512, 8, 8>>);
    static_assert(std::is_same_v<g64::output_shape, shape<3, 64, 64>>);
    static_assert(image64_improved::name == "improved-64x64x3-64-128");

    // A user's own shape in one line: grey 48 × 24 images of 20 classes.
    using own = improved_model<1, 48, 24, 20>;
    static_assert(std::is_same_v<own::pair::image_shape, shape<1, 48, 24>>);
    static_assert(std::is_same_v<own::discriminator::output_shape, shape<20>>);
    static_assert(own::name == "improved-48x24x1-20classes");

    // SVHN's seed model is CIFAR-10's under its own name, so a checkpoint says what it learned.
    static_assert(std::is_same_v<svhn_seed::discriminator, cifar_seed::discriminator>);
    static_assert(std::is_same_v<svhn_seed::generator, cifar_seed::generator>);
    static_assert(svhn_seed::name == "svhn-seed" && svhn_seed::name != cifar_seed::name);

    fs::path cifar_exact()
    {
        if (const char* root = std::getenv("SSGAN_SHARED_DATA"))
            return fs::path(root) / "cifar10" / "exact";
        return fs::absolute(fs::path(__FILE__)).parent_path().parent_path().parent_path() /
               "shared" / "data" / "cifar10" / "exact";
    }

    // The images of classes 0, 1 and 2 only, as a 3-class dataset.
    ssgan::data::dataset first_three_classes(const ssgan::data::dataset& all)
    {
        ssgan::data::dataset three = all;
        three.pixels.clear();
        three.labels.clear();
        three.count = 0;
        three.num_classes = 3;
        for (std::size_t i = 0; i < all.count; ++i)
            if (all.labels[i] < 3)
            {
                const auto sample = all.sample(i);
                three.pixels.insert(three.pixels.end(), sample.begin(), sample.end());
                three.labels.push_back(all.labels[i]);
                ++three.count;
            }
        return three;
    }
}

BOOST_AUTO_TEST_SUITE(gan_image_models)

// A dataset of fewer classes than the model's logits trains it: the labeled subset is
// balanced over the dataset's classes, and evaluation counts only those.
BOOST_AUTO_TEST_CASE(a_model_of_10_logits_trains_on_3_classes_and_evaluates_over_those)
{
    using small = improved_model<3, 32, 32, 10, 16, 32>;
    const auto train = first_three_classes(
        ssgan::data::load_cifar10_files({cifar_exact() / "data_batch_1_first4000.bin"}));
    const auto test = first_three_classes(
        ssgan::data::load_cifar10_files({cifar_exact() / "test_batch_first1000.bin"}));
    settings chosen = small::defaults();
    chosen.labels = 30;
    chosen.batch_size = 20;
    chosen.init_batch = 40;
    trainer<small> run(train, test, chosen);

    std::vector<int> labeled_classes(3, 0);
    for (const std::size_t index : run.labeled_indices())
        ++labeled_classes.at(std::size_t(train.labels[index]));
    BOOST_TEST(labeled_classes == std::vector<int>({10, 10, 10}), boost::test_tools::per_element());

    for (int step = 0; step < 2; ++step)
        BOOST_TEST(std::isfinite(run.step().d_loss));
    const evaluation result = run.evaluate();
    BOOST_TEST(result.classes == 3u);
    BOOST_TEST(result.total == test.count);

    chosen.labels = 40; // not a multiple of 3
    BOOST_CHECK_THROW(trainer<small>(train, test, chosen), ssgan::config_error);
}

// Data-dependent initialization holds init_batch images' activations at once, so the larger
// image takes fewer: 500 · (32 · 32) / (64 · 64).
BOOST_AUTO_TEST_CASE(initialization_batch_shrinks_with_the_image_area)
{
    BOOST_TEST((improved_model<3, 32, 32>::defaults().init_batch == 500u));
    BOOST_TEST(image64_improved::defaults().init_batch == 125u);
    BOOST_TEST((improved_model<3, 256, 256>::defaults().init_batch == 100u));
}

BOOST_AUTO_TEST_SUITE_END()
