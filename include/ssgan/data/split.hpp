// Deterministic sampling for semi-supervised training: a class-balanced labelled subset chosen
// from a seed, and a batch sampler that walks shuffled epochs of an index set. The generator and
// the shuffle are written here, so a seed gives the same indices with every standard library.
#pragma once

#include "ssgan/core/error.hpp"
#include "ssgan/data/dataset.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ssgan::data
{
    namespace detail
    {
        inline constexpr std::uint64_t golden_gamma = 0x9e3779b97f4a7c15;

        // The SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijection that scatters nearby
        // inputs, so seeds 1, 2, 3 give unrelated streams.
        constexpr std::uint64_t mix64(std::uint64_t z)
        {
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
            z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
            return z ^ (z >> 31);
        }

        // An independent stream per (seed, stream) pair: per class for the subset, per epoch
        // for the sampler, so any epoch can be rebuilt without replaying the ones before it.
        constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream)
        {
            return mix64(mix64(seed) ^ mix64(stream + golden_gamma));
        }

        // SplitMix64: one word of state, fast, and good enough to shuffle indices.
        class splitmix64
        {
        public:
            explicit constexpr splitmix64(std::uint64_t seed) : state_(seed) {}

            constexpr std::uint64_t next()
            {
                state_ += golden_gamma;
                return mix64(state_);
            }

            // Uniform in [0, bound): draws below 2^64 mod bound are rejected, which leaves a
            // range whose size is a multiple of bound, so the remainder carries no bias.
            constexpr std::uint64_t below(std::uint64_t bound)
            {
                const std::uint64_t threshold = (0 - bound) % bound;
                for (;;)
                {
                    const std::uint64_t draw = next();
                    if (draw >= threshold)
                    {
                        return draw % bound;
                    }
                }
            }

        private:
            std::uint64_t state_;
        };

        // Fisher-Yates from the front: after `count` steps the first `count` items are a
        // uniform sample of the whole, and they stay the same when more steps follow, so a
        // smaller labelled subset is always part of a larger one drawn with the same seed.
        inline void shuffle_prefix(std::span<std::size_t> items, std::size_t count,
                                   splitmix64& generator)
        {
            const std::size_t steps = std::min(count, items.size() > 0 ? items.size() - 1 : 0);
            for (std::size_t i = 0; i < steps; ++i)
            {
                const auto j = i + static_cast<std::size_t>(generator.below(items.size() - i));
                std::swap(items[i], items[j]);
            }
        }

        inline constexpr std::uint64_t subset_stream_base = std::uint64_t{1} << 32;

        inline std::uint64_t fingerprint(std::span<const std::size_t> indices)
        {
            std::uint64_t hash = mix64(indices.size());
            for (const std::size_t index : indices)
            {
                hash = mix64(hash ^ index);
            }
            return hash;
        }
    }

    // Indices (sorted ascending) of total / num_classes samples of each class, chosen uniformly
    // from `seed`; samples labelled `unlabeled` are never chosen. Throws config_error when total
    // is not a multiple of num_classes or a class has too few samples, data_error when a label
    // lies outside 0 .. num_classes - 1.
    inline std::vector<std::size_t> balanced_labeled_subset(std::span<const int> labels,
                                                            std::size_t total,
                                                            std::size_t num_classes,
                                                            std::uint64_t seed)
    {
        if (num_classes == 0)
        {
            throw config_error("balanced_labeled_subset: num_classes must be at least 1, found 0");
        }
        if (total % num_classes != 0)
        {
            throw config_error("balanced_labeled_subset: the number of labelled samples must be "
                               "a multiple of the " +
                               std::to_string(num_classes) + " classes, found " +
                               std::to_string(total));
        }

        std::vector<std::vector<std::size_t>> by_class(num_classes);
        for (std::size_t i = 0; i < labels.size(); ++i)
        {
            const int label = labels[i];
            if (label == unlabeled)
            {
                continue;
            }
            if (label < 0 || static_cast<std::size_t>(label) >= num_classes)
            {
                throw data_error("balanced_labeled_subset: label of sample " + std::to_string(i) +
                                 ": expected 0.." + std::to_string(num_classes - 1) + ", found " +
                                 std::to_string(label));
            }
            by_class[static_cast<std::size_t>(label)].push_back(i);
        }

        const std::size_t per_class = total / num_classes;
        std::vector<std::size_t> chosen;
        chosen.reserve(total);
        for (std::size_t c = 0; c < num_classes; ++c)
        {
            std::vector<std::size_t>& members = by_class[c];
            if (members.size() < per_class)
            {
                throw config_error("balanced_labeled_subset: class " + std::to_string(c) + " has " +
                                   std::to_string(members.size()) + " samples, expected at least " +
                                   std::to_string(per_class) + " (" + std::to_string(total) +
                                   " labels over " + std::to_string(num_classes) + " classes)");
            }
            detail::splitmix64 generator(detail::derive_seed(seed, detail::subset_stream_base + c));
            detail::shuffle_prefix(members, per_class, generator);
            chosen.insert(chosen.end(), members.begin(),
                          members.begin() + static_cast<std::ptrdiff_t>(per_class));
        }

        std::sort(chosen.begin(), chosen.end());
        return chosen;
    }

    // What happens when an epoch has fewer samples left than a batch needs.
    enum class epoch_end
    {
        wrap, // the batch continues into the next, reshuffled epoch (a small labelled set)
        drop, // the leftover is skipped and the batch starts the next epoch (the full set)
    };

    // Everything needed to continue a sampler where it stopped, as plain integers for a
    // checkpoint. `population` and `fingerprint` identify the index set, so that a state is
    // not restored into a sampler over different data.
    struct sampler_state
    {
        std::uint64_t seed = 0;
        std::uint64_t epoch = 0;
        std::uint64_t position = 0;
        std::uint64_t population = 0;
        std::uint64_t fingerprint = 0;

        friend bool operator==(const sampler_state&, const sampler_state&) = default;
    };

    // Yields batches of indices from a fixed set, epoch after epoch; each epoch is a fresh
    // permutation that depends only on the seed and the epoch number.
    class batch_sampler
    {
    public:
        // Samples from 0 .. population - 1.
        batch_sampler(std::size_t population, std::size_t batch_size, std::uint64_t seed,
                      epoch_end end = epoch_end::wrap)
            : batch_sampler(iota_indices(population), batch_size, seed, end)
        {
        }

        // Samples from the given indices, for instance a labelled subset.
        batch_sampler(std::vector<std::size_t> indices, std::size_t batch_size, std::uint64_t seed,
                      epoch_end end = epoch_end::wrap)
            : indices_(std::move(indices)), batch_size_(batch_size), end_(end), seed_(seed)
        {
            if (indices_.empty())
            {
                throw config_error("batch_sampler: the index set is empty");
            }
            if (batch_size_ == 0)
            {
                throw config_error("batch_sampler: batch size must be at least 1, found 0");
            }
            if (end_ == epoch_end::drop && batch_size_ > indices_.size())
            {
                throw config_error("batch_sampler: batch size " + std::to_string(batch_size_) +
                                   " exceeds the " + std::to_string(indices_.size()) +
                                   " samples of an epoch; use epoch_end::wrap");
            }
            fingerprint_ = detail::fingerprint(indices_);
            start_epoch(0);
        }

        // Fills `out` (batch_size() entries) with the next batch; allocates nothing.
        void next_batch(std::span<std::size_t> out)
        {
            if (out.size() != batch_size_)
            {
                throw config_error("batch_sampler::next_batch: the output holds " +
                                   std::to_string(out.size()) + " indices, expected " +
                                   std::to_string(batch_size_));
            }
            for (std::size_t& index : out)
            {
                if (position_ == order_.size())
                {
                    start_epoch(epoch_ + 1);
                }
                index = order_[position_++];
            }

            // Rolling over now, not on the next call, makes epoch() and position() say where
            // the next batch starts, which is what a checkpoint wants to record.
            const std::size_t left = order_.size() - position_;
            if (left == 0 || (end_ == epoch_end::drop && left < batch_size_))
            {
                start_epoch(epoch_ + 1);
            }
        }

        std::vector<std::size_t> next_batch()
        {
            std::vector<std::size_t> batch(batch_size_);
            next_batch(batch);
            return batch;
        }

        std::size_t batch_size() const { return batch_size_; }
        std::size_t size() const { return indices_.size(); }
        std::uint64_t epoch() const { return epoch_; }
        std::size_t position() const { return position_; }

        sampler_state state() const
        {
            return {seed_, epoch_, position_, indices_.size(), fingerprint_};
        }

        // Continues from a state taken with state(), on this sampler or on one built the same
        // way in another process. Throws config_error when the state belongs to another index set.
        void restore(const sampler_state& state)
        {
            if (state.population != indices_.size() || state.fingerprint != fingerprint_)
            {
                throw config_error(
                    "batch_sampler::restore: the state was taken from a sampler over " +
                    std::to_string(state.population) + " indices (fingerprint " +
                    std::to_string(state.fingerprint) + "), this one has " +
                    std::to_string(indices_.size()) + " (fingerprint " +
                    std::to_string(fingerprint_) + ")");
            }
            if (state.position >= indices_.size())
            {
                throw config_error("batch_sampler::restore: position " +
                                   std::to_string(state.position) + " is outside the epoch of " +
                                   std::to_string(indices_.size()) + " indices");
            }
            seed_ = state.seed;
            start_epoch(state.epoch);
            position_ = static_cast<std::size_t>(state.position);
        }

    private:
        static std::vector<std::size_t> iota_indices(std::size_t count)
        {
            std::vector<std::size_t> indices(count);
            std::iota(indices.begin(), indices.end(), std::size_t{0});
            return indices;
        }

        void start_epoch(std::uint64_t epoch)
        {
            order_ = indices_;
            detail::splitmix64 generator(detail::derive_seed(seed_, epoch));
            detail::shuffle_prefix(order_, order_.size(), generator);
            epoch_ = epoch;
            position_ = 0;
        }

        std::vector<std::size_t> indices_;
        std::vector<std::size_t> order_;
        std::size_t batch_size_;
        epoch_end end_;
        std::uint64_t seed_;
        std::uint64_t fingerprint_ = 0;
        std::uint64_t epoch_ = 0;
        std::size_t position_ = 0;
    };
}
