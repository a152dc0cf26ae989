#define BOOST_TEST_MODULE optim_sgd
#include <boost/test/unit_test.hpp>

#include "ssgan/optim/sgd.hpp"

#include <oneapi/tbb/global_control.h>

#include <cstddef>
#include <vector>

namespace
{
    using ssgan::optim::sgd;
    namespace tt = boost::test_tools;
}

BOOST_AUTO_TEST_CASE(plain_sgd_subtracts_lr_times_gradient)
{
    std::vector<float> parameters{1.0f, -1.0f};
    sgd optimizer(2, {.lr = 0.5f});
    optimizer.step(parameters, std::vector<float>{0.5f, -2.0f});
    BOOST_TEST(parameters == (std::vector<float>{0.75f, 0.0f}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(momentum_matches_hand_computation)
{
    // mu 0.9, lr 0.1, theta 0, gradient 1 twice:
    // v = 1, theta = -0.1; v = 0.9 + 1 = 1.9, theta = -0.1 - 0.19 = -0.29.
    std::vector<float> parameters{0.0f};
    sgd optimizer(1, {.lr = 0.1f, .momentum = 0.9f});
    optimizer.step(parameters, std::vector<float>{1.0f});
    BOOST_TEST(parameters[0] == -0.1f, tt::tolerance(1e-6f));
    optimizer.step(parameters, std::vector<float>{1.0f});
    BOOST_TEST(optimizer.velocity()[0] == 1.9f, tt::tolerance(1e-6f));
    BOOST_TEST(parameters[0] == -0.29f, tt::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(nesterov_matches_hand_computation)
{
    // Nesterov steps along g + mu v with the updated v:
    // v = 1, theta = -0.1 (1 + 0.9) = -0.19; v = 1.9, theta = -0.19 - 0.1 (1 + 1.71) = -0.461.
    std::vector<float> parameters{0.0f};
    sgd optimizer(1, {.lr = 0.1f, .momentum = 0.9f, .nesterov = true});
    optimizer.step(parameters, std::vector<float>{1.0f});
    BOOST_TEST(parameters[0] == -0.19f, tt::tolerance(1e-6f));
    optimizer.step(parameters, std::vector<float>{1.0f});
    BOOST_TEST(parameters[0] == -0.461f, tt::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(sgd_velocity_restored_from_a_checkpoint_continues_identically)
{
    std::vector<float> first_parameters{1.0f, 2.0f, 3.0f};
    sgd first(3, {.lr = 0.05f, .momentum = 0.8f, .nesterov = true});
    first.step(first_parameters, std::vector<float>{0.3f, -0.2f, 0.1f});

    std::vector<float> second_parameters = first_parameters;
    sgd second(3, {.lr = 0.05f, .momentum = 0.8f, .nesterov = true});
    second.load_state(first.velocity());

    const std::vector<float> gradients{-0.4f, 0.5f, 0.25f};
    first.step(first_parameters, gradients);
    second.step(second_parameters, gradients);
    BOOST_TEST(first_parameters == second_parameters, tt::per_element());
}

BOOST_AUTO_TEST_CASE(sgd_result_does_not_depend_on_the_thread_count)
{
    const auto run = [](std::size_t threads)
    {
        const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
        const std::size_t size = 200'003;
        std::vector<float> parameters(size);
        std::vector<float> gradients(size);
        for (std::size_t i = 0; i < size; ++i)
        {
            parameters[i] = static_cast<float>(i % 97) * 0.01f;
            gradients[i] = static_cast<float>(i % 13) * 0.1f - 0.6f;
        }
        sgd optimizer(size, {.lr = 0.01f, .momentum = 0.9f, .nesterov = true});
        optimizer.step(parameters, gradients);
        optimizer.step(parameters, gradients);
        return parameters;
    };
    BOOST_TEST(run(1) == run(2), tt::per_element());
}

BOOST_AUTO_TEST_CASE(sgd_rejects_bad_settings_and_sizes)
{
    BOOST_CHECK_THROW(sgd(2, {.lr = 0.1f, .momentum = 0.0f, .nesterov = true}),
                      ssgan::config_error);
    BOOST_CHECK_THROW(sgd(2, {.lr = 0.1f, .momentum = 1.0f}), ssgan::config_error);
    BOOST_CHECK_THROW(sgd(2, {.lr = -0.1f}), ssgan::config_error);
    sgd optimizer(2);
    std::vector<float> parameters(3);
    BOOST_CHECK_THROW(optimizer.step(parameters, std::vector<float>(2)), ssgan::config_error);
    BOOST_CHECK_THROW(optimizer.load_state(std::vector<float>(1)), ssgan::config_error);
}
