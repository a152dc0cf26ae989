#define BOOST_TEST_MODULE optim_ema
#include <boost/test/unit_test.hpp>

#include "ssgan/optim/ema.hpp"

#include <vector>

namespace
{
    using ssgan::optim::exponential_moving_average;
    namespace tt = boost::test_tools;
}

BOOST_AUTO_TEST_CASE(average_starts_at_the_parameters_and_follows_them)
{
    // decay 0.5: 0 -> 0.5 * 0 + 0.5 * 1 = 0.5 -> 0.5 * 0.5 + 0.5 * 1 = 0.75.
    const std::vector<float> initial{0.0f, 4.0f};
    exponential_moving_average average(initial, {.decay = 0.5f});
    BOOST_TEST(average.average()[1] == 4.0f);

    const std::vector<float> parameters{1.0f, 0.0f};
    average.update(parameters);
    BOOST_TEST(average.average()[0] == 0.5f);
    BOOST_TEST(average.average()[1] == 2.0f);
    average.update(parameters);
    BOOST_TEST(average.average()[0] == 0.75f);
    BOOST_TEST(average.average()[1] == 1.0f);
    BOOST_TEST(average.updates() == 2u);
}

BOOST_AUTO_TEST_CASE(warmup_decay_is_min_of_decay_and_one_plus_t_over_ten_plus_t)
{
    // t = 0: decay 1/10, average = 0.1 * 0 + 0.9 * 1 = 0.9.
    // t = 1: decay 2/11, average = (2/11) 0.9 + (9/11) 1 = 10.8 / 11.
    const std::vector<float> initial{0.0f};
    const std::vector<float> parameters{1.0f};
    exponential_moving_average average(initial, {.decay = 0.999f, .warmup = true});

    BOOST_TEST(average.next_decay() == 0.1f, tt::tolerance(1e-6f));
    average.update(parameters);
    BOOST_TEST(average.average()[0] == 0.9f, tt::tolerance(1e-6f));
    BOOST_TEST(average.next_decay() == 2.0f / 11.0f, tt::tolerance(1e-6f));
    average.update(parameters);
    BOOST_TEST(average.average()[0] == 10.8f / 11.0f, tt::tolerance(1e-6f));

    // (1 + t) / (10 + t) passes 0.999 after t = 8991 updates; from then on decay rules.
    average.load_state(average.average(), 8990);
    BOOST_TEST(average.next_decay() == 8991.0f / 9000.0f, tt::tolerance(1e-6f));
    average.load_state(average.average(), 100'000);
    BOOST_TEST(average.next_decay() == 0.999f);
}

BOOST_AUTO_TEST_CASE(warmup_never_exceeds_a_small_decay)
{
    const std::vector<float> initial{0.0f};
    exponential_moving_average average(initial, {.decay = 0.05f, .warmup = true});
    BOOST_TEST(average.next_decay() == 0.05f);
}

BOOST_AUTO_TEST_CASE(swap_with_twice_restores_both_buffers)
{
    const std::vector<float> initial{1.0f, 2.0f};
    exponential_moving_average average(initial);
    std::vector<float> parameters{5.0f, 6.0f};

    average.swap_with(parameters);
    BOOST_TEST(parameters == initial, tt::per_element());
    BOOST_TEST(average.average()[0] == 5.0f);
    average.swap_with(parameters);
    BOOST_TEST(parameters == (std::vector<float>{5.0f, 6.0f}), tt::per_element());
    BOOST_TEST(average.average()[1] == 2.0f);

    std::vector<float> evaluation(2);
    average.copy_to(evaluation);
    BOOST_TEST(evaluation == initial, tt::per_element());
}

BOOST_AUTO_TEST_CASE(ema_state_restored_from_a_checkpoint_continues_identically)
{
    const std::vector<float> initial{0.0f, 1.0f, 2.0f};
    exponential_moving_average first(initial, {.decay = 0.9f, .warmup = true});
    first.update(std::vector<float>{1.0f, 1.0f, 1.0f});
    first.update(std::vector<float>{2.0f, 0.0f, 3.0f});

    exponential_moving_average second(initial, {.decay = 0.9f, .warmup = true});
    second.load_state(first.average(), first.updates());

    const std::vector<float> parameters{-1.0f, 4.0f, 0.5f};
    first.update(parameters);
    second.update(parameters);
    BOOST_TEST(std::vector<float>(first.average().begin(), first.average().end()) ==
                   std::vector<float>(second.average().begin(), second.average().end()),
               tt::per_element());
}

BOOST_AUTO_TEST_CASE(ema_rejects_bad_settings_and_sizes)
{
    const std::vector<float> initial{0.0f, 1.0f};
    BOOST_CHECK_THROW(exponential_moving_average(initial, {.decay = 1.5f}), ssgan::config_error);
    BOOST_CHECK_THROW(exponential_moving_average(initial, {.decay = -0.1f}), ssgan::config_error);
    exponential_moving_average average(initial);
    BOOST_CHECK_THROW(average.update(std::vector<float>(3)), ssgan::config_error);
    BOOST_CHECK_THROW(average.load_state(std::vector<float>(1), 0), ssgan::config_error);
}
