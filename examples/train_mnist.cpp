// train_mnist: trains the semi-supervised GAN on MNIST (or Fashion-MNIST) with a few labels
// and every unlabeled image, evaluates on the official test set, and leaves a run folder with
// config.json, metrics.csv, checkpoints, sample grids, training.gif and curves.png.
#include "common/console.hpp"

#include <ssgan/data/mnist.hpp>
#include <ssgan/gan/mnist_models.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

namespace
{
    // The model decides the defaults of several flags, so it is read before the others.
    std::string model_argument(int argc, char** argv)
    {
        for (int i = 1; i < argc; ++i)
        {
            if (std::strcmp(argv[i], "--model") == 0 && i + 1 < argc)
                return argv[i + 1];
            if (std::strncmp(argv[i], "--model=", 8) == 0)
                return argv[i] + 8;
        }
        return "improved";
    }

    std::filesystem::path dataset_folder(const tool::training_flags& flags)
    {
        return flags.data_dir.empty() ? std::filesystem::path("datasets") / flags.dataset
                                      : std::filesystem::path(flags.data_dir);
    }

    ssgan::data::dataset load(const std::filesystem::path& folder, ssgan::data::split which,
                              const std::string& dataset)
    {
        if (std::filesystem::exists(folder) && !std::filesystem::is_directory(folder))
            throw ssgan::config_error("data dir " + folder.string() +
                                      " is a file; expected the folder that holds the four "
                                      "MNIST files");
        if (!std::filesystem::is_directory(folder))
            throw ssgan::config_error(
                "data dir " + folder.string() +
                " does not exist; run "
                "scripts/get_mnist.sh " +
                folder.string() + (dataset == "fashion_mnist" ? " --dataset fashion_mnist" : "") +
                " to obtain " + dataset);
        return ssgan::data::load_mnist(folder, which);
    }

    template <class Model>
    int train(tool::training_flags& flags)
    {
        const auto folder = dataset_folder(flags);
        const auto train_set = load(folder, ssgan::data::split::train, flags.dataset);
        const auto test_set = load(folder, ssgan::data::split::test, flags.dataset);

        const std::size_t steps_per_epoch = train_set.count / flags.settings.batch_size;
        if (flags.epochs > 0)
            flags.session.max_steps = flags.epochs * std::max<std::size_t>(steps_per_epoch, 1);
        if (flags.session.max_steps == 0 && flags.session.max_minutes <= 0.0)
            flags.session.max_steps = 10 * std::max<std::size_t>(steps_per_epoch, 1);
        flags.settings.total_steps = flags.session.max_steps;
        if (flags.settings.lr_weight_decay && flags.settings.total_steps == 0)
            throw ssgan::config_error("--lr-weight-decay needs --steps or --epochs, so the decay "
                                      "knows where training ends");

        flags.session.dataset_name = flags.dataset == "mnist" ? "MNIST" : "FashionMNIST";
        flags.session.on_divergence = flags.on_divergence == "rollback"
                                          ? ssgan::gan::divergence_policy::rollback
                                          : ssgan::gan::divergence_policy::stop;
        if (!flags.checkpoint.empty())
            flags.session.resume = flags.checkpoint;
        flags.session.config = flags.to_json();

        ssgan::gan::trainer<Model> trainer(train_set, test_set, flags.settings);
        tool::progress_printer printer;
        ssgan::gan::session<Model> session(
            trainer, flags.session, [&](const ssgan::gan::progress& event) { printer(event); },
            [] { return tool::stop_signal.load() != 0; });

        std::cout << "ssgan: model " << Model::name << " on " << flags.session.dataset_name << ", "
                  << flags.settings.labels << " labels, batch " << flags.settings.batch_size << ", "
                  << ssgan::current_threads()
                  << " threads\nrun folder: " << session.run_dir().string() << std::endl;
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
            std::cout << "stopped by signal " << tool::stop_signal.load()
                      << " after saving; resume with --checkpoint " << dir.string() << std::endl;
            return 128 + tool::stop_signal.load();
        }
        return 0;
    }
}

int main(int argc, char** argv)
{
    tool::training_flags flags;
    flags.model = model_argument(argc, argv);
    flags.settings = flags.model == "seed" ? ssgan::gan::mnist_seed::defaults()
                                           : ssgan::gan::mnist_improved::defaults();

    CLI::App app{"Semi-supervised GAN on MNIST: a 10-class classifier that learns from a few "
                 "labels and every unlabeled image (Salimans et al. 2016)."};
    flags.dataset = "mnist";
    app.add_option("--model", flags.model,
                   "improved: weight-normalized dense networks with feature matching "
                   "(Salimans et al.); seed: the convolutional design of SSGAN-Tensorflow "
                   "(K + 1 classes, non-saturating loss)")
        ->capture_default_str()
        ->check(CLI::IsMember({"improved", "seed"}));
    app.add_option("--dataset", flags.dataset, "mnist or fashion_mnist")
        ->capture_default_str()
        ->check(CLI::IsMember({"mnist", "fashion_mnist"}));
    flags.add_to(app);
    CLI11_PARSE(app, argc, argv);

    try
    {
        ssgan::set_threads(flags.threads);
        tool::install_stop_handlers();
        if (flags.model == "seed")
            return train<ssgan::gan::mnist_seed>(flags);
        return train<ssgan::gan::mnist_improved>(flags);
    }
    catch (const ssgan::divergence_error& failure)
    {
        std::cerr << "\nerror: " << failure.what()
                  << "\nNo checkpoint was written after the divergence, so the newest one in the "
                     "run folder (if any) is the last good one; --on-divergence rollback reloads "
                     "it and halves the learning rate, a lower --learning-rate avoids it."
                  << std::endl;
        return 3;
    }
    catch (const std::exception& failure)
    {
        std::cerr << "\nerror: " << failure.what() << std::endl;
        return 1;
    }
}
