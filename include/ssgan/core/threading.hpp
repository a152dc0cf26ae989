// One knob for the thread count of everything the library runs: oneDNN's primitives and
// Eigen's products (both on the OpenMP runtime with Debian's oneDNN) and the library's own
// TBB loops. Debian's oneDNN is built for OpenMP, so no TBB task ever calls oneDNN.
#pragma once

#include "error.hpp"

#include <Eigen/Core>
#include <omp.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <cstddef>
#include <memory>
#include <string>

namespace ssgan
{
    namespace detail
    {
        inline std::unique_ptr<tbb::global_control>& tbb_thread_limit()
        {
            static std::unique_ptr<tbb::global_control> limit;
            return limit;
        }
    }

    // The number of hardware threads this process may use.
    inline std::size_t hardware_threads()
    {
        return static_cast<std::size_t>(tbb::info::default_concurrency());
    }

    // Sets the thread count of oneDNN, Eigen and TBB together; 0 means all hardware threads.
    inline void set_threads(std::size_t count)
    {
        if (count == 0)
            count = hardware_threads();
        if (count > 4096)
            throw config_error("threads: expected at most 4096, found " + std::to_string(count));

        omp_set_num_threads(static_cast<int>(count));
        Eigen::setNbThreads(static_cast<int>(count));
        detail::tbb_thread_limit() = std::make_unique<tbb::global_control>(
            tbb::global_control::max_allowed_parallelism, count);
    }

    inline std::size_t current_threads()
    {
        return tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
    }
}
