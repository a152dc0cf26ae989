// MPI for the life of one object: MPI_Init_thread on construction, MPI_Finalize on
// destruction, or MPI_Abort after a failure, when finalizing would wait for ranks that never
// come. Needs an MPI-3 library (ssgan::mpi in CMake); MPI calls come from the main thread only.
#pragma once

#include "../core/error.hpp"

#include <mpi.h>

#include <cstdlib>
#include <string>

namespace ssgan::dist
{
    // An MPI call failed, or the other ranks stopped answering (one failed or was killed).
    class mpi_error : public error
    {
    public:
        using error::error;
    };

    namespace detail
    {
        inline std::string mpi_message(int code)
        {
            char text[MPI_MAX_ERROR_STRING];
            int length = 0;
            if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
                return "MPI error code " + std::to_string(code);
            return std::string(text, static_cast<std::size_t>(length));
        }

        // Calls return their error codes (MPI_ERRORS_RETURN is set on every communicator the
        // library uses); this turns one into an exception that names the call.
        inline void check_mpi(int code, const std::string& call)
        {
            if (code != MPI_SUCCESS)
                throw mpi_error(call + " failed: " + mpi_message(code));
        }
    }

    class environment
    {
    public:
        // MPI may read and change argc and argv.
        environment(int& argc, char**& argv)
        {
            int initialized = 0;
            MPI_Initialized(&initialized);
            if (initialized)
                throw mpi_error("dist::environment: MPI is already initialized; make one "
                                "environment per process");
            int provided = 0;
            // Funneled: oneDNN's and TBB's worker threads never call MPI, the main thread does.
            detail::check_mpi(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided),
                              "MPI_Init_thread");
            MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        }

        environment(const environment&) = delete;
        environment& operator=(const environment&) = delete;

        ~environment()
        {
            int finalized = 0;
            MPI_Finalized(&finalized);
            if (!finalized)
                MPI_Finalize();
        }

        static int world_rank()
        {
            int rank = 0;
            MPI_Comm_rank(MPI_COMM_WORLD, &rank);
            return rank;
        }

        static int world_size()
        {
            int size = 1;
            MPI_Comm_size(MPI_COMM_WORLD, &size);
            return size;
        }

        // Ends every process of the job with exit code `code`. For a rank that cannot go on:
        // the others would otherwise wait for it until their timeout.
        [[noreturn]] static void abort(int code) noexcept
        {
            MPI_Abort(MPI_COMM_WORLD, code);
            std::_Exit(code); // MPI_Abort does not return; this keeps [[noreturn]] honest
        }
    };
}
