// Run under `mpirun -np 2`: the MPI replica group (sums, broadcasts, bucketed gradient
// averaging), synchronized batch norm against one process holding the whole batch, and the
// SSGAN trainer on 2 ranks with half the batch against one process with the whole batch.
#define BOOST_TEST_MODULE dist_data_parallel
#include <boost/test/unit_test.hpp>

#include <ssgan/data/mnist.hpp>
#include <ssgan/dist/communicator.hpp>
#include <ssgan/gan/trainer.hpp>
#include <ssgan/layers/activation.hpp>
#include <ssgan/layers/batch_norm.hpp>
#include <ssgan/layers/conv.hpp>
#include <ssgan/layers/dense.hpp>
#include <ssgan/layers/reshape.hpp>
#include <ssgan/nn/network.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <vector>

namespace
{
    namespace fs = std::filesystem;
    using namespace ssgan;

    // MPI for the whole program: Boost.Test's cases run between MPI_Init and MPI_Finalize.
    struct mpi_for_the_program
    {
        mpi_for_the_program() : environment(argc, argv) {}
        int argc = 0;
        char** argv = nullptr;
        dist::environment environment;
    };

    dist::communicator& world()
    {
        static dist::communicator group(dist::communicator_options{std::chrono::seconds(60)});
        return group;
    }

    // The largest |a - b| relative to the largest |b|, over two spans of one length.
    double relative_difference(std::span<const float> a, std::span<const float> b)
    {
        double largest = 1e-30, difference = 0.0;
        for (std::size_t i = 0; i < a.size(); ++i)
        {
            largest = std::max(largest, double(std::abs(b[i])));
            difference = std::max(difference, double(std::abs(a[i] - b[i])));
        }
        return difference / largest;
    }

    // How far training moved `found` from `expected`, relative to how far it moved `expected`
    // from `start` (L2 norms): a change of method shows as a large fraction, rounding as a tiny
    // one, and an element whose Adam step flipped sign on rounding does not dominate.
    double update_difference(std::span<const float> found, std::span<const float> expected,
                             std::span<const float> start)
    {
        double difference = 0.0, update = 1e-30;
        for (std::size_t i = 0; i < found.size(); ++i)
        {
            difference += std::pow(double(found[i]) - expected[i], 2);
            update += std::pow(double(expected[i]) - start[i], 2);
        }
        return std::sqrt(difference / update);
    }

    fs::path mnist_folder()
    {
        if (const char* root = std::getenv("SSGAN_SHARED_DATA"))
            return fs::path(root) / "mnist";
        return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path() /
               "shared" / "data" / "mnist";
    }
}

BOOST_TEST_GLOBAL_FIXTURE(mpi_for_the_program);

BOOST_AUTO_TEST_SUITE(communicator)

BOOST_AUTO_TEST_CASE(runs_on_two_ranks)
{
    BOOST_REQUIRE_EQUAL(world().size(), 2u);
    BOOST_TEST(world().ranks_on_node() == 2u);
}

BOOST_AUTO_TEST_CASE(sum_adds_every_ranks_values)
{
    const double rank = double(world().rank());
    std::vector<double> values = {1.0 + rank, 10.0 * rank, -0.5};
    world().sum(values);
    BOOST_TEST(values == (std::vector<double>{3.0, 10.0, -1.0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(broadcast_gives_rank_zeros_values)
{
    std::vector<float> values(1000);
    std::iota(values.begin(), values.end(), float(world().rank() * 5000));
    broadcast_floats(world(), values);
    BOOST_TEST(values.front() == 0.0f);
    BOOST_TEST(values.back() == 999.0f);
}

// Buckets of 48 bytes over 1000 floats: 84 buckets, started in the order of a backward pass
// over layers of 300, 500 and 200 floats, give the mean of the two ranks' buffers.
BOOST_AUTO_TEST_CASE(bucketed_average_gives_the_mean_with_overlap_and_without)
{
    for (const bool overlap : {true, false})
    {
        dist::communicator group(dist::communicator_options{std::chrono::seconds(60), 48, overlap});
        std::vector<float> gradients(1000);
        for (std::size_t i = 0; i < gradients.size(); ++i)
            gradients[i] = float(i) * (group.rank() == 0 ? 1.0f : 3.0f); // mean 2i
        auto average = group.averager_for(gradients);
        BOOST_TEST(static_cast<dist::bucketed_average&>(*average).bucket_count() == 84u);
        for (int pass = 0; pass < 2; ++pass)
        {
            average->ready_from(800);
            average->ready_from(300);
            average->ready_from(0);
            average->finish();
        }
        for (std::size_t i = 0; i < gradients.size(); ++i)
            BOOST_TEST(gradients[i] == 2.0f * float(i)); // the mean of a mean
        BOOST_TEST(group.statistics().reduced_bytes == 2 * 1000 * sizeof(float));
    }
}

BOOST_AUTO_TEST_CASE(a_rank_that_never_answers_stops_the_wait_with_a_message)
{
    // Rank 1 joins only after rank 0 has given up, so rank 0 meets its timeout. The abandoned
    // sum still completes later, in place, so its buffer lives until the final barrier.
    dist::communicator group(dist::communicator_options{std::chrono::milliseconds(300)});
    std::vector<double> values(3, 1.0);
    if (group.rank() == 0)
    {
        const auto start = std::chrono::steady_clock::now();
        try
        {
            group.sum(values);
            BOOST_FAIL("the sum completed without rank 1");
        }
        catch (const dist::mpi_error& failure)
        {
            const std::string message = failure.what();
            BOOST_TEST(message.find("rank 0 of 2: no answer from the other ranks") == 0u, message);
            BOOST_TEST(message.find("24 bytes") != std::string::npos, message);
        }
        const std::chrono::duration<double> waited = std::chrono::steady_clock::now() - start;
        BOOST_TEST(waited.count() < 2.0);
    }
    else
    {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        group.sum(values);
        BOOST_TEST(values[0] == 2.0);
    }
    world().barrier();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(synchronized_batch_norm)

// Each rank normalizes its half of a batch with the statistics of the whole; outputs, input
// gradients and (averaged) parameter gradients equal one process's on the whole batch.
BOOST_AUTO_TEST_CASE(two_half_batches_match_one_whole_batch)
{
    using net = network<input<3, 4, 4>, batch_norm<>, leaky_relu<0.2f>, flatten, dense<5>>;
    constexpr std::size_t whole = 12, half = whole / 2;
    random_stream random(5);
    tensor<net::input_shape> inputs(whole);
    random.fill_normal(inputs.span(), 0.5f, 2.0f);
    tensor<net::output_shape> d_outputs(whole);
    random.fill_normal(d_outputs.span(), 0.0f, 1.0f);

    net alone, replica;
    random_stream init(9);
    alone.initialize(init);
    std::copy(alone.parameters().begin(), alone.parameters().end(), replica.parameters().begin());
    std::copy(alone.state().begin(), alone.state().end(), replica.state().begin());

    random_stream layer_random(1);
    context solo(layer_random);
    const auto whole_out = alone.forward(inputs, solo);
    tensor<net::input_shape> whole_d_in(whole);
    alone.zero_gradients();
    alone.backward(d_outputs, solo, whole_d_in.view());

    // The local loss is a mean over half the batch: its output gradient is twice the whole's.
    const std::size_t first = world().rank() * half;
    tensor<net::input_shape> mine(half);
    std::copy_n(inputs.data() + first * net::input_shape::size, mine.size(), mine.data());
    tensor<net::output_shape> my_d_out(half);
    for (std::size_t i = 0; i < my_d_out.size(); ++i)
        my_d_out[i] = 2.0f * d_outputs[first * net::output_shape::size + i];
    context shared(layer_random);
    shared.batch_statistics_group = &world();
    const auto my_out = replica.forward(mine, shared);
    tensor<net::input_shape> my_d_in(half);
    replica.zero_gradients();
    replica.backward(my_d_out, shared, my_d_in.view());
    world().averager_for(replica.gradients())->finish();

    const auto whole_mine =
        std::span(whole_out.data() + first * net::output_shape::size, my_out.size());
    BOOST_TEST(relative_difference(my_out.span(), whole_mine) < 1e-5);
    std::vector<float> expected_d_in(my_d_in.size());
    for (std::size_t i = 0; i < expected_d_in.size(); ++i)
        expected_d_in[i] = 2.0f * whole_d_in[first * net::input_shape::size + i];
    BOOST_TEST(relative_difference(my_d_in.span(), expected_d_in) < 1e-4);
    BOOST_TEST(relative_difference(replica.gradients(), alone.gradients()) < 1e-4);
    // Running statistics moved toward the whole batch's mean and (unbiased) variance.
    BOOST_TEST(relative_difference(replica.state(), alone.state()) < 1e-5);
}

BOOST_AUTO_TEST_SUITE_END()

namespace
{
    // Small SSGAN models without dropout or noise, with batch norm in both networks, a
    // convolutional part and weight normalization with data-dependent initialization.
    // clang-format off
    using small_discriminator = network<input<1, 28, 28>,
                                        conv2d<8, kernel<5>, stride<2>, padding::same>,
                                        leaky_relu<0.2f>, batch_norm<>,
                                        conv2d<16, kernel<5>, stride<2>, padding::same>,
                                        leaky_relu<0.2f>, batch_norm<>,
                                        flatten, dense<32, weight_norm>, relu,
                                        dense<10, weight_norm, init_scale<0.1f>>>;
    using small_generator = network<input<16>,
                                    dense<64>, softplus, batch_norm<>,
                                    dense<784, weight_norm_without_data_init>, sigmoid,
                                    reshape<1, 28, 28>>;
    // clang-format on

    struct matching_model
    {
        static constexpr std::string_view name = "dist-test-matching";
        static constexpr std::size_t classes = 10;
        static constexpr bool explicit_fake_class = false;
        static constexpr bool pixels_from_minus_one = false;
        static constexpr float noise_low = 0.0f;
        static constexpr float noise_high = 1.0f;
        using discriminator = small_discriminator;
        using generator = small_generator;
        static constexpr std::size_t feature_layer = 8; // the ReLU after dense<32>
        static constexpr gan::generator_objective objective =
            gan::generator_objective::feature_matching;
    };

    // The other objective, with clipping and two generator steps per discriminator step.
    struct non_saturating_model : matching_model
    {
        static constexpr std::string_view name = "dist-test-non-saturating";
        static constexpr gan::generator_objective objective =
            gan::generator_objective::non_saturating;
    };

    struct mnist
    {
        data::dataset train = data::load_mnist(mnist_folder(), data::split::train);
        data::dataset test = data::load_mnist(mnist_folder(), data::split::test);
    };

    const mnist& digits()
    {
        static const mnist loaded;
        return loaded;
    }

    gan::settings small_settings(std::size_t batch)
    {
        gan::settings chosen;
        chosen.batch_size = batch;
        chosen.labels = 20;
        chosen.init_batch = 64;
        chosen.seed = 7;
        chosen.learning_rate = 0.001f;
        return chosen;
    }

    struct differences
    {
        double d = 0.0;
        double g = 0.0;
    };

    // Trains `steps` steps on 1 process with `chosen` and on the 2 ranks with half its batch
    // each, and compares losses and running statistics, with synchronized batch norm; returns
    // the update differences of D and G.
    template <class Model>
    differences compare_with_one_process(gan::settings chosen, std::size_t steps,
                                         bool synchronized = true)
    {
        const std::size_t ranks = world().size();
        gan::trainer<Model> alone(digits().train, digits().test, chosen);
        gan::settings local = chosen;
        local.batch_size = chosen.batch_size / ranks;
        local.synchronized_batch_norm = synchronized;
        gan::trainer<Model> replica(digits().train, digits().test, local, Model::objective,
                                    &world());
        const std::vector<float> d_start(alone.critic().parameters().begin(),
                                         alone.critic().parameters().end());
        const std::vector<float> g_start(alone.maker().parameters().begin(),
                                         alone.maker().parameters().end());
        BOOST_TEST(relative_difference(replica.critic().parameters(), d_start) == 0.0);

        for (std::size_t step = 0; step < steps; ++step)
        {
            const gan::step_result expected = alone.step();
            const gan::step_result found = replica.step();
            if (!synchronized)
                continue;
            BOOST_TEST(found.s_loss == expected.s_loss, boost::test_tools::tolerance(1e-4f));
            BOOST_TEST(found.d_loss == expected.d_loss, boost::test_tools::tolerance(1e-4f));
            BOOST_TEST(found.g_loss == expected.g_loss, boost::test_tools::tolerance(1e-3f));
            BOOST_TEST(found.train_accuracy == expected.train_accuracy);
        }
        const double d_difference =
            update_difference(replica.critic().parameters(), alone.critic().parameters(), d_start);
        const double g_difference =
            update_difference(replica.maker().parameters(), alone.maker().parameters(), g_start);
        BOOST_TEST_MESSAGE("rank " << world().rank() << ": update differences D " << d_difference
                                   << ", G " << g_difference);
        if (synchronized)
        {
            BOOST_TEST(relative_difference(replica.critic().state(), alone.critic().state()) <
                       1e-3);
            BOOST_TEST(relative_difference(replica.maker().state(), alone.maker().state()) < 1e-3);
        }
        BOOST_TEST(replica.epoch() == alone.epoch());
        return {d_difference, g_difference};
    }

    // Rounding alone: Adam turns a tiny gradient into a full step, so a few elements whose
    // gradient rounds to the other sign differ by up to 2 lr per step; that stays below 1 %.
    void check_equivalent(differences found)
    {
        BOOST_TEST(found.d < 1e-2);
        BOOST_TEST(found.g < 1e-2);
    }
}

BOOST_AUTO_TEST_SUITE(data_parallel_trainer)

BOOST_AUTO_TEST_CASE(two_ranks_with_half_batches_match_one_process_with_feature_matching)
{
    check_equivalent(compare_with_one_process<matching_model>(small_settings(32), 4));
}

// The control: per-rank batch statistics are a different method, and the comparison sees it.
BOOST_AUTO_TEST_CASE(two_ranks_with_per_rank_batch_norm_differ_from_one_process)
{
    const differences found =
        compare_with_one_process<matching_model>(small_settings(32), 4, false);
    BOOST_TEST(found.g > 0.1);
}

BOOST_AUTO_TEST_CASE(two_ranks_with_half_batches_match_one_process_with_clipping)
{
    gan::settings chosen = small_settings(32);
    chosen.update_rate = 2;
    chosen.clip_norm = 1.0f;
    check_equivalent(compare_with_one_process<non_saturating_model>(chosen, 3));
}

// A checkpoint that 2 ranks wrote continues on 1 process, and the result equals training on
// 1 process throughout: the samplers and noise stream in it describe the global batch.
BOOST_AUTO_TEST_CASE(a_checkpoint_from_two_ranks_resumes_on_one_process)
{
    const gan::settings chosen = small_settings(32);
    gan::settings local = chosen;
    local.batch_size /= world().size();
    local.synchronized_batch_norm = true;
    const fs::path file = fs::current_path() / "resume-from-two-ranks.ckpt";
    {
        gan::trainer<matching_model> replica(digits().train, digits().test, local,
                                             matching_model::objective, &world());
        replica.step();
        replica.step();
        if (world().rank() == 0)
            replica.save(file);
        world().barrier();
    }

    gan::trainer<matching_model> alone(digits().train, digits().test, chosen);
    gan::trainer<matching_model> resumed(digits().train, digits().test, chosen);
    const std::vector<float> d_start(alone.critic().parameters().begin(),
                                     alone.critic().parameters().end());
    const std::vector<float> g_start(alone.maker().parameters().begin(),
                                     alone.maker().parameters().end());
    alone.step();
    alone.step();
    resumed.load(file);
    BOOST_TEST(resumed.steps_done() == 2u);
    alone.step();
    resumed.step();
    check_equivalent(
        {update_difference(resumed.critic().parameters(), alone.critic().parameters(), d_start),
         update_difference(resumed.maker().parameters(), alone.maker().parameters(), g_start)});
    world().barrier();
    if (world().rank() == 0)
        fs::remove(file);
}

BOOST_AUTO_TEST_SUITE_END()
