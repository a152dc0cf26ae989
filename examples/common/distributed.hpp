// Data-parallel training for the tools: started by mpirun or srun, each process is one
// replica of the model; rank 0 alone prints and writes the run folder. Built without MPI
// (SSGAN_WITH_MPI unset), or started alone, a tool is one process as before.
#pragma once

#include <ssgan/core/replicas.hpp>
#include <ssgan/core/threading.hpp>

#if SSGAN_WITH_MPI
#include <ssgan/dist/communicator.hpp>
#endif

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

namespace tool
{
    struct distributed_flags
    {
        double timeout_seconds = 120.0;
        double bucket_megabytes = 4.0;
        bool blocking_reduce = false;

        void add_to([[maybe_unused]] CLI::App& app, [[maybe_unused]] bool& synchronized_batch_norm)
        {
#if SSGAN_WITH_MPI
            app.add_flag("--sync-batch-norm", synchronized_batch_norm,
                         "Under mpirun: batch norm uses the statistics of all ranks' batches "
                         "together (default: each rank's own)");
            app.add_option("--mpi-timeout", timeout_seconds,
                           "Under mpirun: seconds a rank waits for the others before it stops "
                           "with an error (a rank has died or hangs)")
                ->capture_default_str()
                ->check(CLI::Range(1.0, 86400.0));
            app.add_option("--bucket-mb", bucket_megabytes,
                           "Under mpirun: gradients are averaged in buckets of this many MiB, "
                           "each started as soon as backward has finished it")
                ->capture_default_str()
                ->check(CLI::Range(0.01, 4096.0));
            app.add_flag("--blocking-reduce", blocking_reduce,
                         "Under mpirun: average gradients only after backward (no overlap)");
#endif
        }
    };

#if SSGAN_WITH_MPI
    namespace detail
    {
        struct mpi_state
        {
            std::unique_ptr<ssgan::dist::environment> environment;
            std::unique_ptr<ssgan::dist::communicator> group;
        };

        inline mpi_state& mpi()
        {
            static mpi_state state;
            return state;
        }
    }
#endif

    // The replicas this process trains with, or nullptr when it trains alone.
    inline ssgan::replica_group* replicas()
    {
#if SSGAN_WITH_MPI
        auto& group = detail::mpi().group;
        return group && group->size() > 1 ? group.get() : nullptr;
#else
        return nullptr;
#endif
    }

    inline std::size_t rank()
    {
        return replicas() ? replicas()->rank() : 0;
    }

    // Whether a launcher (mpirun, mpiexec, srun) started this process: each of them leaves its
    // own variables in the environment. A tool started alone does not start MPI at all, since
    // Open MPI's singleton start spawns a daemon and a shared-memory store, which costs time and
    // fails where resources are limited (a file-size limit, a full /tmp).
    inline bool started_by_a_launcher()
    {
        for (const char* name :
             {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
            if (std::getenv(name) != nullptr)
                return true;
        const char* slurm_tasks = std::getenv("SLURM_NTASKS");
        return std::getenv("SLURM_STEP_ID") != nullptr && slurm_tasks != nullptr &&
               std::atoi(slurm_tasks) > 1;
    }

    // Starts MPI when a launcher started this tool (built with MPI), silences standard output on
    // ranks other than 0, and returns the thread count: `asked`, or with 0 this node's cores
    // shared among its ranks.
    inline std::size_t start_replicas([[maybe_unused]] const distributed_flags& flags,
                                      std::size_t asked)
    {
#if SSGAN_WITH_MPI
        if (!started_by_a_launcher())
            return asked;
        auto& state = detail::mpi();
        int argc = 0;
        char** argv = nullptr;
        state.environment = std::make_unique<ssgan::dist::environment>(argc, argv);
        ssgan::dist::communicator_options options;
        options.timeout = std::chrono::duration<double>(flags.timeout_seconds);
        options.bucket_bytes = static_cast<std::size_t>(flags.bucket_megabytes * 1024 * 1024);
        options.overlap = !flags.blocking_reduce;
        state.group = std::make_unique<ssgan::dist::communicator>(options);
        if (state.group->rank() > 0)
            std::cout.setstate(std::ios::badbit);
        if (asked == 0 && state.group->ranks_on_node() > 1)
            return std::max<std::size_t>(1,
                                         ssgan::hardware_threads() / state.group->ranks_on_node());
#endif
        return asked;
    }

    // A failure on one rank leaves the others waiting for it, so with several ranks a failure
    // ends the whole job; alone, the tool exits with `code`.
    inline int end_after_failure(int code)
    {
#if SSGAN_WITH_MPI
        if (replicas() != nullptr)
            ssgan::dist::environment::abort(code);
#endif
        return code;
    }

    // "rank N: " in front of error messages when several ranks print them.
    inline std::string rank_prefix()
    {
        return replicas() ? "rank " + std::to_string(rank()) + ": " : "";
    }
}
