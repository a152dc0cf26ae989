#define BOOST_TEST_MODULE optim_clip
#include <boost/test/unit_test.hpp>

#include "ssgan/optim/clip.hpp"

#include <oneapi/tbb/global_control.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

namespace
{
    using ssgan::optim::clip_by_global_norm;
    using ssgan::optim::global_norm;
    namespace tt = boost::test_tools;
}

BOOST_AUTO_TEST_CASE(gradients_under_the_limit_are_left_alone)
{
    std::vector<float> gradients{3.0f, 4.0f};
    BOOST_TEST(clip_by_global_norm(gradients, 10.0f) == 5.0f);
    BOOST_TEST(gradients == (std::vector<float>{3.0f, 4.0f}), tt::per_element());
    // A norm exactly at the limit is not rescaled either.
    BOOST_TEST(clip_by_global_norm(gradients, 5.0f) == 5.0f);
    BOOST_TEST(gradients == (std::vector<float>{3.0f, 4.0f}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(gradients_over_the_limit_are_scaled_to_it)
{
    // Norm 5, limit 1: scale by 1/5.
    std::vector<float> gradients{3.0f, 4.0f};
    BOOST_TEST(clip_by_global_norm(gradients, 1.0f) == 5.0f);
    BOOST_TEST(gradients[0] == 0.6f, tt::tolerance(1e-6f));
    BOOST_TEST(gradients[1] == 0.8f, tt::tolerance(1e-6f));
    BOOST_TEST(global_norm(gradients) == 1.0f, tt::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(several_buffers_share_one_global_norm)
{
    // Together (3, 4) has norm 5 although each buffer alone is under 2.5.
    std::vector<float> first{3.0f};
    std::vector<float> second{4.0f};
    BOOST_TEST(global_norm({first, second}) == 5.0f);

    BOOST_TEST(clip_by_global_norm({first, second}, 2.5f) == 5.0f);
    BOOST_TEST(first[0] == 1.5f, tt::tolerance(1e-6f));
    BOOST_TEST(second[0] == 2.0f, tt::tolerance(1e-6f));

    std::array<std::span<float>, 2> groups{first, second};
    BOOST_TEST(global_norm(std::span<const std::span<float>>(groups)) == 2.5f,
               tt::tolerance(1e-6f));
    BOOST_TEST(clip_by_global_norm(groups, 0.5f) == 2.5f, tt::tolerance(1e-6f));
    BOOST_TEST(first[0] == 0.3f, tt::tolerance(1e-5f));
    BOOST_TEST(second[0] == 0.4f, tt::tolerance(1e-5f));
}

BOOST_AUTO_TEST_CASE(a_non_finite_norm_is_returned_and_nothing_is_scaled)
{
    std::vector<float> gradients{1.0f, std::nanf(""), 2.0f};
    BOOST_TEST(std::isnan(clip_by_global_norm(gradients, 1.0f)));
    BOOST_TEST(gradients[0] == 1.0f);
    BOOST_TEST(gradients[2] == 2.0f);
}

BOOST_AUTO_TEST_CASE(global_norm_does_not_depend_on_the_thread_count)
{
    const std::size_t size = 1'000'003;
    std::vector<float> values(size);
    double exact = 0.0;
    for (std::size_t i = 0; i < size; ++i)
    {
        values[i] = std::sin(static_cast<float>(i)) * 1e-2f;
        exact += static_cast<double>(values[i]) * values[i];
    }
    const auto norm_with = [&](std::size_t threads)
    {
        const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
        return global_norm(values);
    };

    const float one_thread = norm_with(1);
    BOOST_TEST(one_thread == norm_with(2));
    BOOST_TEST(one_thread == norm_with(8));
    BOOST_TEST(one_thread == std::sqrt(exact), tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(clipping_rejects_a_non_positive_limit)
{
    std::vector<float> gradients{1.0f};
    BOOST_CHECK_THROW(clip_by_global_norm(gradients, 0.0f), ssgan::config_error);
    BOOST_CHECK_THROW(clip_by_global_norm(gradients, -1.0f), ssgan::config_error);
    BOOST_CHECK_THROW(clip_by_global_norm(gradients, INFINITY), ssgan::config_error);
}
