// The part of every training tool after its datasets are loaded: the step budget, the run's
// settings, the trainer and session, the final summary, and the exit codes (0 done, 1 error,
// 3 diverged, 128 + signal after a requested stop).
#pragma once

#include "console.hpp"

#include <cmath>
#include <cstring>
#include <functional>
#include <iomanip>
#include <iostream>

namespace tool
{
    // The value of option `name` (`--name value` or `--name=value`), or `fallback`: for the
    // options that decide the defaults of others, read before the rest are parsed.
    inline std::string argument_value(int argc, char** argv, const std::string& name,
                                      const std::string& fallback)
    {
        const std::string with_equals = name + "=";
        for (int i = 1; i < argc; ++i)
        {
            if (argv[i] == name && i + 1 < argc)
                return argv[i + 1];
            if (std::strncmp(argv[i], with_equals.c_str(), with_equals.size()) == 0)
                return argv[i] + with_equals.size();
        }
        return fallback;
    }

    // The model decides the defaults of several flags, so it is read before the others.
    inline std::string model_argument(int argc, char** argv)
    {
        return argument_value(argc, argv, "--model", "improved");
    }

    // Trains Model on the given sets. `extra_config` is merged into config.json;
    // `decay_asked` tells whether --lr-weight-decay was given, rather than a model default.
    template <class Model>
    int run_training(training_flags& flags, const ssgan::data::dataset& train_set,
                     const ssgan::data::dataset& test_set, const std::string& dataset_name,
                     bool decay_asked, const nlohmann::json& extra_config = {})
    {
        const std::size_t ranks = replicas() ? replicas()->size() : 1;
        const std::size_t steps_per_epoch =
            std::max<std::size_t>(train_set.count / (flags.settings.batch_size * ranks), 1);
        if (flags.epochs > 0)
            flags.session.max_steps = flags.epochs * steps_per_epoch;
        if (flags.session.max_steps == 0 && flags.session.max_minutes <= 0.0)
            flags.session.max_steps = 10 * steps_per_epoch;
        flags.settings.total_steps = flags.session.max_steps;
        if (flags.settings.lr_weight_decay && flags.settings.total_steps == 0)
        {
            if (decay_asked)
                throw ssgan::config_error("--lr-weight-decay needs --steps or --epochs, so the "
                                          "decay knows where training ends");
            flags.settings.lr_weight_decay = false;
            std::cout << "note: with --minutes alone the end of training is unknown, so the "
                         "learning rate stays constant (give --steps or --epochs to decay it)"
                      << std::endl;
        }

        flags.session.dataset_name = dataset_name;
        flags.session.on_divergence = flags.on_divergence == "rollback"
                                          ? ssgan::gan::divergence_policy::rollback
                                          : ssgan::gan::divergence_policy::stop;
        if (!flags.checkpoint.empty())
            flags.session.resume = flags.checkpoint;
        flags.session.config = flags.to_json();
        if (extra_config.is_object())
            flags.session.config.update(extra_config);

        ssgan::gan::trainer<Model> trainer(train_set, test_set, flags.settings, Model::objective,
                                           replicas());
        progress_printer printer;
        ssgan::gan::session<Model> session(
            trainer, flags.session, [&](const ssgan::gan::progress& event) { printer(event); },
            [] { return stop_signal.load() != 0; });

        std::cout << "ssgan: model " << Model::name << " on " << dataset_name << " ("
                  << train_set.count << " training, " << test_set.count << " test images), "
                  << flags.settings.labels << " labels, batch " << flags.settings.batch_size;
        if (replicas())
            std::cout << " per rank x " << replicas()->size() << " ranks"
                      << (flags.settings.synchronized_batch_norm ? " (synchronized batch norm)"
                                                                 : "");
        std::cout << ", " << ssgan::current_threads() << " threads"
                  << (replicas() ? " per rank" : "")
                  << "\nrun folder: " << session.run_dir().string() << std::endl;
        if (flags.session.resume)
            std::cout << "resumed at step " << trainer.steps_done() << std::endl;

        session.run();
        printer.end_line();

        const auto& dir = session.run_dir();
        if (std::isfinite(session.last_test_accuracy()))
            std::cout << "\nstep " << trainer.steps_done() << ": test accuracy " << std::fixed
                      << std::setprecision(2) << 100.0 * session.last_test_accuracy() << "% (error "
                      << 100.0 * (1.0 - session.last_test_accuracy()) << "%)\n";
        std::cout << "checkpoint:  "
                  << (dir / ("model-" + std::to_string(trainer.steps_done()) + ".ckpt")).string()
                  << "\nsamples:     " << (dir / "samples").string()
                  << "\nanimation:   " << (dir / "training.gif").string()
                  << "\ncurves:      " << (dir / "curves.png").string()
                  << "\nmetrics:     " << (dir / "metrics.csv").string() << std::endl;
        if (session.stopped_early())
        {
            std::cout << "stopped by signal " << stop_signal.load()
                      << " after saving; resume with --checkpoint " << dir.string() << std::endl;
            return 128 + stop_signal.load();
        }
        return 0;
    }

    // Sets the threads and signal handlers, runs `train`, and turns failures into messages
    // and exit codes.
    inline int guarded_main(const training_flags& flags, const std::function<int()>& train)
    {
        try
        {
            ssgan::set_threads(start_replicas(flags.distributed, flags.threads));
            install_stop_handlers();
            return train();
        }
        catch (const ssgan::divergence_error& failure)
        {
            // Every rank sees the same averaged losses, so all stop here together.
            if (rank() > 0)
                return 3;
            std::cerr << "\nerror: " << failure.what()
                      << "\nNo checkpoint was written after the divergence, so the newest one in "
                         "the run folder (if any) is the last good one; --on-divergence rollback "
                         "reloads it and halves the learning rate, a lower --learning-rate "
                         "avoids it."
                      << std::endl;
            return 3;
        }
        catch (const std::exception& failure)
        {
            std::cerr << "\n" << rank_prefix() << "error: " << failure.what() << std::endl;
            return end_after_failure(1);
        }
    }
}
