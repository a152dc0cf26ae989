// The real train_mnist under faults: SIGKILL at random moments, a file-size limit standing in
// for a full disk, and command-line mistakes (of the other tools too). ctest passes each tool's
// path in SSGAN_<TOOL> (SSGAN_TRAIN_MNIST, ...) and the shared data in SSGAN_SHARED_DATA; set
// SSGAN_FAULT_SEED to replay the kill times of an earlier run (each run prints its seed).
#define BOOST_TEST_MODULE tools_train_mnist_faults
#include <boost/test/unit_test.hpp>

#include "child_process.hpp"
#include "support/files.hpp"

#include <ssgan/io/checkpoint.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace
{
    namespace fs = std::filesystem;
    using namespace std::chrono_literals;
    using ssgan::testing::child_process;

    // Generous: the asan build runs several times slower than the release one.
    constexpr auto patience = std::chrono::minutes(5);

    std::string environment(const char* name)
    {
        const char* value = std::getenv(name);
        if (value == nullptr || *value == '\0')
            throw std::runtime_error(std::string(name) + " is not set (ctest sets it)");
        return value;
    }

    // train_mnist with small, fast settings, writing its run folders into `train_dir`; the
    // shared MNIST files unless `extra` names another --data-dir.
    std::vector<std::string> train_command(const fs::path& train_dir,
                                           std::vector<std::string> extra = {})
    {
        std::vector<std::string> command = {environment("SSGAN_TRAIN_MNIST")};
        if (std::find(extra.begin(), extra.end(), "--data-dir") == extra.end())
            command.insert(command.end(),
                           {"--data-dir", fs::path(environment("SSGAN_SHARED_DATA")) / "mnist"});
        command.insert(command.end(),
                       {"--train-dir", train_dir.string(), "--batch-size", "20", "--labels", "20",
                        "--seed", "3", "--threads", "2", "--log-every", "10", "--eval-every",
                        "100000", "--sample-every", "100000"});
        command.insert(command.end(), extra.begin(), extra.end());
        return command;
    }

    std::vector<fs::path> entries_of(const fs::path& folder)
    {
        std::vector<fs::path> found;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(folder, ec))
            found.push_back(entry.path());
        std::sort(found.begin(), found.end());
        return found;
    }

    // The steps of the model-<step>.ckpt files in a run folder, in increasing order.
    std::vector<std::uint64_t> checkpoint_steps(const fs::path& run)
    {
        static const std::regex pattern(R"(model-(\d+)\.ckpt)");
        std::vector<std::uint64_t> steps;
        for (const fs::path& file : entries_of(run))
        {
            std::smatch match;
            const std::string name = file.filename().string();
            if (std::regex_match(name, match, pattern))
                steps.push_back(std::stoull(match[1]));
        }
        std::sort(steps.begin(), steps.end());
        return steps;
    }

    fs::path checkpoint_file(const fs::path& run, std::uint64_t step)
    {
        return run / ("model-" + std::to_string(step) + ".ckpt");
    }

    // Loading checks the CRC and the record layout; the step record must match the name.
    void require_complete(const fs::path& file, std::uint64_t step)
    {
        const ssgan::checkpoint_reader reader(file);
        BOOST_TEST_REQUIRE(reader.integers("step").at(0) == step, file);
    }

    bool contains(const std::string& text, const std::string& part)
    {
        return text.find(part) != std::string::npos;
    }

    std::uint64_t fault_seed()
    {
        if (const char* given = std::getenv("SSGAN_FAULT_SEED"))
            return std::stoull(given);
        return std::random_device{}();
    }
}

BOOST_AUTO_TEST_CASE(killed_at_random_moments_it_always_resumes_from_a_complete_checkpoint)
{
    const ssgan::testing::scratch_folder scratch("ssgan-train-mnist-faults");
    const fs::path runs = scratch.path() / "runs";
    const std::uint64_t seed = fault_seed();
    BOOST_TEST_MESSAGE("SSGAN_FAULT_SEED=" << seed);
    std::mt19937_64 random(seed);
    const std::vector<std::string> budget = {
        "--steps", "1000000", "--save-every", "2", "--keep-checkpoints", "2"};

    // The first run is killed at a random moment after its first checkpoint.
    fs::path run;
    {
        child_process first(train_command(runs, budget));
        const auto deadline = std::chrono::steady_clock::now() + patience;
        while (std::chrono::steady_clock::now() < deadline && first.running())
        {
            first.pump(50ms);
            const auto folders = entries_of(runs);
            if (folders.size() == 1 && !checkpoint_steps(folders.front()).empty())
            {
                run = folders.front();
                break;
            }
        }
        BOOST_TEST_REQUIRE(!run.empty(), "no checkpoint appeared:\n" << first.output());
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 1500)(random)));
        first.kill(SIGKILL);
        BOOST_TEST_REQUIRE(first.exit_code(patience).value_or(0) == 128 + SIGKILL, first.output());
    }

    // Each resumed run is killed at a random moment: one in four while it starts (loading data,
    // reading the checkpoint), the others while it trains and writes checkpoints.
    for (int round = 0; round < 6; ++round)
    {
        const auto steps = checkpoint_steps(run);
        BOOST_TEST_REQUIRE(!steps.empty());
        for (const std::uint64_t step : steps)
            require_complete(checkpoint_file(run, step), step);
        const std::uint64_t newest = steps.back();

        auto command = train_command(runs, budget);
        command.insert(command.end(), {"--checkpoint", run.string()});
        child_process child(command);
        const bool while_starting = std::uniform_int_distribution<int>(0, 3)(random) == 0;
        if (!while_starting)
        {
            const auto deadline = std::chrono::steady_clock::now() + patience;
            while (child.running() && !contains(child.output(), "resumed at step") &&
                   std::chrono::steady_clock::now() < deadline)
                child.pump(20ms);
        }
        const auto delay = std::chrono::milliseconds(
            std::uniform_int_distribution<int>(0, while_starting ? 3000 : 2500)(random));
        const auto kill_at = std::chrono::steady_clock::now() + delay;
        while (std::chrono::steady_clock::now() < kill_at && child.running())
            child.pump(20ms);
        BOOST_TEST_REQUIRE(child.running(), "round " << round << ": exited early:\n"
                                                     << child.output());
        child.kill(SIGKILL);
        child.exit_code(patience);
        BOOST_TEST_MESSAGE("round " << round << ": resumed from step " << newest << ", killed "
                                    << delay.count() << " ms after "
                                    << (while_starting ? "its start" : "resuming")
                                    << "; checkpoints now " << checkpoint_steps(run).back());
        if (contains(child.output(), "resumed at step"))
            BOOST_TEST(contains(child.output(), "resumed at step " + std::to_string(newest)),
                       child.output());
    }

    // The last run resumes from the newest checkpoint and finishes its budget.
    const std::uint64_t newest = checkpoint_steps(run).back();
    require_complete(checkpoint_file(run, newest), newest);
    auto command = train_command(runs, {"--steps", std::to_string(newest + 4), "--save-every", "2",
                                        "--keep-checkpoints", "2"});
    command.insert(command.end(), {"--checkpoint", run.string()});
    child_process last(command);
    BOOST_TEST_REQUIRE(last.exit_code(patience).value_or(-1) == 0, last.output());
    BOOST_TEST(contains(last.output(), "resumed at step " + std::to_string(newest)), last.output());
    require_complete(checkpoint_file(run, newest + 4), newest + 4);
    for (const fs::path& file : entries_of(run))
        BOOST_TEST(!contains(file.filename().string(), ".tmp"), file << " was left behind");
    BOOST_TEST(entries_of(runs).size() == 1u);
}

// The first SIGINT or SIGTERM, sent once the first progress line shows training under way, asks
// for a checkpoint after the current step and an exit with 128 + the signal.
BOOST_AUTO_TEST_CASE(sigint_and_sigterm_save_a_checkpoint_before_exiting)
{
    for (const int signal : {SIGINT, SIGTERM})
    {
        const ssgan::testing::scratch_folder scratch("ssgan-train-mnist-signal");
        const fs::path runs = scratch.path() / "runs";
        child_process tool(train_command(runs, {"--steps", "1000000", "--save-every", "100000"}));
        const auto deadline = std::chrono::steady_clock::now() + patience;
        while (tool.running() && !contains(tool.output(), " step ") &&
               std::chrono::steady_clock::now() < deadline)
            tool.pump(20ms);
        tool.kill(signal);
        const auto code = tool.exit_code(patience);
        const std::string& output = tool.output();

        BOOST_TEST(code.value_or(-1) == 128 + signal, output);
        BOOST_TEST(contains(output, "stopped by signal " + std::to_string(signal)), output);
        BOOST_TEST_REQUIRE(entries_of(runs).size() == 1u);
        const auto steps = checkpoint_steps(entries_of(runs).front());
        BOOST_TEST_REQUIRE(steps.size() == 1u, output);
        require_complete(checkpoint_file(entries_of(runs).front(), steps.front()), steps.front());
        BOOST_TEST(steps.front() >= 1u);
    }
}

BOOST_AUTO_TEST_CASE(full_disk_while_saving_names_the_checkpoint_and_keeps_the_previous_one)
{
    const ssgan::testing::scratch_folder scratch("ssgan-train-mnist-faults");
    const fs::path runs = scratch.path() / "runs";
    child_process first(train_command(runs, {"--steps", "2", "--save-every", "2"}));
    BOOST_TEST_REQUIRE(first.exit_code(patience).value_or(-1) == 0, first.output());
    BOOST_TEST_REQUIRE(entries_of(runs).size() == 1u);
    const fs::path run = entries_of(runs).front();
    const fs::path previous = checkpoint_file(run, 2);
    const std::vector<char> before = ssgan::testing::bytes_of(previous);
    BOOST_TEST_REQUIRE(before.size() > 1000u);

    auto command = train_command(runs, {"--steps", "4", "--save-every", "2"});
    command.insert(command.end(), {"--checkpoint", run.string()});
    child_process limited(command, rlim_t(before.size() / 2));
    const auto code = limited.exit_code(patience);
    const std::string& output = limited.output();

    BOOST_TEST(code.value_or(-1) == 1, output);
    BOOST_TEST(contains(output, "model-4.ckpt"), output);
    BOOST_TEST(contains(output, std::strerror(EFBIG)), output);
    BOOST_TEST(contains(output, "the newest complete one is " + previous.string()), output);
    BOOST_TEST((ssgan::testing::bytes_of(previous) == before));
    BOOST_TEST(!fs::exists(checkpoint_file(run, 4)));
    for (const fs::path& file : entries_of(run))
        BOOST_TEST(!contains(file.filename().string(), ".tmp"), file << " was left behind");
}

BOOST_AUTO_TEST_CASE(command_line_mistakes_exit_non_zero_and_make_no_run_folder)
{
    const ssgan::testing::scratch_folder scratch("ssgan-train-mnist-faults");
    const fs::path runs = scratch.path() / "runs";
    const fs::path a_file = scratch.path() / "a_file";
    std::ofstream(a_file) << "not a folder";

    struct mistake
    {
        std::vector<std::string> flags;
        std::string said; // part of the message
    };
    const std::vector<mistake> mistakes = {
        {{"--no-such-flag"}, "--no-such-flag"},
        {{"--batch-size", "0"}, "--batch-size"},
        {{"--labels", "-3"}, "--labels"},
        {{"--on-divergence", "sometimes"}, "sometimes"},
        {{"--minutes", "-1"}, "--minutes"},
        {{"--data-dir", (scratch.path() / "missing").string()}, "does not exist"},
        {{"--data-dir", a_file.string()}, "is a file"},
        {{"--labels", "7"}, "--labels"},
        {{"--labels", "100000"}, "--labels"},
        {{"--checkpoint", (scratch.path() / "missing.ckpt").string()}, "missing.ckpt"},
        {{"--checkpoint", a_file.string()}, "a_file"},
    };
    for (const mistake& m : mistakes)
    {
        child_process tool(train_command(runs, m.flags));
        const auto code = tool.exit_code(patience);
        std::string flags;
        for (const std::string& flag : m.flags)
            flags += flag + " ";
        BOOST_TEST(code.value_or(0) != 0, flags << "exited with 0:\n" << tool.output());
        BOOST_TEST(code.value_or(0) < 128, flags << "crashed:\n" << tool.output());
        BOOST_TEST(contains(tool.output(), m.said), flags << "said:\n" << tool.output());
        BOOST_TEST(entries_of(runs).empty(), flags << "left a run folder");
    }

    // A train dir below a file cannot be made.
    const fs::path below_file = a_file / "runs";
    child_process tool(train_command(below_file));
    BOOST_TEST(tool.exit_code(patience).value_or(0) == 1, tool.output());
    BOOST_TEST(contains(tool.output(), "train dir " + below_file.string()), tool.output());
}

// The other tools share the flags; each must also refuse an unknown flag and a missing folder
// or checkpoint with a message and without making a run folder.
BOOST_AUTO_TEST_CASE(every_tool_rejects_an_unknown_flag_and_a_missing_folder)
{
    const ssgan::testing::scratch_folder scratch("ssgan-tools-mistakes");
    const fs::path runs = scratch.path() / "runs";
    const std::string missing = (scratch.path() / "missing").string();
    struct mistake
    {
        const char* tool; // the environment variable holding its path
        std::vector<std::string> flags;
        std::string said;
    };
    const std::vector<mistake> mistakes = {
        {"SSGAN_TRAIN_CIFAR10", {"--no-such-flag"}, "--no-such-flag"},
        {"SSGAN_TRAIN_CIFAR10", {"--data-dir", missing}, missing},
        {"SSGAN_TRAIN_SVHN", {"--no-such-flag"}, "--no-such-flag"},
        {"SSGAN_TRAIN_SVHN", {"--data-dir", missing}, missing},
        {"SSGAN_TRAIN", {"--no-such-flag"}, "--no-such-flag"},
        {"SSGAN_TRAIN", {"--data-dir", missing}, missing},
        {"SSGAN_EVALUATE", {"--no-such-flag", "--checkpoint", missing}, "--no-such-flag"},
        {"SSGAN_EVALUATE", {"--checkpoint", missing}, missing},
    };
    for (const mistake& m : mistakes)
    {
        std::vector<std::string> command = {environment(m.tool)};
        if (std::string(m.tool) != "SSGAN_EVALUATE")
            command.insert(command.end(), {"--train-dir", runs.string()});
        command.insert(command.end(), m.flags.begin(), m.flags.end());
        child_process tool(command);
        const auto code = tool.exit_code(patience);
        const std::string what = std::string(m.tool) + " " + m.flags.front();
        BOOST_TEST(code.value_or(0) != 0, what << " exited with 0:\n" << tool.output());
        BOOST_TEST(code.value_or(0) < 128, what << " crashed:\n" << tool.output());
        BOOST_TEST(contains(tool.output(), m.said), what << " said:\n" << tool.output());
        BOOST_TEST(entries_of(runs).empty(), what << " left a run folder");
    }
}
