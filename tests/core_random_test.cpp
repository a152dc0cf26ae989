// core/random.hpp: counter-based random streams. Draws depend on the seed and the counter only,
// never on the thread count; the distributions have their stated moments; split streams and
// saved states behave as documented. Statistical tolerances are about five standard errors.
#define BOOST_TEST_MODULE core_random
#include <boost/test/unit_test.hpp>

#include <ssgan/ssgan.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

using namespace ssgan;

namespace
{
    constexpr std::size_t million = 1'000'000;

    struct moments
    {
        double mean = 0.0;
        double variance = 0.0;
        double kurtosis = 0.0; // fourth central moment / variance², 3 for a normal
    };

    moments moments_of(const std::vector<float>& values)
    {
        moments result;
        for (float value : values)
            result.mean += value;
        result.mean /= static_cast<double>(values.size());
        double fourth = 0.0;
        for (float value : values)
        {
            const double centered = value - result.mean;
            result.variance += centered * centered;
            fourth += centered * centered * centered * centered;
        }
        result.variance /= static_cast<double>(values.size());
        result.kurtosis =
            fourth / static_cast<double>(values.size()) / (result.variance * result.variance);
        return result;
    }

    // All three fills of one size from a fresh stream of one seed, one after the other.
    std::vector<float> draw_everything(std::size_t count)
    {
        random_stream random(2024);
        std::vector<float> uniform(count);
        std::vector<float> normal(count);
        std::vector<float> mask(count);
        random.fill_uniform(uniform, -1.0f, 1.0f);
        random.fill_normal(normal, 0.0f, 1.0f);
        random.fill_dropout_mask(mask, 0.6f);

        std::vector<float> all = uniform;
        all.insert(all.end(), normal.begin(), normal.end());
        all.insert(all.end(), mask.begin(), mask.end());
        return all;
    }

    // Restores the default thread count however a test ends.
    struct thread_count_guard
    {
        ~thread_count_guard() { set_threads(0); }
    };
}

BOOST_AUTO_TEST_CASE(one_seed_gives_one_sequence_and_another_seed_another)
{
    random_stream first(11);
    random_stream again(11);
    random_stream other(12);

    std::vector<std::uint64_t> a, b, c;
    for (int i = 0; i < 100; ++i)
    {
        a.push_back(first.next_u64());
        b.push_back(again.next_u64());
        c.push_back(other.next_u64());
    }

    BOOST_TEST(a == b, boost::test_tools::per_element());
    std::size_t equal = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        equal += a[i] == c[i];
    BOOST_TEST(equal == 0u);
}

// Fills above the 4096-value grain run in parallel; the n-th value depends on the counter only,
// so the split of the work among threads cannot show in the values.
BOOST_AUTO_TEST_CASE(large_fills_are_identical_at_one_and_two_threads)
{
    thread_count_guard guard;
    constexpr std::size_t count = 100'003; // odd, and not a multiple of the grain

    set_threads(1);
    BOOST_TEST(current_threads() == 1u);
    const std::vector<float> one_thread = draw_everything(count);

    set_threads(2);
    BOOST_TEST(current_threads() == 2u);
    const std::vector<float> two_threads = draw_everything(count);

    BOOST_TEST(one_thread == two_threads, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_large_fill_equals_the_same_draws_made_in_small_pieces)
{
    random_stream whole(5);
    random_stream pieces(5);
    std::vector<float> at_once(20'000);
    std::vector<float> piecewise(20'000);

    whole.fill_uniform(at_once, 0.0f, 1.0f);
    for (std::size_t start = 0; start < piecewise.size(); start += 1000)
        pieces.fill_uniform(std::span<float>(piecewise).subspan(start, 1000), 0.0f, 1.0f);

    BOOST_TEST(at_once == piecewise, boost::test_tools::per_element());

    // Normal values come in pairs; pieces of even length draw the same pairs.
    whole.fill_normal(at_once, 0.0f, 1.0f);
    for (std::size_t start = 0; start < piecewise.size(); start += 1000)
        pieces.fill_normal(std::span<float>(piecewise).subspan(start, 1000), 0.0f, 1.0f);

    BOOST_TEST(at_once == piecewise, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_fill_advances_the_counter_by_the_draws_it_used)
{
    random_stream random(5);
    std::vector<float> seven(7);

    random.fill_uniform(seven, 0.0f, 1.0f);
    BOOST_TEST(random.state().counter == 7u);
    random.fill_dropout_mask(seven, 0.5f);
    BOOST_TEST(random.state().counter == 14u);
    random.fill_normal(seven, 0.0f, 1.0f); // four pairs
    BOOST_TEST(random.state().counter == 22u);
    random.next_u64();
    BOOST_TEST(random.state().counter == 23u);
}

// Uniform on [-2, 3): mean 0.5 (standard error 0.0014 for 10⁶ draws), variance 25 / 12
// (standard error 0.0019).
BOOST_AUTO_TEST_CASE(uniform_fill_stays_in_its_range_with_the_right_mean_and_variance)
{
    random_stream random(7);
    std::vector<float> values(million);

    random.fill_uniform(values, -2.0f, 3.0f);

    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    BOOST_TEST(*low >= -2.0f);
    BOOST_TEST(*high < 3.0f);
    BOOST_TEST(*low < -1.999f);
    BOOST_TEST(*high > 2.999f);
    const moments stats = moments_of(values);
    BOOST_TEST(std::abs(stats.mean - 0.5) < 0.008);
    BOOST_TEST(std::abs(stats.variance - 25.0 / 12.0) < 0.01);
}

BOOST_AUTO_TEST_CASE(single_uniform_draws_lie_in_zero_exclusive_to_one_inclusive)
{
    random_stream random(8);
    double sum = 0.0;
    for (std::size_t i = 0; i < 100'000; ++i)
    {
        const float value = random.uniform();
        BOOST_TEST_REQUIRE(value > 0.0f);
        BOOST_TEST_REQUIRE(value <= 1.0f);
        sum += value;
    }
    BOOST_TEST(std::abs(sum / 100'000 - 0.5) < 0.005); // standard error 0.0009
}

BOOST_AUTO_TEST_CASE(below_stays_under_its_bound_and_hits_every_value_evenly)
{
    random_stream random(9);
    std::vector<std::size_t> counts(7);
    for (std::size_t i = 0; i < 70'000; ++i)
    {
        const std::uint64_t value = random.below(7);
        BOOST_TEST_REQUIRE(value < 7u);
        ++counts[value];
    }
    // Each count is 10000 ± 93 (one standard error).
    for (std::size_t count : counts)
        BOOST_TEST((count > 9500u && count < 10500u), "count " << count);
}

// Normal with mean 1.5 and std 0.5 from 10⁶ draws: standard errors 0.0005 for the mean,
// 0.00035 for the std, 0.0005 for the share within one std (0.6827) and 0.01 for the kurtosis.
BOOST_AUTO_TEST_CASE(normal_fill_has_the_stated_mean_std_and_shape)
{
    random_stream random(10);
    std::vector<float> values(million);

    random.fill_normal(values, 1.5f, 0.5f);

    const moments stats = moments_of(values);
    BOOST_TEST(std::abs(stats.mean - 1.5) < 0.0025);
    BOOST_TEST(std::abs(std::sqrt(stats.variance) - 0.5) < 0.002);
    BOOST_TEST(std::abs(stats.kurtosis - 3.0) < 0.05);

    const auto within = [&](double spread)
    {
        const auto inside =
            std::count_if(values.begin(), values.end(),
                          [&](float value) { return std::abs(value - 1.5) < spread * 0.5; });
        return static_cast<double>(inside) / static_cast<double>(values.size());
    };
    BOOST_TEST(std::abs(within(1.0) - 0.682689) < 0.0025);
    BOOST_TEST(std::abs(within(2.0) - 0.954500) < 0.0012);

    // Neighbours (the two halves of one Box-Muller pair, or of two pairs) are uncorrelated.
    double products = 0.0;
    for (std::size_t i = 0; i + 1 < values.size(); ++i)
        products += (values[i] - 1.5) * (values[i + 1] - 1.5);
    const double correlation = products / static_cast<double>(values.size() - 1) / 0.25;
    BOOST_TEST(std::abs(correlation) < 0.005);
}

BOOST_AUTO_TEST_CASE(normal_fill_of_odd_length_writes_every_value)
{
    random_stream random(11);
    std::vector<float> values(5, std::numeric_limits<float>::quiet_NaN());

    random.fill_normal(values, 0.0f, 1.0f);

    for (float value : values)
        BOOST_TEST(std::isfinite(value));
}

// Keep probability 0.6 over 10⁶ units: the kept share is 0.6 ± 0.0005 (one standard error).
BOOST_AUTO_TEST_CASE(dropout_mask_holds_zero_or_the_inverse_keep_probability)
{
    random_stream random(12);
    std::vector<float> mask(million);

    random.fill_dropout_mask(mask, 0.6f);

    const float scale = 1.0f / 0.6f;
    std::size_t kept = 0;
    for (float value : mask)
    {
        BOOST_TEST_REQUIRE((value == 0.0f || value == scale));
        kept += value != 0.0f;
    }
    BOOST_TEST(std::abs(static_cast<double>(kept) / million - 0.6) < 0.0025);
}

BOOST_AUTO_TEST_CASE(dropout_mask_with_keep_probability_one_keeps_everything)
{
    random_stream random(13);
    std::vector<float> mask(10'000);

    random.fill_dropout_mask(mask, 1.0f);

    BOOST_TEST(std::all_of(mask.begin(), mask.end(), [](float value) { return value == 1.0f; }));
}

BOOST_AUTO_TEST_CASE(split_streams_differ_from_each_other_and_from_their_parent)
{
    const random_stream parent(14);
    random_stream parent_copy = parent;
    random_stream first = parent.split(0);
    random_stream second = parent.split(1);

    std::size_t equal_first_second = 0;
    std::size_t equal_first_parent = 0;
    for (int i = 0; i < 1000; ++i)
    {
        const std::uint64_t a = first.next_u64();
        equal_first_second += a == second.next_u64();
        equal_first_parent += a == parent_copy.next_u64();
    }
    BOOST_TEST(equal_first_second == 0u);
    BOOST_TEST(equal_first_parent == 0u);
}

// A child stream depends on the parent's key and the purpose only, so a layer's stream does not
// change when draws happen elsewhere before it is split off.
BOOST_AUTO_TEST_CASE(split_depends_on_the_purpose_not_on_the_parents_draws)
{
    random_stream parent(15);
    random_stream before = parent.split(3);
    parent.next_u64();
    random_stream after = parent.split(3);

    for (int i = 0; i < 100; ++i)
        BOOST_TEST_REQUIRE(before.next_u64() == after.next_u64());
}

BOOST_AUTO_TEST_CASE(a_saved_state_reproduces_the_draws_that_follow_it)
{
    random_stream random(16);
    random.next_u64();
    const random_stream::state_type saved = random.state();
    std::vector<float> first(10'000);
    random.fill_normal(first, 0.0f, 1.0f);

    random.set_state(saved);
    std::vector<float> again(10'000);
    random.fill_normal(again, 0.0f, 1.0f);
    BOOST_TEST(again == first, boost::test_tools::per_element());

    // The state is all there is: a default stream given it continues the same way.
    random_stream elsewhere;
    elsewhere.set_state(saved);
    std::vector<float> restored(10'000);
    elsewhere.fill_normal(restored, 0.0f, 1.0f);
    BOOST_TEST(restored == first, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(set_threads_rejects_an_absurd_count)
{
    thread_count_guard guard;
    BOOST_CHECK_THROW(set_threads(5000), config_error);

    set_threads(0);
    BOOST_TEST(current_threads() == hardware_threads());
}
