#define BOOST_TEST_MODULE data_split
#include <boost/test/unit_test.hpp>

#include "ssgan/data/split.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

using namespace ssgan;

namespace
{
    // 980 labels in 10 classes of uneven size (class c has 80 + 4c members), shuffled.
    std::vector<int> uneven_labels()
    {
        std::vector<int> labels;
        for (int c = 0; c < 10; ++c)
        {
            labels.insert(labels.end(), static_cast<std::size_t>(80 + 4 * c), c);
        }
        std::uint32_t state = 7;
        for (std::size_t i = labels.size() - 1; i > 0; --i)
        {
            state = state * 1664525u + 1013904223u;
            std::swap(labels[i], labels[(state >> 8) % (i + 1)]);
        }
        return labels;
    }

    std::vector<std::size_t> draw(data::batch_sampler& sampler, std::size_t batches)
    {
        std::vector<std::size_t> drawn;
        for (std::size_t b = 0; b < batches; ++b)
        {
            const std::vector<std::size_t> batch = sampler.next_batch();
            drawn.insert(drawn.end(), batch.begin(), batch.end());
        }
        return drawn;
    }

    template <class Call>
    void expect_config_error(Call call, const std::string& fragment)
    {
        try
        {
            call();
            BOOST_ERROR("expected ssgan::config_error, nothing was thrown");
        }
        catch (const config_error& e)
        {
            BOOST_TEST_MESSAGE("config_error: " << e.what());
            BOOST_TEST(std::string(e.what()).find(fragment) != std::string::npos,
                       "message \"" << e.what() << "\" lacks \"" << fragment << "\"");
        }
    }
}

BOOST_AUTO_TEST_SUITE(labeled_subset)

BOOST_AUTO_TEST_CASE(takes_the_same_number_of_each_class_sorted_and_unique)
{
    const std::vector<int> labels = uneven_labels();
    const std::vector<std::size_t> subset = data::balanced_labeled_subset(labels, 100, 10, 1);

    BOOST_TEST(subset.size() == 100u);
    BOOST_TEST(std::is_sorted(subset.begin(), subset.end()));
    BOOST_TEST((std::adjacent_find(subset.begin(), subset.end()) == subset.end()));

    std::vector<int> per_class(10, 0);
    for (const std::size_t index : subset)
    {
        BOOST_REQUIRE(index < labels.size());
        ++per_class[static_cast<std::size_t>(labels[index])];
    }
    BOOST_TEST(per_class == std::vector<int>(10, 10), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(is_the_same_for_the_same_seed_and_differs_between_seeds)
{
    const std::vector<int> labels = uneven_labels();
    const auto first = data::balanced_labeled_subset(labels, 100, 10, 42);
    const auto again = data::balanced_labeled_subset(labels, 100, 10, 42);
    const auto other = data::balanced_labeled_subset(labels, 100, 10, 43);

    BOOST_TEST(first == again, boost::test_tools::per_element());
    BOOST_TEST(first != other);
}

BOOST_AUTO_TEST_CASE(matches_the_pinned_choice_for_seed_1)
{
    // Pinned so that a change to the generator or the shuffle, which would silently change
    // every experiment's labelled set, fails here.
    std::vector<int> labels(40);
    for (std::size_t i = 0; i < labels.size(); ++i)
    {
        labels[i] = static_cast<int>(i % 4);
    }
    const auto subset = data::balanced_labeled_subset(labels, 8, 4, 1);

    // Also computed by a separate Python model of SplitMix64 and the forward Fisher-Yates.
    const std::vector<std::size_t> pinned{2, 3, 4, 10, 12, 19, 21, 25};
    BOOST_TEST(subset == pinned, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_smaller_subset_is_part_of_a_larger_one_with_the_same_seed)
{
    const std::vector<int> labels = uneven_labels();
    const auto small = data::balanced_labeled_subset(labels, 20, 10, 5);
    const auto large = data::balanced_labeled_subset(labels, 500, 10, 5);
    BOOST_TEST(std::includes(large.begin(), large.end(), small.begin(), small.end()));
}

BOOST_AUTO_TEST_CASE(every_member_of_a_class_can_be_taken)
{
    const std::vector<int> labels = uneven_labels(); // class 0 has 80 members
    const auto subset = data::balanced_labeled_subset(labels, 800, 10, 3);
    std::size_t zeros = 0;
    for (const std::size_t index : subset)
    {
        zeros += labels[index] == 0 ? 1 : 0;
    }
    BOOST_TEST(zeros == 80u);
}

BOOST_AUTO_TEST_CASE(rejects_a_total_not_divisible_by_the_classes)
{
    const std::vector<int> labels = uneven_labels();
    expect_config_error([&] { data::balanced_labeled_subset(labels, 105, 10, 1); },
                        "multiple of the 10 classes, found 105");
}

BOOST_AUTO_TEST_CASE(rejects_a_class_with_too_few_samples)
{
    const std::vector<int> labels = uneven_labels();
    expect_config_error([&] { data::balanced_labeled_subset(labels, 810, 10, 1); },
                        "class 0 has 80 samples, expected at least 81");
}

BOOST_AUTO_TEST_CASE(rejects_labels_outside_the_classes)
{
    const std::vector<int> labels{0, 1, 2, 7};
    BOOST_CHECK_THROW(data::balanced_labeled_subset(labels, 3, 3, 1), data_error);
}

BOOST_AUTO_TEST_CASE(never_takes_unlabeled_samples)
{
    const std::vector<int> labels{data::unlabeled, 0, data::unlabeled, 1, 0, 1, data::unlabeled};
    const auto subset = data::balanced_labeled_subset(labels, 4, 2, 1);
    BOOST_TEST(subset == std::vector<std::size_t>({1, 3, 4, 5}), boost::test_tools::per_element());
    BOOST_CHECK_THROW(data::balanced_labeled_subset(labels, 6, 2, 1), config_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sampler)

BOOST_AUTO_TEST_CASE(each_epoch_visits_every_index_once_when_the_batch_divides_it)
{
    data::batch_sampler sampler(60, 20, 9, data::epoch_end::drop);
    for (std::uint64_t epoch = 0; epoch < 3; ++epoch)
    {
        BOOST_TEST(sampler.epoch() == epoch);
        std::vector<std::size_t> seen = draw(sampler, 3);
        std::sort(seen.begin(), seen.end());
        std::vector<std::size_t> all(60);
        for (std::size_t i = 0; i < all.size(); ++i)
        {
            all[i] = i;
        }
        BOOST_TEST(seen == all, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(epochs_are_shuffled_differently)
{
    data::batch_sampler sampler(100, 100, 9);
    const std::vector<std::size_t> first = sampler.next_batch();
    const std::vector<std::size_t> second = sampler.next_batch();
    BOOST_TEST(first != second);
    BOOST_TEST(sampler.epoch() == 2u);
}

BOOST_AUTO_TEST_CASE(drop_skips_the_leftover_of_an_epoch)
{
    data::batch_sampler sampler(10, 4, 1, data::epoch_end::drop);
    const std::vector<std::size_t> a = sampler.next_batch();
    const std::vector<std::size_t> b = sampler.next_batch();
    BOOST_TEST(sampler.epoch() == 1u);
    BOOST_TEST(sampler.position() == 0u);

    std::set<std::size_t> first_epoch(a.begin(), a.end());
    first_epoch.insert(b.begin(), b.end());
    BOOST_TEST(first_epoch.size() == 8u);
}

BOOST_AUTO_TEST_CASE(wrap_cycles_a_small_labelled_set_through_reshuffled_epochs)
{
    // 100 labelled indices and batches of 64: batch 2 ends epoch 0 and starts epoch 1.
    std::vector<std::size_t> labelled(100);
    for (std::size_t i = 0; i < labelled.size(); ++i)
    {
        labelled[i] = 1000 + 7 * i;
    }
    data::batch_sampler sampler(labelled, 64, 11, data::epoch_end::wrap);
    const std::vector<std::size_t> drawn = draw(sampler, 25); // 1600 indices = 16 epochs

    for (std::size_t epoch = 0; epoch < 16; ++epoch)
    {
        std::vector<std::size_t> part(drawn.begin() + static_cast<std::ptrdiff_t>(epoch * 100),
                                      drawn.begin() +
                                          static_cast<std::ptrdiff_t>(epoch * 100 + 100));
        std::sort(part.begin(), part.end());
        BOOST_TEST(part == labelled, boost::test_tools::per_element());
    }
    BOOST_TEST(sampler.epoch() == 16u);
    BOOST_TEST(sampler.position() == 0u);
}

BOOST_AUTO_TEST_CASE(batches_larger_than_the_set_wrap_over_several_epochs)
{
    data::batch_sampler sampler(3, 7, 2);
    const std::vector<std::size_t> batch = sampler.next_batch();
    BOOST_TEST(batch.size() == 7u);
    BOOST_TEST(sampler.epoch() == 2u);
    BOOST_TEST(sampler.position() == 1u);
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_batches_and_another_seed_does_not)
{
    data::batch_sampler a(1000, 50, 77);
    data::batch_sampler b(1000, 50, 77);
    data::batch_sampler c(1000, 50, 78);
    const auto from_a = draw(a, 30);
    BOOST_TEST(from_a == draw(b, 30), boost::test_tools::per_element());
    BOOST_TEST(from_a != draw(c, 30));
}

BOOST_AUTO_TEST_CASE(a_restored_state_reproduces_the_rest_of_the_sequence)
{
    for (const data::epoch_end end : {data::epoch_end::wrap, data::epoch_end::drop})
    {
        data::batch_sampler original(250, 32, 123, end);
        draw(original, 13); // stops in the middle of epoch 1
        const data::sampler_state saved = original.state();
        BOOST_TEST(saved.epoch >= 1u);
        BOOST_TEST(saved.position > 0u);
        const std::vector<std::size_t> expected = draw(original, 40);

        // A fresh sampler, as in a resumed process; the seed comes from the state.
        data::batch_sampler resumed(250, 32, 0, end);
        resumed.restore(saved);
        BOOST_TEST((resumed.state() == saved));
        BOOST_TEST(draw(resumed, 40) == expected, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(a_state_from_another_index_set_is_refused)
{
    data::batch_sampler a(std::vector<std::size_t>{1, 2, 3, 4}, 2, 5);
    data::batch_sampler b(std::vector<std::size_t>{1, 2, 3, 5}, 2, 5);
    data::batch_sampler c(5, 2, 5);
    expect_config_error([&] { b.restore(a.state()); }, "fingerprint");
    expect_config_error([&] { c.restore(a.state()); }, "over 4 indices");

    data::sampler_state bad = a.state();
    bad.position = 4;
    expect_config_error([&] { a.restore(bad); }, "position 4");
}

BOOST_AUTO_TEST_CASE(rejects_settings_that_cannot_work)
{
    expect_config_error([] { data::batch_sampler(0, 1, 1); }, "empty");
    expect_config_error([] { data::batch_sampler(10, 0, 1); }, "at least 1");
    expect_config_error([] { data::batch_sampler(10, 11, 1, data::epoch_end::drop); }, "exceeds");

    data::batch_sampler sampler(10, 4, 1);
    std::vector<std::size_t> wrong(3);
    expect_config_error([&] { sampler.next_batch(wrong); }, "expected 4");
}

BOOST_AUTO_TEST_SUITE_END()
