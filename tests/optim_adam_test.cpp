#define BOOST_TEST_MODULE optim_adam
#include <boost/test/unit_test.hpp>

#include "ssgan/optim/adam.hpp"

#include <oneapi/tbb/global_control.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

namespace
{
    using ssgan::optim::adam;
    namespace tt = boost::test_tools;

    std::vector<float> random_values(std::size_t count, unsigned seed)
    {
        std::mt19937 engine(seed);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> values(count);
        for (auto& value : values)
            value = normal(engine);
        return values;
    }

    // Three steps with fixed gradients on a buffer large enough to be split across threads.
    std::vector<float> run_three_steps(std::size_t threads)
    {
        const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
        const std::size_t size = 300'001;
        auto parameters = random_values(size, 1);
        adam optimizer(size, {.lr = 0.01f, .beta1 = 0.5f, .beta2 = 0.999f, .epsilon = 1e-8f});
        for (unsigned step = 0; step < 3; ++step)
            optimizer.step(parameters, random_values(size, 10 + step));
        return parameters;
    }
}

BOOST_AUTO_TEST_CASE(first_adam_step_moves_each_parameter_by_about_lr)
{
    // At t = 1, m_hat = g and v_hat = g^2, so theta -= lr * g / (|g| + epsilon).
    std::vector<float> parameters{1.0f, -2.0f, 0.5f};
    const std::vector<float> gradients{0.5f, -4.0f, 1e-3f};
    adam optimizer(3, {.lr = 0.1f, .beta1 = 0.9f, .beta2 = 0.999f, .epsilon = 1e-8f});

    optimizer.step(parameters, gradients);

    BOOST_TEST(optimizer.steps() == 1u);
    BOOST_TEST(parameters[0] == 1.0 - 0.1 * 0.5 / (0.5 + 1e-8), tt::tolerance(1e-6));
    BOOST_TEST(parameters[1] == -2.0 + 0.1 * 4.0 / (4.0 + 1e-8), tt::tolerance(1e-6));
    BOOST_TEST(parameters[2] == 0.5 - 0.1 * 1e-3 / (1e-3 + 1e-8), tt::tolerance(1e-6));
    // m = (1 - beta1) g, v = (1 - beta2) g^2; 1 - 0.999f is 0.000999987 in float, hence the
    // looser tolerance on v.
    BOOST_TEST(optimizer.first_moment()[0] == 0.05f, tt::tolerance(1e-6f));
    BOOST_TEST(optimizer.second_moment()[1] == 0.016f, tt::tolerance(1e-4f));
}

BOOST_AUTO_TEST_CASE(two_adam_steps_match_hand_computation)
{
    // lr 0.1, beta1 0.9, beta2 0.999, theta 1, gradients 0.5 then -0.25.
    // t = 1: m = 0.05, v = 0.00025, m_hat = 0.5, v_hat = 0.25, theta = 1 - 0.1 * 0.5 / 0.5 = 0.9.
    // t = 2: m = 0.9 * 0.05 + 0.1 * (-0.25) = 0.02
    //        v = 0.999 * 0.00025 + 0.001 * 0.0625 = 0.00031225
    //        m_hat = 0.02 / (1 - 0.81) = 2 / 19, v_hat = 0.00031225 / (1 - 0.998001)
    //        theta = 0.9 - 0.1 * m_hat / sqrt(v_hat) = 0.873366...
    std::vector<float> parameters{1.0f};
    adam optimizer(1, {.lr = 0.1f, .beta1 = 0.9f, .beta2 = 0.999f, .epsilon = 1e-8f});

    optimizer.step(parameters, std::vector<float>{0.5f});
    BOOST_TEST(parameters[0] == 0.9f, tt::tolerance(1e-6f));

    optimizer.step(parameters, std::vector<float>{-0.25f});
    const double m_hat = 0.02 / 0.19;
    const double v_hat = 0.00031225 / 0.001999;
    BOOST_TEST(optimizer.first_moment()[0] == 0.02, tt::tolerance(1e-5));
    BOOST_TEST(optimizer.second_moment()[0] == 0.00031225, tt::tolerance(1e-4));
    BOOST_TEST(parameters[0] == 0.9 - 0.1 * m_hat / (std::sqrt(v_hat) + 1e-8), tt::tolerance(1e-6));
    BOOST_TEST(parameters[0] == 0.8733663, tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(set_lr_changes_the_next_step_only)
{
    std::vector<float> parameters{0.0f};
    adam optimizer(1, {.lr = 0.1f});
    optimizer.set_lr(0.01f);
    optimizer.step(parameters, std::vector<float>{2.0f});
    BOOST_TEST(parameters[0] == -0.01f, tt::tolerance(1e-5f));
    BOOST_TEST(optimizer.options().lr == 0.01f);
}

BOOST_AUTO_TEST_CASE(adam_state_restored_from_a_checkpoint_continues_identically)
{
    const std::size_t size = 50;
    auto original = random_values(size, 3);
    adam first(size, {.lr = 0.003f, .beta1 = 0.5f});
    for (unsigned step = 0; step < 3; ++step)
        first.step(original, random_values(size, 20 + step));

    // What a checkpoint holds: parameters, both moments, the step count.
    auto restored = original;
    adam second(size, {.lr = 0.003f, .beta1 = 0.5f});
    second.load_state(first.first_moment(), first.second_moment(), first.steps());
    BOOST_TEST(second.steps() == 3u);

    for (unsigned step = 3; step < 5; ++step)
    {
        const auto gradients = random_values(size, 20 + step);
        first.step(original, gradients);
        second.step(restored, gradients);
    }
    BOOST_TEST(original == restored, tt::per_element());
}

BOOST_AUTO_TEST_CASE(reset_returns_adam_to_its_initial_state)
{
    std::vector<float> parameters{1.0f, 2.0f};
    adam optimizer(2);
    optimizer.step(parameters, std::vector<float>{1.0f, 1.0f});
    optimizer.reset();
    BOOST_TEST(optimizer.steps() == 0u);
    BOOST_TEST(optimizer.first_moment()[0] == 0.0f);
    BOOST_TEST(optimizer.second_moment()[1] == 0.0f);
}

BOOST_AUTO_TEST_CASE(adam_result_does_not_depend_on_the_thread_count)
{
    const auto one_thread = run_three_steps(1);
    const auto two_threads = run_three_steps(2);
    const auto four_threads = run_three_steps(4);
    BOOST_TEST(one_thread == two_threads, tt::per_element());
    BOOST_TEST(one_thread == four_threads, tt::per_element());
}

BOOST_AUTO_TEST_CASE(adam_rejects_bad_settings_and_sizes)
{
    BOOST_CHECK_THROW(adam(4, {.lr = -1.0f}), ssgan::config_error);
    BOOST_CHECK_THROW(adam(4, {.beta1 = 1.0f}), ssgan::config_error);
    BOOST_CHECK_THROW(adam(4, {.beta2 = -0.1f}), ssgan::config_error);
    BOOST_CHECK_THROW(adam(4, {.epsilon = 0.0f}), ssgan::config_error);
    BOOST_CHECK_THROW(adam(4, {.lr = std::nanf("")}), ssgan::config_error);

    adam optimizer(4);
    std::vector<float> parameters(4);
    const std::vector<float> short_gradients(3);
    BOOST_CHECK_THROW(optimizer.step(parameters, short_gradients), ssgan::config_error);
    BOOST_CHECK_THROW(optimizer.load_state(short_gradients, parameters, 1), ssgan::config_error);
    const std::vector<float> negative{0.0f, -1.0f, 0.0f, 0.0f};
    BOOST_CHECK_THROW(optimizer.load_state(parameters, negative, 1), ssgan::config_error);
}
