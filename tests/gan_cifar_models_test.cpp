#define BOOST_TEST_MODULE gan_cifar_models
#include <boost/test/unit_test.hpp>

#include <ssgan/core/threading.hpp>
#include <ssgan/data/cifar10.hpp>
#include <ssgan/gan/cifar_models.hpp>
#include <ssgan/gan/trainer.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <type_traits>

namespace
{
    namespace fs = std::filesystem;
    using ssgan::shape;
    using namespace ssgan::gan;

    // Every model for 32 × 32 × 3 images, with its logits and feature shapes.
    template <class Model, std::size_t Logits, class Features>
    constexpr bool model_shapes_are()
    {
        using d = typename Model::discriminator;
        using g = typename Model::generator;
        static_assert(std::is_same_v<typename d::input_shape, shape<3, 32, 32>>);
        static_assert(std::is_same_v<typename d::output_shape, shape<Logits>>);
        static_assert(std::is_same_v<typename g::input_shape, shape<100>>);
        static_assert(std::is_same_v<typename g::output_shape, shape<3, 32, 32>>);
        static_assert(
            std::is_same_v<typename d::template output_shape_of<Model::feature_layer>, Features>);
        static_assert(std::is_same_v<typename Model::pair::image_shape, shape<3, 32, 32>>);
        static_assert(Model::pixels_from_minus_one);
        return true;
    }

    static_assert(model_shapes_are<cifar_improved, 10, shape<192>>());
    static_assert(model_shapes_are<svhn_improved, 10, shape<128>>());
    static_assert(model_shapes_are<cifar_seed, 11, shape<4096>>());

    // The improved discriminator halves the size twice, then a valid 3 × 3 leaves 6 × 6.
    using improved_d = cifar_improved::discriminator;
    static_assert(std::is_same_v<improved_d::output_shape_of<1>, shape<96, 32, 32>>);
    static_assert(std::is_same_v<improved_d::output_shape_of<5>, shape<96, 16, 16>>);
    static_assert(std::is_same_v<improved_d::output_shape_of<12>, shape<192, 8, 8>>);
    static_assert(std::is_same_v<improved_d::output_shape_of<15>, shape<192, 6, 6>>);
    static_assert(
        std::is_same_v<svhn_improved::discriminator::output_shape_of<15>, shape<128, 6, 6>>);

    // The improved generator: 4 × 4 × 512 → 8 × 8 × 256 → 16 × 16 × 128 → 32 × 32 × 3.
    using improved_g = cifar_improved::generator;
    static_assert(std::is_same_v<improved_g::output_shape_of<3>, shape<512, 4, 4>>);
    static_assert(std::is_same_v<improved_g::output_shape_of<4>, shape<256, 8, 8>>);
    static_assert(std::is_same_v<improved_g::output_shape_of<7>, shape<128, 16, 16>>);

    // The seed networks: D 32 → 16 → 8 → 4, G 1 → 2 → 6 → 14 → 32 with valid padding.
    using seed_d = cifar_seed::discriminator;
    static_assert(std::is_same_v<seed_d::output_shape_of<0>, shape<64, 16, 16>>);
    static_assert(std::is_same_v<seed_d::output_shape_of<4>, shape<128, 8, 8>>);
    static_assert(std::is_same_v<seed_d::output_shape_of<8>, shape<256, 4, 4>>);
    using seed_g = cifar_seed::generator;
    static_assert(std::is_same_v<seed_g::output_shape_of<1>, shape<384, 2, 2>>);
    static_assert(std::is_same_v<seed_g::output_shape_of<4>, shape<128, 6, 6>>);
    static_assert(std::is_same_v<seed_g::output_shape_of<7>, shape<64, 14, 14>>);

    static_assert(cifar_improved::name != svhn_improved::name);
    static_assert(cifar_improved::name != cifar_seed::name);

    fs::path exact_folder()
    {
        if (const char* root = std::getenv("SSGAN_SHARED_DATA"))
            return fs::path(root) / "cifar10" / "exact";
        return fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared" / "data" /
               "cifar10" / "exact";
    }

    // Generates a few images and lets the discriminator judge them, in train and eval mode.
    template <class Model>
    void generator_feeds_discriminator()
    {
        auto g = std::make_unique<typename Model::generator>();
        auto d = std::make_unique<typename Model::discriminator>();
        ssgan::random_stream random(5);
        g->initialize(random);
        d->initialize(random);

        ssgan::tensor<shape<100>> noise(4);
        random.fill_uniform(noise.span(), Model::noise_low, Model::noise_high);
        for (const auto mode : {ssgan::mode::train, ssgan::mode::eval})
        {
            ssgan::context ctx(random, mode);
            const auto images = g->forward(noise, ctx);
            BOOST_TEST(images.batch() == 4u);
            for (const float value : images.span())
                BOOST_REQUIRE(value >= -1.0f && value <= 1.0f);
            const auto logits = d->forward(images, ctx);
            for (const float value : logits.span())
                BOOST_REQUIRE(std::isfinite(value));
        }
    }

    struct scratch_folder
    {
        fs::path path = fs::current_path() / ("cifar-models-" + std::to_string(::getpid()));
        scratch_folder() { fs::create_directories(path); }
        ~scratch_folder() { fs::remove_all(path); }
    };

    bool finite(const step_result& r)
    {
        return std::isfinite(r.s_loss) && std::isfinite(r.d_loss_real) &&
               std::isfinite(r.d_loss_fake) && std::isfinite(r.d_loss) && std::isfinite(r.g_loss);
    }
}

BOOST_AUTO_TEST_CASE(each_generator_feeds_its_discriminator)
{
    generator_feeds_discriminator<cifar_improved>();
    generator_feeds_discriminator<svhn_improved>();
    generator_feeds_discriminator<cifar_seed>();
}

BOOST_AUTO_TEST_CASE(improved_trains_on_the_exact_subset_and_resumes_from_a_checkpoint)
{
    ssgan::set_threads(0);
    scratch_folder scratch;
    const auto train = ssgan::data::load_cifar10(exact_folder(), ssgan::data::split::train);
    auto test = ssgan::data::load_cifar10(exact_folder(), ssgan::data::split::test);
    BOOST_REQUIRE(train.count == 4000u);
    BOOST_REQUIRE(test.count == 1000u);

    settings chosen = cifar_improved::defaults();
    chosen.batch_size = 20;
    chosen.labels = 100;
    chosen.init_batch = 100;
    chosen.seed = 7;

    trainer<cifar_improved> first(train, test, chosen);
    for (int step = 0; step < 2; ++step)
    {
        const step_result result = first.step();
        BOOST_TEST_MESSAGE("step " << step + 1 << ": s_loss " << result.s_loss << ", d_loss "
                                   << result.d_loss << ", g_loss " << result.g_loss);
        BOOST_TEST(finite(result));
        BOOST_TEST(result.s_loss > 0.0f);
    }
    const fs::path checkpoint = scratch.path / "model-2.ckpt";
    first.save(checkpoint);
    const step_result third = first.step();

    trainer<cifar_improved> resumed(train, test, chosen);
    resumed.load(checkpoint);
    BOOST_TEST(resumed.steps_done() == 2u);
    const step_result again = resumed.step();
    BOOST_TEST(finite(again));
    BOOST_TEST(again.s_loss == third.s_loss);
    BOOST_TEST(again.g_loss == third.g_loss);

    // A model of another dataset refuses the checkpoint by name.
    settings other_settings = svhn_improved::defaults();
    other_settings.batch_size = 20;
    other_settings.labels = 100;
    other_settings.init_batch = 20;
    trainer<svhn_improved> other(train, test, other_settings);
    BOOST_CHECK_THROW(other.load(checkpoint), ssgan::checkpoint_error);
}
