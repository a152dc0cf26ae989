// A group of MPI ranks as a replica_group (core/replicas.hpp): sums, broadcasts, and gradient
// averaging in buckets that start while backward still runs. Every operation is non-blocking
// underneath and waited for with a timeout, so a rank whose peer has died stops with an
// mpi_error that says so instead of hanging. The communicator works on its own duplicate of
// the given MPI communicator, so its traffic never mixes with the caller's.
#pragma once

#include "../core/replicas.hpp"
#include "environment.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace ssgan::dist
{
    struct communicator_options
    {
        // How long a rank waits for the others in one operation before it gives up. Rank 0
        // alone evaluates and writes files while the others wait, so this must cover that.
        std::chrono::duration<double> timeout{120.0};

        // Gradients are all-reduced in buckets of this many bytes, each started as soon as
        // backward has finished the layers it covers.
        std::size_t bucket_bytes = std::size_t{4} << 20;

        // Off: every bucket starts only once backward is done (the baseline that overlap is
        // measured against).
        bool overlap = true;
    };

    // What a communicator did, for benchmarks.
    struct traffic
    {
        std::uint64_t reduced_bytes = 0; // payload of all-reduces, per rank
        std::uint64_t operations = 0;
        double wait_seconds = 0.0; // time spent waiting for operations to complete
    };

    class communicator final : public replica_group
    {
    public:
        explicit communicator(communicator_options options = {}, MPI_Comm base = MPI_COMM_WORLD)
            : options_(options)
        {
            if (!(options_.timeout.count() > 0.0))
                throw config_error("communicator: the timeout must be positive, found " +
                                   std::to_string(options_.timeout.count()) + " s");
            detail::check_mpi(MPI_Comm_dup(base, &comm_), "MPI_Comm_dup");
            MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
            int rank = 0, size = 1;
            MPI_Comm_rank(comm_, &rank);
            MPI_Comm_size(comm_, &size);
            rank_ = static_cast<std::size_t>(rank);
            size_ = static_cast<std::size_t>(size);

            MPI_Comm node = MPI_COMM_NULL;
            detail::check_mpi(
                MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node),
                "MPI_Comm_split_type");
            int on_node = 1;
            MPI_Comm_size(node, &on_node);
            ranks_on_node_ = static_cast<std::size_t>(on_node);
            MPI_Comm_free(&node);
        }

        communicator(const communicator&) = delete;
        communicator& operator=(const communicator&) = delete;

        ~communicator() override
        {
            int finalized = 0;
            MPI_Finalized(&finalized);
            if (!finalized && comm_ != MPI_COMM_NULL)
                MPI_Comm_free(&comm_);
        }

        std::size_t rank() const override { return rank_; }
        std::size_t size() const override { return size_; }

        // Ranks that share this node's memory, for splitting its cores between them.
        std::size_t ranks_on_node() const { return ranks_on_node_; }

        const communicator_options& options() const { return options_; }
        const traffic& statistics() const { return traffic_; }

        void sum(std::span<double> values) override
        {
            all_reduce(values.data(), values.size(), MPI_DOUBLE);
        }
        void sum(std::span<float> values) override
        {
            all_reduce(values.data(), values.size(), MPI_FLOAT);
        }

        void broadcast(std::span<std::byte> bytes) override
        {
            if (size_ == 1)
                return;
            std::vector<MPI_Request> requests;
            for (std::size_t at = 0; at < bytes.size(); at += max_count)
            {
                const int count = static_cast<int>(std::min(max_count, bytes.size() - at));
                requests.push_back(MPI_REQUEST_NULL);
                detail::check_mpi(
                    MPI_Ibcast(bytes.data() + at, count, MPI_BYTE, 0, comm_, &requests.back()),
                    "MPI_Ibcast");
            }
            wait(requests, "a broadcast from rank 0", bytes.size());
        }

        void barrier()
        {
            MPI_Request request = MPI_REQUEST_NULL;
            detail::check_mpi(MPI_Ibarrier(comm_, &request), "MPI_Ibarrier");
            wait(std::span(&request, 1), "a barrier", 0);
        }

        std::unique_ptr<gradient_averager> averager_for(std::span<float> gradients) override;

        // Starts an in-place sum of `count` floats; complete it with wait().
        MPI_Request start_sum(float* values, std::size_t count)
        {
            MPI_Request request = MPI_REQUEST_NULL;
            detail::check_mpi(MPI_Iallreduce(MPI_IN_PLACE, values, static_cast<int>(count),
                                             MPI_FLOAT, MPI_SUM, comm_, &request),
                              "MPI_Iallreduce of " + std::to_string(count) + " floats");
            traffic_.reduced_bytes += count * sizeof(float);
            ++traffic_.operations;
            return request;
        }

        // Lets started operations advance without waiting for them: MPI without a progress
        // thread moves non-blocking collectives only inside MPI calls.
        void progress(std::span<MPI_Request> requests)
        {
            int done = 0;
            detail::check_mpi(MPI_Testall(static_cast<int>(requests.size()), requests.data(), &done,
                                          MPI_STATUSES_IGNORE),
                              "MPI_Testall");
        }

        // Waits for every request, at most options().timeout; `what` and `bytes` describe the
        // operation in the error message.
        void wait(std::span<MPI_Request> requests, const char* what, std::size_t bytes)
        {
            using clock = std::chrono::steady_clock;
            const auto start = clock::now();
            auto pause = std::chrono::microseconds(1);
            for (;;)
            {
                int done = 0;
                const int code = MPI_Testall(static_cast<int>(requests.size()), requests.data(),
                                             &done, MPI_STATUSES_IGNORE);
                if (code != MPI_SUCCESS)
                    throw mpi_error("rank " + std::to_string(rank_) + " of " +
                                    std::to_string(size_) + ": " + what + " (" +
                                    std::to_string(bytes) +
                                    " bytes) failed: " + detail::mpi_message(code));
                if (done)
                    break;
                const std::chrono::duration<double> waited = clock::now() - start;
                if (waited > options_.timeout)
                    throw mpi_error(
                        "rank " + std::to_string(rank_) + " of " + std::to_string(size_) +
                        ": no answer from the other ranks for " +
                        std::to_string(static_cast<long>(waited.count())) + " s in " + what + " (" +
                        std::to_string(bytes) +
                        " bytes); another rank has failed, was killed or hangs, so this one "
                        "stops too");
                // Most waits end within microseconds, so the first polls spin; a long wait (rank
                // 0 evaluating) backs off to a millisecond and leaves the core to others.
                if (waited > std::chrono::microseconds(200))
                {
                    std::this_thread::sleep_for(pause);
                    pause = std::min(2 * pause, std::chrono::microseconds(1000));
                }
            }
            traffic_.wait_seconds += std::chrono::duration<double>(clock::now() - start).count();
        }

    private:
        static constexpr std::size_t max_count = std::size_t{1} << 30;

        void all_reduce(void* values, std::size_t count, MPI_Datatype type)
        {
            if (size_ == 1 || count == 0)
                return;
            if (count > std::size_t{INT_MAX})
                throw config_error("communicator::sum: " + std::to_string(count) +
                                   " values in one call, at most " + std::to_string(INT_MAX));
            int type_size = 0;
            MPI_Type_size(type, &type_size);
            MPI_Request request = MPI_REQUEST_NULL;
            detail::check_mpi(MPI_Iallreduce(MPI_IN_PLACE, values, static_cast<int>(count), type,
                                             MPI_SUM, comm_, &request),
                              "MPI_Iallreduce of " + std::to_string(count) + " values");
            const std::size_t bytes = count * static_cast<std::size_t>(type_size);
            traffic_.reduced_bytes += bytes;
            ++traffic_.operations;
            wait(std::span(&request, 1), "an all-reduce", bytes);
        }

        communicator_options options_;
        MPI_Comm comm_ = MPI_COMM_NULL;
        std::size_t rank_ = 0;
        std::size_t size_ = 1;
        std::size_t ranks_on_node_ = 1;
        traffic traffic_;
    };

    // Averages a flat gradient buffer in buckets of communicator_options::bucket_bytes, cut
    // from the end of the buffer, since backward finishes the last layers' gradients first.
    // ready_from(offset) starts every bucket that lies wholly at or after offset.
    class bucketed_average final : public gradient_averager
    {
    public:
        bucketed_average(communicator& group, std::span<float> gradients)
            : group_(group), gradients_(gradients)
        {
            const std::size_t per_bucket =
                std::max<std::size_t>(1, group.options().bucket_bytes / sizeof(float));
            for (std::size_t end = gradients.size(); end > 0;)
            {
                const std::size_t begin = end > per_bucket ? end - per_bucket : 0;
                if (end - begin > std::size_t{INT_MAX})
                    throw config_error("bucketed_average: buckets hold at most " +
                                       std::to_string(INT_MAX) + " floats");
                buckets_.push_back({begin, end});
                end = begin;
            }
            requests_.reserve(buckets_.size());
        }

        std::size_t bucket_count() const { return buckets_.size(); }

        void ready_from(std::size_t offset) override
        {
            if (group_.size() == 1 || !group_.options().overlap)
                return;
            while (next_ < buckets_.size() && buckets_[next_].begin >= offset)
                start(next_++);
            if (!requests_.empty())
                group_.progress(requests_);
        }

        void finish() override
        {
            if (group_.size() == 1)
                return;
            while (next_ < buckets_.size())
                start(next_++);
            group_.wait(requests_, "the all-reduce of gradient buckets",
                        gradients_.size() * sizeof(float));
            const float scale = 1.0f / static_cast<float>(group_.size());
            for (float& value : gradients_)
                value *= scale;
            requests_.clear();
            next_ = 0;
        }

    private:
        struct bucket
        {
            std::size_t begin;
            std::size_t end;
        };

        void start(std::size_t index)
        {
            const bucket& part = buckets_[index];
            requests_.push_back(
                group_.start_sum(gradients_.data() + part.begin, part.end - part.begin));
        }

        communicator& group_;
        std::span<float> gradients_;
        std::vector<bucket> buckets_; // in the order backward completes them
        std::vector<MPI_Request> requests_;
        std::size_t next_ = 0; // buckets before this one have started
    };

    inline std::unique_ptr<gradient_averager> communicator::averager_for(std::span<float> gradients)
    {
        return std::make_unique<bucketed_average>(*this, gradients);
    }
}
