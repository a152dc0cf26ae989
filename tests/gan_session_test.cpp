#define BOOST_TEST_MODULE gan_session
#include <boost/test/unit_test.hpp>

#include "support/files.hpp"

#include <ssgan/data/mnist.hpp>
#include <ssgan/gan/mnist_models.hpp>
#include <ssgan/gan/session.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

namespace
{
    namespace fs = std::filesystem;
    using model = ssgan::gan::mnist_improved;

    fs::path mnist_folder()
    {
        if (const char* root = std::getenv("SSGAN_SHARED_DATA"))
            return fs::path(root) / "mnist";
        return fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared" / "data" /
               "mnist";
    }

    // The first 2000 training and 100 test images of the real MNIST files, loaded once.
    struct mnist_subset
    {
        ssgan::data::dataset train = first(ssgan::data::split::train, 2000);
        ssgan::data::dataset test = first(ssgan::data::split::test, 100);

        static ssgan::data::dataset first(ssgan::data::split which, std::size_t count)
        {
            ssgan::data::dataset part = ssgan::data::load_mnist(mnist_folder(), which);
            part.count = count;
            part.pixels.resize(count * part.sample_size());
            part.labels.resize(count);
            return part;
        }
    };

    const mnist_subset& data()
    {
        static const mnist_subset loaded;
        return loaded;
    }

    ssgan::gan::settings small_settings()
    {
        ssgan::gan::settings chosen = model::defaults();
        chosen.batch_size = 20;
        chosen.labels = 20;
        chosen.init_batch = 100;
        chosen.seed = 5;
        return chosen;
    }

    ssgan::gan::session_options options_in(const fs::path& train_dir, std::size_t steps)
    {
        ssgan::gan::session_options options;
        options.train_dir = train_dir;
        options.max_steps = steps;
        options.log_every = 1;
        options.eval_every = 1000;
        options.sample_every = 1000;
        options.save_every = 2;
        return options;
    }

    std::string text_of(const fs::path& file)
    {
        const std::vector<char> bytes = ssgan::testing::bytes_of(file);
        return {bytes.begin(), bytes.end()};
    }

    bool contains(const std::string& text, const std::string& part)
    {
        return text.find(part) != std::string::npos;
    }

    // The message of the divergence_error that ends the run, or "" when none does.
    std::string divergence_of(ssgan::gan::session<model>& session)
    {
        try
        {
            session.run();
        }
        catch (const ssgan::divergence_error& failure)
        {
            return failure.what();
        }
        return "";
    }

    // Poisons one parameter of the discriminator once, from the session's progress callback at
    // `step`: the callback runs after a step's losses were checked and before its checkpoint is
    // written, which is where a NaN from a gradient would first show. A NaN in the last bias
    // reaches the logits and the next losses; one in the first weight can vanish behind a ReLU
    // and leave the losses finite.
    struct poison_once
    {
        ssgan::gan::trainer<model>& trainer;
        std::uint64_t step;
        bool last_parameter;
        fs::path keep_copy_of; // read just before poisoning, to compare later
        std::vector<char> copy;
        std::vector<std::string> notes;
        bool done = false;

        void operator()(const ssgan::gan::progress& event)
        {
            if (event.what == ssgan::gan::progress::kind::note)
                notes.push_back(event.message);
            if (done || event.step != step || event.what == ssgan::gan::progress::kind::note)
                return;
            if (!keep_copy_of.empty())
                copy = ssgan::testing::bytes_of(keep_copy_of);
            const auto parameters = trainer.critic().parameters();
            parameters[last_parameter ? parameters.size() - 1 : 0] =
                std::numeric_limits<float>::quiet_NaN();
            done = true;
        }
    };
}

BOOST_AUTO_TEST_CASE(nan_loss_stops_naming_step_and_loss_and_keeps_the_last_checkpoint)
{
    const ssgan::testing::scratch_folder scratch("ssgan-session-test");
    ssgan::gan::trainer<model> trainer(data().train, data().test, small_settings());
    ssgan::gan::session_options options = options_in(scratch.path(), 6);
    poison_once poison{trainer, 3, true, {}, {}, {}, false};
    ssgan::gan::session<model> session(trainer, options, std::ref(poison));
    poison.keep_copy_of = session.run_dir() / "model-2.ckpt";

    const std::string message = divergence_of(session);
    BOOST_TEST(contains(message, "step 4"), message);
    BOOST_TEST(contains(message, "loss is "), message);
    BOOST_TEST(contains(message, "nan"), message);

    const fs::path run = session.run_dir();
    BOOST_TEST((ssgan::testing::bytes_of(run / "model-2.ckpt") == poison.copy));
    BOOST_TEST(!fs::exists(run / "model-4.ckpt"));
    const std::string diagnosis = text_of(run / "divergence-step-4.txt");
    BOOST_TEST(contains(diagnosis, message), diagnosis);
    BOOST_TEST(contains(diagnosis, "last checkpoint: " + (run / "model-2.ckpt").string()),
               diagnosis);
}

BOOST_AUTO_TEST_CASE(rollback_reloads_the_last_checkpoint_with_half_the_learning_rate)
{
    const ssgan::testing::scratch_folder scratch("ssgan-session-test");
    ssgan::gan::trainer<model> trainer(data().train, data().test, small_settings());
    const float rate = trainer.current_settings().learning_rate;
    ssgan::gan::session_options options = options_in(scratch.path(), 6);
    options.on_divergence = ssgan::gan::divergence_policy::rollback;
    poison_once poison{trainer, 3, true, {}, {}, {}, false};
    ssgan::gan::session<model> session(trainer, options, std::ref(poison));

    BOOST_CHECK_NO_THROW(session.run());
    BOOST_TEST(trainer.steps_done() == 6u);
    BOOST_TEST(trainer.current_settings().learning_rate == rate / 2);
    BOOST_TEST_REQUIRE(poison.notes.size() >= 1u);
    BOOST_TEST(contains(poison.notes.front(), "rolled back to step 2"), poison.notes.front());
    BOOST_TEST(fs::exists(session.run_dir() / "divergence-step-4.txt"));
    BOOST_TEST(fs::exists(session.run_dir() / "model-6.ckpt"));
    for (const float value : trainer.critic().parameters())
        BOOST_TEST_REQUIRE(std::isfinite(value));
}

BOOST_AUTO_TEST_CASE(non_finite_parameters_are_never_written_as_a_checkpoint)
{
    const ssgan::testing::scratch_folder scratch("ssgan-session-test");
    ssgan::gan::trainer<model> trainer(data().train, data().test, small_settings());
    ssgan::gan::session_options options = options_in(scratch.path(), 6);
    poison_once poison{trainer, 4, false, {}, {}, {}, false};
    ssgan::gan::session<model> session(trainer, options, std::ref(poison));
    poison.keep_copy_of = session.run_dir() / "model-2.ckpt";

    const std::string message = divergence_of(session);
    BOOST_TEST(contains(message, "step 4: parameter 0 of"), message);
    BOOST_TEST(contains(message, "in D is nan"), message);
    BOOST_TEST(!fs::exists(session.run_dir() / "model-4.ckpt"));
    BOOST_TEST((ssgan::testing::bytes_of(session.run_dir() / "model-2.ckpt") == poison.copy));
}

BOOST_AUTO_TEST_CASE(only_the_newest_checkpoints_are_kept)
{
    const ssgan::testing::scratch_folder scratch("ssgan-session-test");
    ssgan::gan::trainer<model> trainer(data().train, data().test, small_settings());
    ssgan::gan::session_options options = options_in(scratch.path(), 5);
    options.save_every = 1;
    options.keep_checkpoints = 2;
    ssgan::gan::session<model> session(trainer, options, [](const ssgan::gan::progress&) {});
    session.run();

    std::vector<std::string> checkpoints;
    for (const auto& entry : fs::directory_iterator(session.run_dir()))
        if (entry.path().extension() == ".ckpt")
            checkpoints.push_back(entry.path().filename().string());
    std::sort(checkpoints.begin(), checkpoints.end());
    BOOST_TEST(checkpoints == (std::vector<std::string>{"model-4.ckpt", "model-5.ckpt"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(resume_clears_the_temporary_files_of_a_killed_writer)
{
    const ssgan::testing::scratch_folder scratch("ssgan-session-test");
    fs::path run;
    {
        ssgan::gan::trainer<model> trainer(data().train, data().test, small_settings());
        ssgan::gan::session<model> session(trainer, options_in(scratch.path(), 2),
                                           [](const ssgan::gan::progress&) {});
        session.run();
        run = session.run_dir();
    }
    const fs::path unfinished = run / ".model-4.ckpt.tmp12345";
    std::ofstream(unfinished) << "half a checkpoint";

    ssgan::gan::trainer<model> trainer(data().train, data().test, small_settings());
    ssgan::gan::session_options options = options_in(scratch.path(), 3);
    options.resume = run;
    ssgan::gan::session<model> session(trainer, options, [](const ssgan::gan::progress&) {});
    BOOST_TEST(trainer.steps_done() == 2u);
    BOOST_TEST(!fs::exists(unfinished));
}

// The run folder is made, then config.json cannot be written (a file-size limit of 100 bytes
// stands in for a full disk; in-process, because an MPI-enabled tool's MPI_Init needs files of
// its own): the session must say so and remove the half-made folder.
BOOST_AUTO_TEST_CASE(a_run_folder_that_cannot_be_set_up_is_removed)
{
    const ssgan::testing::scratch_folder scratch("ssgan-session-setup");
    ssgan::gan::trainer<model> trainer(data().train, data().test, small_settings());
    ssgan::gan::session_options options = options_in(scratch.path(), 2);
    options.config = {{"padding", std::string(1000, 'x')}};

    rlimit saved{};
    BOOST_TEST_REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
    rlimit limited = saved;
    limited.rlim_cur = 100;
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    BOOST_TEST_REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
    std::string message;
    try
    {
        ssgan::gan::session<model> session(trainer, options, [](const ssgan::gan::progress&) {});
    }
    catch (const ssgan::error& failure)
    {
        message = failure.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, old_handler);

    BOOST_TEST(contains(message, "config.json"), message);
    BOOST_TEST(contains(message, std::strerror(EFBIG)), message);
    BOOST_TEST(fs::is_empty(scratch.path()), "a run folder was left behind");
}
