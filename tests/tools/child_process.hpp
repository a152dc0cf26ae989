// A program started from a test, its standard output and error collected through one pipe
// (a pipe, not a file, so a file-size limit given to the child cannot cut its messages), with
// an optional RLIMIT_FSIZE under which writes past the limit fail with EFBIG as on a full disk.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ssgan::testing
{
    class child_process
    {
    public:
        explicit child_process(const std::vector<std::string>& command,
                               std::optional<rlim_t> file_size_limit = std::nullopt)
        {
            int pipe_ends[2];
            if (::pipe2(pipe_ends, O_CLOEXEC) != 0)
                throw std::runtime_error("child_process: pipe failed");
            std::vector<char*> argv;
            for (const std::string& word : command)
                argv.push_back(const_cast<char*>(word.c_str()));
            argv.push_back(nullptr);

            pid_ = ::fork();
            if (pid_ < 0)
                throw std::runtime_error("child_process: fork failed");
            if (pid_ == 0)
            {
                ::dup2(pipe_ends[1], STDOUT_FILENO);
                ::dup2(pipe_ends[1], STDERR_FILENO);
                if (file_size_limit)
                {
                    // Ignored, SIGXFSZ turns into EFBIG from write(2), and SIG_IGN survives exec.
                    ::signal(SIGXFSZ, SIG_IGN);
                    const rlimit limit{*file_size_limit, *file_size_limit};
                    ::setrlimit(RLIMIT_FSIZE, &limit);
                }
                ::execv(argv[0], argv.data());
                std::perror(argv[0]);
                ::_exit(127);
            }
            ::close(pipe_ends[1]);
            output_fd_ = pipe_ends[0];
        }

        child_process(const child_process&) = delete;
        child_process& operator=(const child_process&) = delete;

        ~child_process()
        {
            if (running())
            {
                ::kill(pid_, SIGKILL);
                wait_for_exit(std::chrono::seconds(30));
            }
            if (output_fd_ >= 0)
                ::close(output_fd_);
        }

        // Collects what the child wrote, waiting at most `timeout` for something to arrive;
        // false when nothing did.
        bool pump(std::chrono::milliseconds timeout)
        {
            if (output_fd_ < 0)
                return false;
            pollfd watched{output_fd_, POLLIN, 0};
            if (::poll(&watched, 1, int(timeout.count())) <= 0)
                return false;
            char buffer[4096];
            const ssize_t got = ::read(output_fd_, buffer, sizeof buffer);
            if (got > 0)
                output_.append(buffer, std::size_t(got));
            else
            {
                ::close(output_fd_);
                output_fd_ = -1;
            }
            return true;
        }

        bool running()
        {
            if (status_)
                return false;
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_)
                status_ = status;
            return !status_;
        }

        void kill(int signal) { ::kill(pid_, signal); }

        // The wait status (see waitpid), or nothing when the child still runs after `timeout`.
        std::optional<int> wait_for_exit(std::chrono::milliseconds timeout)
        {
            const auto deadline = std::chrono::steady_clock::now() + timeout;
            while (running() && std::chrono::steady_clock::now() < deadline)
                pump(std::chrono::milliseconds(20));
            // What is still in the pipe; a grandchild holding it open must not block the test.
            while (!running() && pump(std::chrono::milliseconds(200)))
            {
            }
            return status_;
        }

        // The exit code, or 128 + signal for a child ended by a signal.
        std::optional<int> exit_code(std::chrono::milliseconds timeout)
        {
            const auto status = wait_for_exit(timeout);
            if (!status)
                return std::nullopt;
            return WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
        }

        const std::string& output() const { return output_; }

    private:
        pid_t pid_ = -1;
        int output_fd_ = -1;
        std::optional<int> status_;
        std::string output_;
    };
}
