// A rank of `mpirun -np 2 train_mnist` is killed: the other one stops within seconds with a
// message that names the failure, whether the launcher ends the job (Open MPI's default) or
// keeps it running (--enable-recovery, where the communicator's timeout must act), and the
// newest checkpoint in the run folder is intact and resumes.
#define BOOST_TEST_MODULE dist_faults
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace
{
    namespace fs = std::filesystem;
    using clock_type = std::chrono::steady_clock;

    std::string environment(const char* name)
    {
        const char* value = std::getenv(name);
        if (value == nullptr)
            throw std::runtime_error(std::string(name) + " is not set; ctest sets it");
        return value;
    }

    std::vector<std::string> words(const std::string& text)
    {
        std::istringstream in(text);
        std::vector<std::string> result;
        for (std::string word; in >> word;)
            result.push_back(word);
        return result;
    }

    // A child process with its standard output and error in `log`.
    pid_t start(const std::vector<std::string>& command, const fs::path& log)
    {
        const pid_t child = fork();
        if (child == 0)
        {
            const int file = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(file, STDOUT_FILENO);
            dup2(file, STDERR_FILENO);
            std::vector<char*> arguments;
            for (const auto& word : command)
                arguments.push_back(const_cast<char*>(word.c_str()));
            arguments.push_back(nullptr);
            execvp(arguments[0], arguments.data());
            _exit(127);
        }
        return child;
    }

    // The exit status, or nothing when the process still runs after `limit`.
    std::optional<int> wait_for(pid_t child, std::chrono::duration<double> limit)
    {
        const auto until = clock_type::now() + limit;
        while (clock_type::now() < until)
        {
            int status = 0;
            if (waitpid(child, &status, WNOHANG) == child)
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return std::nullopt;
    }

    std::string read_text(const fs::path& file)
    {
        std::ifstream in(file);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    // The process that the launcher `parent` started as rank `rank` (Open MPI tells each rank
    // its number in OMPI_COMM_WORLD_RANK).
    std::optional<pid_t> rank_process(pid_t parent, int rank)
    {
        const std::string wanted = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
        for (const auto& entry : fs::directory_iterator("/proc"))
        {
            const std::string name = entry.path().filename().string();
            if (name.find_first_not_of("0123456789") != std::string::npos)
                continue;
            std::istringstream stat(read_text(entry.path() / "stat"));
            std::string pid, command, state;
            pid_t ppid = 0;
            stat >> pid >> command >> state >> ppid;
            if (ppid != parent)
                continue;
            const std::string variables = read_text(entry.path() / "environ");
            std::size_t at = 0;
            while (at < variables.size())
            {
                const std::size_t end = variables.find('\0', at);
                if (variables.compare(at, end - at, wanted) == 0)
                    return static_cast<pid_t>(std::stoi(name));
                at = end == std::string::npos ? variables.size() : end + 1;
            }
        }
        return std::nullopt;
    }

    // The newest model-<step>.ckpt under `train_dir`, or none.
    std::optional<std::pair<int, fs::path>> newest_checkpoint(const fs::path& train_dir)
    {
        std::optional<std::pair<int, fs::path>> newest;
        if (!fs::exists(train_dir))
            return newest;
        static const std::regex pattern(R"(model-(\d+)\.ckpt)");
        for (const auto& entry : fs::recursive_directory_iterator(train_dir))
        {
            std::smatch match;
            const std::string name = entry.path().filename().string();
            if (std::regex_match(name, match, pattern) &&
                (!newest || std::stoi(match[1]) > newest->first))
                newest = std::pair(std::stoi(match[1]), entry.path());
        }
        return newest;
    }

    struct fault_run
    {
        int exit_code = 0;
        double seconds_to_stop = 0.0;
        std::string log;
        fs::path checkpoint;
        int checkpoint_step = 0;
    };

    // Trains MNIST on 2 ranks, kills rank 1 once checkpoints of 2 save intervals exist, and
    // times how long the job takes to end.
    fault_run kill_rank_one(const std::string& name, const std::vector<std::string>& launcher_extra)
    {
        const fs::path train_dir = fs::current_path() / name;
        fs::remove_all(train_dir);
        std::vector<std::string> command = {environment("SSGAN_MPIEXEC"), "-np", "2"};
        for (const auto& word : words(environment("SSGAN_MPIEXEC_FLAGS")))
            command.push_back(word);
        command.insert(command.end(), launcher_extra.begin(), launcher_extra.end());
        command.push_back(environment("SSGAN_TRAIN_MNIST"));
        for (const char* word :
             {"--batch-size",   "20",      "--labels",    "20", "--steps",       "1000000",
              "--save-every",   "5",       "--log-every", "5",  "--eval-every",  "1000000",
              "--sample-every", "1000000", "--threads",   "1",  "--mpi-timeout", "4",
              "--prefix",       "fault"})
            command.push_back(word);
        const std::string data = environment("SSGAN_SHARED_DATA") + "/mnist";
        command.insert(command.end(), {"--data-dir", data, "--train-dir", train_dir.string()});

        const fs::path log = fs::current_path() / (name + ".log");
        const pid_t launcher = start(command, log);
        const auto started = clock_type::now();
        while (!(newest_checkpoint(train_dir) && newest_checkpoint(train_dir)->first >= 10))
        {
            if (wait_for(launcher, std::chrono::milliseconds(100)))
                throw std::runtime_error("the job ended before its second checkpoint:\n" +
                                         read_text(log));
            if (clock_type::now() - started > std::chrono::seconds(300))
                throw std::runtime_error("no second checkpoint after 300 s:\n" + read_text(log));
        }

        const auto victim = rank_process(launcher, 1);
        BOOST_REQUIRE_MESSAGE(victim.has_value(), "rank 1 of the job was not found in /proc");
        const auto killed = clock_type::now();
        kill(*victim, SIGKILL);
        fault_run run;
        const auto code = wait_for(launcher, std::chrono::seconds(30));
        run.seconds_to_stop = std::chrono::duration<double>(clock_type::now() - killed).count();
        if (!code)
        {
            kill(launcher, SIGKILL);
            wait_for(launcher, std::chrono::seconds(5));
        }
        run.exit_code = code.value_or(-1);
        run.log = read_text(log);
        BOOST_TEST_MESSAGE(name << ": the job ended " << run.seconds_to_stop
                                << " s after rank 1 was killed, exit code " << run.exit_code);
        const auto newest = newest_checkpoint(train_dir);
        BOOST_REQUIRE(newest.has_value());
        run.checkpoint_step = newest->first;
        run.checkpoint = newest->second;
        return run;
    }

    // Resumes the checkpoint alone for one more step; train_mnist loads every record of it.
    void check_resumes(const fault_run& run)
    {
        const fs::path log = run.checkpoint.parent_path() / "resume.log";
        const std::string data = environment("SSGAN_SHARED_DATA") + "/mnist";
        const pid_t child =
            start({environment("SSGAN_TRAIN_MNIST"), "--checkpoint", run.checkpoint.string(),
                   "--batch-size", "20", "--labels", "20", "--steps",
                   std::to_string(run.checkpoint_step + 1), "--threads", "1", "--data-dir", data},
                  log);
        const auto code = wait_for(child, std::chrono::seconds(120));
        const std::string text = read_text(log);
        BOOST_TEST(code.value_or(-1) == 0, text);
        BOOST_TEST(text.find("resumed at step " + std::to_string(run.checkpoint_step)) !=
                       std::string::npos,
                   text);
    }
}

BOOST_AUTO_TEST_CASE(the_launcher_ends_the_job_when_a_rank_is_killed)
{
    const fault_run run = kill_rank_one("launcher-ends", {});
    // Seconds, with room for a machine that other work keeps busy (about 2 s when idle).
    BOOST_TEST(run.seconds_to_stop < 15.0, run.log);
    BOOST_TEST(run.exit_code != 0);
    BOOST_TEST(run.log.find("process rank 1") != std::string::npos, run.log);
    BOOST_TEST(run.log.find("signal 9") != std::string::npos, run.log);
    check_resumes(run);
}

BOOST_AUTO_TEST_CASE(the_timeout_ends_a_rank_whose_peer_died_when_the_launcher_waits)
{
    const fault_run run = kill_rank_one("timeout-ends", {"--enable-recovery"});
    // The launcher in recovery mode reports success even after MPI_Abort, so only the message
    // and the time tell.
    BOOST_TEST(run.seconds_to_stop < 4.0 + 11.0, run.log);
    BOOST_TEST(run.log.find("rank 0: error: rank 0 of 2: no answer from the other ranks") !=
                   std::string::npos,
               run.log);
    check_resumes(run);
}
