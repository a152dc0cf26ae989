#define BOOST_TEST_MODULE gan_trainer
#include <boost/test/unit_test.hpp>

#include <ssgan/core/threading.hpp>
#include <ssgan/data/mnist.hpp>
#include <ssgan/gan/mnist_models.hpp>
#include <ssgan/gan/trainer.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

namespace
{
    namespace fs = std::filesystem;
    using model = ssgan::gan::mnist_improved;

    fs::path mnist_folder()
    {
        if (const char* root = std::getenv("SSGAN_SHARED_DATA"))
            return fs::path(root) / "mnist";
        return fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared" / "data" /
               "mnist";
    }

    // The real MNIST files, loaded once for every case.
    struct mnist
    {
        ssgan::data::dataset train =
            ssgan::data::load_mnist(mnist_folder(), ssgan::data::split::train);
        ssgan::data::dataset test =
            ssgan::data::load_mnist(mnist_folder(), ssgan::data::split::test);
    };

    const mnist& data()
    {
        static const mnist loaded;
        return loaded;
    }

    // The first `count` images of a dataset, as a dataset.
    ssgan::data::dataset first(const ssgan::data::dataset& full, std::size_t count)
    {
        ssgan::data::dataset part = full;
        part.count = count;
        part.pixels.resize(count * full.sample_size());
        part.labels.resize(count);
        return part;
    }

    ssgan::gan::settings small_settings()
    {
        ssgan::gan::settings chosen = model::defaults();
        chosen.batch_size = 20;
        chosen.labels = 20;
        chosen.init_batch = 100;
        chosen.seed = 11;
        return chosen;
    }

    struct scratch_folder
    {
        fs::path path =
            fs::temp_directory_path() / ("ssgan-trainer-test-" + std::to_string(::getpid()));
        scratch_folder() { fs::create_directories(path); }
        ~scratch_folder() { fs::remove_all(path); }
    };

    bool same_losses(const ssgan::gan::step_result& a, const ssgan::gan::step_result& b)
    {
        return a.s_loss == b.s_loss && a.d_loss_real == b.d_loss_real &&
               a.d_loss_fake == b.d_loss_fake && a.g_loss == b.g_loss &&
               a.train_accuracy == b.train_accuracy;
    }
}

BOOST_AUTO_TEST_CASE(short_training_run_classifies_far_above_chance)
{
    ssgan::set_threads(0);
    ssgan::gan::settings chosen = model::defaults();
    chosen.seed = 3;
    const auto test = first(data().test, 2000);
    ssgan::gan::trainer<model> trainer(data().train, test, chosen);
    for (int step = 0; step < 150; ++step)
        trainer.step();

    const auto result = trainer.evaluate();
    BOOST_TEST_MESSAGE("test accuracy after 150 steps with 100 labels: " << result.accuracy());
    BOOST_TEST(result.total == 2000u);
    // Chance is 10 %; 100 labels alone, after 150 steps, put a plain classifier near 60-70 %.
    BOOST_TEST(result.accuracy() > 0.6);
}

BOOST_AUTO_TEST_CASE(labeled_subset_is_balanced_and_fixed_by_the_seed)
{
    const auto train = first(data().train, 5000);
    const auto test = first(data().test, 100);
    ssgan::gan::trainer<model> a(train, test, small_settings());
    ssgan::gan::trainer<model> b(train, test, small_settings());
    BOOST_TEST(a.labeled_indices() == b.labeled_indices());

    std::vector<int> per_class(10, 0);
    for (std::size_t index : a.labeled_indices())
        per_class[std::size_t(train.labels[index])] += 1;
    for (int count : per_class)
        BOOST_TEST(count == 2);
}

BOOST_AUTO_TEST_CASE(resumed_run_logs_the_same_losses_as_an_uninterrupted_one)
{
    ssgan::set_threads(1);
    scratch_folder scratch;
    const auto train = first(data().train, 3000);
    const auto test = first(data().test, 200);

    ssgan::gan::trainer<model> uninterrupted(train, test, small_settings());
    std::vector<ssgan::gan::step_result> expected;
    for (int step = 0; step < 8; ++step)
        expected.push_back(uninterrupted.step());

    const fs::path checkpoint = scratch.path / "model-4.ckpt";
    {
        ssgan::gan::trainer<model> first_half(train, test, small_settings());
        for (int step = 0; step < 4; ++step)
            BOOST_TEST(same_losses(first_half.step(), expected[std::size_t(step)]));
        first_half.save(checkpoint);
    }

    ssgan::gan::settings other_start = small_settings();
    ssgan::gan::trainer<model> resumed(train, test, other_start);
    resumed.load(checkpoint);
    BOOST_TEST(resumed.steps_done() == 4u);
    for (int step = 4; step < 8; ++step)
        BOOST_TEST(same_losses(resumed.step(), expected[std::size_t(step)]),
                   "step " << step << " differs after resuming");
    BOOST_TEST(resumed.evaluate().correct == uninterrupted.evaluate().correct);
    ssgan::set_threads(0);
}

BOOST_AUTO_TEST_CASE(checkpoint_round_trip_restores_every_parameter)
{
    scratch_folder scratch;
    const auto train = first(data().train, 2000);
    const auto test = first(data().test, 100);
    ssgan::gan::trainer<model> trained(train, test, small_settings());
    for (int step = 0; step < 3; ++step)
        trained.step();
    trained.save(scratch.path / "model-3.ckpt");

    ssgan::gan::trainer<model> loaded(train, test, small_settings());
    loaded.load(scratch.path / "model-3.ckpt");
    const auto d_saved = trained.critic().parameters();
    const auto d_loaded = loaded.critic().parameters();
    BOOST_TEST(std::equal(d_saved.begin(), d_saved.end(), d_loaded.begin(), d_loaded.end()));
    const auto g_saved = trained.maker().state();
    const auto g_loaded = loaded.maker().state();
    BOOST_TEST(std::equal(g_saved.begin(), g_saved.end(), g_loaded.begin(), g_loaded.end()));
}

BOOST_AUTO_TEST_CASE(corrupt_or_truncated_checkpoint_is_rejected_and_names_the_problem)
{
    scratch_folder scratch;
    const auto train = first(data().train, 2000);
    const auto test = first(data().test, 100);
    ssgan::gan::trainer<model> trained(train, test, small_settings());
    trained.step();
    const fs::path good = scratch.path / "model-1.ckpt";
    trained.save(good);

    std::vector<char> bytes(fs::file_size(good));
    std::ifstream(good, std::ios::binary).read(bytes.data(), std::streamsize(bytes.size()));

    const fs::path flipped = scratch.path / "flipped.ckpt";
    auto changed = bytes;
    changed[changed.size() / 2] ^= 0x10;
    std::ofstream(flipped, std::ios::binary).write(changed.data(), std::streamsize(changed.size()));
    ssgan::gan::trainer<model> target(train, test, small_settings());
    BOOST_CHECK_EXCEPTION(target.load(flipped), ssgan::checkpoint_error,
                          [](const ssgan::checkpoint_error& e)
                          { return std::string(e.what()).find("CRC-32") != std::string::npos; });

    const fs::path truncated = scratch.path / "truncated.ckpt";
    std::ofstream(truncated, std::ios::binary).write(bytes.data(), 1000);
    BOOST_CHECK_THROW(target.load(truncated), ssgan::checkpoint_error);

    const fs::path empty = scratch.path / "empty.ckpt";
    std::ofstream(empty, std::ios::binary).flush();
    BOOST_CHECK_THROW(target.load(empty), ssgan::checkpoint_error);

    // The failed loads left the trainer usable and the good file loads.
    BOOST_CHECK_NO_THROW(target.load(good));
}

BOOST_AUTO_TEST_CASE(checkpoint_of_another_architecture_names_the_first_differing_layer)
{
    using small = ssgan::network<ssgan::input<4>, ssgan::dense<3>, ssgan::relu, ssgan::dense<2>>;
    using wider = ssgan::network<ssgan::input<4>, ssgan::dense<3>, ssgan::relu, ssgan::dense<5>>;
    scratch_folder scratch;
    small saved;
    ssgan::random_stream random(1);
    saved.initialize(random);
    ssgan::checkpoint_writer writer;
    ssgan::save_network(writer, "D", saved);
    writer.write(scratch.path / "small.ckpt");

    const ssgan::checkpoint_reader reader(scratch.path / "small.ckpt");
    wider other;
    BOOST_CHECK_EXCEPTION(ssgan::load_network(reader, "D", other), ssgan::checkpoint_error,
                          [](const ssgan::checkpoint_error& e)
                          {
                              const std::string text = e.what();
                              return text.find("layer 2") != std::string::npos &&
                                     text.find("dense<2>") != std::string::npos &&
                                     text.find("dense<5>") != std::string::npos;
                          });
}
