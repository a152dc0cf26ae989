// What the example programs share: a progress display (one line updated in place on a
// terminal, plain lines otherwise), Ctrl-C / SIGTERM turned into a polite stop request, and
// the flags every trainer has, bound to gan::settings and gan::session_options.
#pragma once

#include <ssgan/core/threading.hpp>
#include <ssgan/gan/session.hpp>

#include "distributed.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <unistd.h>

namespace tool
{
    inline std::atomic<int> stop_signal{0};

    // The first SIGINT or SIGTERM asks the trainer to save and stop; a second one kills.
    inline void install_stop_handlers()
    {
        auto handler = [](int signal)
        {
            if (stop_signal.exchange(signal) != 0)
            {
                std::signal(signal, SIG_DFL);
                std::raise(signal);
                return;
            }
            // write(2) is safe in a signal handler; iostreams are not.
            constexpr char message[] = "\nstopping: saving a checkpoint after this step "
                                       "(a second signal ends at once, losing it)\n";
            [[maybe_unused]] const auto written =
                ::write(STDERR_FILENO, message, sizeof message - 1);
        };
        std::signal(SIGINT, handler);
        std::signal(SIGTERM, handler);
    }

    inline std::string clock_text(double seconds)
    {
        if (!std::isfinite(seconds))
            return "--:--";
        const long total = std::lround(seconds);
        char text[32];
        if (total >= 3600)
            std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60,
                          total % 60);
        else
            std::snprintf(text, sizeof text, "%02ld:%02ld", total / 60, total % 60);
        return text;
    }

    class progress_printer
    {
    public:
        progress_printer() : terminal_(::isatty(STDOUT_FILENO) != 0) {}

        void operator()(const ssgan::gan::progress& event)
        {
            using kind = ssgan::gan::progress::kind;
            if (event.what == kind::note)
            {
                end_line();
                std::cout << "step " << event.step << ": " << event.message << std::endl;
                return;
            }
            char line[256];
            std::snprintf(line, sizeof line,
                          "epoch %6.2f  step %7llu  s_loss %.4f  d_loss %.4f  g_loss %.4f  "
                          "train_acc %.3f  %6.0f img/s  ETA %s",
                          event.epoch, static_cast<unsigned long long>(event.step),
                          event.losses.s_loss, event.losses.d_loss, event.losses.g_loss,
                          event.losses.train_accuracy, event.images_per_second,
                          clock_text(event.eta_seconds).c_str());
            if (event.what == kind::evaluation)
            {
                end_line();
                std::cout << line << "\n  test accuracy " << std::fixed << std::setprecision(2)
                          << 100.0 * event.test_accuracy << "%  (error "
                          << 100.0 * (1.0 - event.test_accuracy) << "%)" << std::defaultfloat
                          << std::endl;
            }
            else if (terminal_)
            {
                std::cout << "\r\033[K" << line << std::flush;
                open_line_ = true;
            }
            else
            {
                std::cout << line << std::endl;
            }
        }

        void end_line()
        {
            if (open_line_)
                std::cout << "\n";
            open_line_ = false;
        }

    private:
        bool terminal_;
        bool open_line_ = false;
    };

    // The flags of every trainer, named as in SSGAN-Tensorflow's trainer where one exists.
    struct training_flags
    {
        ssgan::gan::settings settings;
        ssgan::gan::session_options session;
        std::string model = "improved";
        std::string data_dir;
        std::string dataset;
        std::size_t epochs = 0;
        std::string checkpoint;
        std::string on_divergence = "stop";
        std::size_t threads = 0;
        distributed_flags distributed;

        void add_to(CLI::App& app)
        {
            app.add_option("--batch-size", settings.batch_size, "Images per batch")
                ->capture_default_str()
                ->check(CLI::Range(1, 65536));
            app.add_option("--labels", settings.labels,
                           "Labeled training images, the same number of each class")
                ->capture_default_str()
                ->check(CLI::Range(1, 1000000));
            app.add_option("--learning-rate", settings.learning_rate,
                           "Adam learning rate of the discriminator (default: the model's)")
                ->check(CLI::PositiveNumber);
            app.add_option("--g-lr-ratio", settings.generator_lr_ratio,
                           "Generator learning rate as a multiple of the discriminator's")
                ->check(CLI::PositiveNumber);
            app.add_option("--update-rate", settings.update_rate,
                           "Generator updates per discriminator update (default: the model's)")
                ->check(CLI::Range(1, 100));
            app.add_flag("--lr-weight-decay", settings.lr_weight_decay,
                         "Decay the learning rates linearly to zero over the last third of "
                         "training (needs --steps or --epochs)");
            app.add_option("--epochs", epochs, "Train for this many epochs of the unlabeled set");
            app.add_option("--steps", session.max_steps, "Train until this step");
            app.add_option("--minutes", session.max_minutes,
                           "Train for this many minutes of wall time")
                ->check(CLI::NonNegativeNumber);
            app.add_option("--seed", settings.seed,
                           "Seed of every random choice: labeled subset, initialization, "
                           "noise, batches")
                ->capture_default_str();
            app.add_option("--threads", threads, "Threads for oneDNN, Eigen and TBB (0: all cores)")
                ->capture_default_str()
                ->check(CLI::Range(0, 4096));
            app.add_option("--data-dir", data_dir,
                           "Folder that holds the dataset files (default: datasets/<dataset>)");
            app.add_option("--train-dir", session.train_dir, "Folder in which run folders are made")
                ->capture_default_str();
            app.add_option("--prefix", session.prefix, "First part of the run folder's name")
                ->capture_default_str();
            app.add_option("--checkpoint", checkpoint,
                           "Resume from this checkpoint file, or the newest in this run folder");
            app.add_option("--eval-every", session.eval_every,
                           "Evaluate on the test set every N steps")
                ->capture_default_str()
                ->check(CLI::Range(1, 100000000));
            app.add_option("--save-every", session.save_every, "Write a checkpoint every N steps")
                ->capture_default_str()
                ->check(CLI::Range(1, 100000000));
            app.add_option("--sample-every", session.sample_every,
                           "Write a sample grid every N steps")
                ->capture_default_str()
                ->check(CLI::Range(1, 100000000));
            app.add_option("--log-every", session.log_every, "Write a metrics row every N steps")
                ->capture_default_str()
                ->check(CLI::Range(1, 100000000));
            app.add_option("--keep-checkpoints", session.keep_checkpoints,
                           "How many of the newest checkpoints to keep")
                ->capture_default_str()
                ->check(CLI::Range(1, 100000));
            app.add_option("--on-divergence", on_divergence,
                           "When a loss becomes NaN or infinite: stop, or roll back to the "
                           "last checkpoint with half the learning rate")
                ->capture_default_str()
                ->check(CLI::IsMember({"stop", "rollback"}));
            app.add_option("--ema-decay", settings.ema_decay,
                           "Decay of the averaged weights used for testing")
                ->check(CLI::Range(0.0, 0.999999));
            distributed.add_to(app, settings.synchronized_batch_norm);
        }

        nlohmann::json to_json() const
        {
            const auto& s = settings;
            return {{"model", model},
                    {"dataset", dataset},
                    {"data_dir", data_dir},
                    {"batch_size", s.batch_size},
                    {"labels", s.labels},
                    {"learning_rate", s.learning_rate},
                    {"generator_lr_ratio", s.generator_lr_ratio},
                    {"update_rate", s.update_rate},
                    {"lr_weight_decay", s.lr_weight_decay},
                    {"beta1", s.beta1},
                    {"beta2", s.beta2},
                    {"unsupervised_weight", s.unsupervised_weight},
                    {"label_smoothing", s.label_smoothing},
                    {"clip_norm", s.clip_norm},
                    {"ema_decay", s.ema_decay},
                    {"reconstruction_weight", s.reconstruction_weight},
                    {"init_batch", s.init_batch},
                    {"total_steps", s.total_steps},
                    {"seed", s.seed},
                    {"threads", threads},
                    {"ranks", replicas() ? replicas()->size() : 1},
                    {"synchronized_batch_norm", s.synchronized_batch_norm},
                    {"epochs", epochs},
                    {"max_steps", session.max_steps},
                    {"max_minutes", session.max_minutes},
                    {"eval_every", session.eval_every},
                    {"save_every", session.save_every},
                    {"sample_every", session.sample_every},
                    {"log_every", session.log_every},
                    {"keep_checkpoints", session.keep_checkpoints},
                    {"on_divergence", on_divergence},
                    {"resumed_from", checkpoint}};
        }
    };
}
