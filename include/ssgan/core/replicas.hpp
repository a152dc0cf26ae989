// Data parallelism as the library sees it: a group of replicas (processes) that each hold a
// full copy of the networks and train on their own part of every batch. The layers and the
// trainer reach the other replicas only through these interfaces; ssgan/dist/ implements
// them over MPI, and a single process needs none of it.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace ssgan
{
    // Told by network::backward that the parameter gradients from `offset` to the end of the
    // network's flat buffer are final for this pass (backward visits the layers last to
    // first, and layer i's parameters come before layer i + 1's), so their reduction can start
    // while the earlier layers still run.
    class gradient_listener
    {
    public:
        virtual void ready_from(std::size_t offset) = 0;

    protected:
        ~gradient_listener() = default;
    };

    // Averages one network's gradient buffer over the group. ready_from() may start parts of
    // it early; finish() completes every part, after which each replica holds the mean of
    // the replicas' gradients. The next pass may then begin.
    class gradient_averager : public gradient_listener
    {
    public:
        virtual ~gradient_averager() = default;
        virtual void finish() = 0;
    };

    // The replicas training one model. Every call is collective: each replica makes the same
    // calls in the same order with spans of the same length, or the group stops with an error.
    class replica_group
    {
    public:
        virtual ~replica_group() = default;

        virtual std::size_t rank() const = 0;
        virtual std::size_t size() const = 0;

        // Element-wise sum over the replicas, in place.
        virtual void sum(std::span<double> values) = 0;
        virtual void sum(std::span<float> values) = 0;

        // Every replica receives replica 0's bytes.
        virtual void broadcast(std::span<std::byte> bytes) = 0;

        // An averager for a gradient buffer; it keeps a view of `gradients`, which must
        // outlive it.
        virtual std::unique_ptr<gradient_averager> averager_for(std::span<float> gradients) = 0;
    };

    // Broadcasts floats from replica 0 (parameters, running statistics).
    inline void broadcast_floats(replica_group& group, std::span<float> values)
    {
        group.broadcast(std::as_writable_bytes(values));
    }
}
