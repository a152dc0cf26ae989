// train_cifar10: trains the semi-supervised GAN on CIFAR-10 (binary version) with a few labels
// and every training image as unlabeled data, evaluates on test_batch.bin, and leaves a run
// folder with config.json, metrics.csv, checkpoints, sample grids, training.gif and curves.png.
#include "common/console.hpp"

#include <ssgan/data/cifar10.hpp>
#include <ssgan/gan/cifar_models.hpp>

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
        return flags.data_dir.empty() ? std::filesystem::path("datasets") / "cifar10"
                                      : std::filesystem::path(flags.data_dir);
    }

    void require_folder(const std::filesystem::path& folder)
    {
        if (!std::filesystem::is_directory(folder))
            throw ssgan::config_error(
                "data dir " + folder.string() +
                " does not exist; place the CIFAR-10 binary version there (from "
                "cifar-10-binary.tar.gz): data_batch_1.bin ... data_batch_5.bin (at least one), "
                "test_batch.bin and, for the class names, batches.meta.txt");
    }

    template <class Model>
    int train(tool::training_flags& flags, bool decay_asked)
    {
        const auto folder = dataset_folder(flags);
        require_folder(folder);
        const auto train_files = ssgan::data::find_cifar10_files(folder, ssgan::data::split::train);
        for (const std::string& note : train_files.notes)
            std::cout << "cifar10: " << note << std::endl;
        const auto train_set = ssgan::data::load_cifar10_files(train_files.batches);
        const auto test_set = ssgan::data::load_cifar10(folder, ssgan::data::split::test);
        const auto class_names = ssgan::data::cifar10_class_names(folder);

        const std::size_t steps_per_epoch = train_set.count / flags.settings.batch_size;
        if (flags.epochs > 0)
            flags.session.max_steps = flags.epochs * std::max<std::size_t>(steps_per_epoch, 1);
        if (flags.session.max_steps == 0 && flags.session.max_minutes <= 0.0)
            flags.session.max_steps = 10 * std::max<std::size_t>(steps_per_epoch, 1);
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

        flags.session.dataset_name = "CIFAR10";
        flags.session.on_divergence = flags.on_divergence == "rollback"
                                          ? ssgan::gan::divergence_policy::rollback
                                          : ssgan::gan::divergence_policy::stop;
        if (!flags.checkpoint.empty())
            flags.session.resume = flags.checkpoint;
        flags.session.config = flags.to_json();
        flags.session.config["training_batches"] = nlohmann::json::array();
        for (const auto& file : train_files.batches)
            flags.session.config["training_batches"].push_back(file.filename().string());
        flags.session.config["class_names"] = class_names;

        ssgan::gan::trainer<Model> trainer(train_set, test_set, flags.settings);
        tool::progress_printer printer;
        ssgan::gan::session<Model> session(
            trainer, flags.session, [&](const ssgan::gan::progress& event) { printer(event); },
            [] { return tool::stop_signal.load() != 0; });

        std::cout << "ssgan: model " << Model::name << " on " << flags.session.dataset_name << " ("
                  << train_set.count << " training, " << test_set.count << " test images), "
                  << flags.settings.labels << " labels, batch " << flags.settings.batch_size << ", "
                  << ssgan::current_threads()
                  << " threads\nrun folder: " << session.run_dir().string() << std::endl;
        if (flags.session.resume)
            std::cout << "resumed at step " << trainer.steps_done() << std::endl;

        session.run();
        printer.end_line();

        const auto& dir = session.run_dir();
        std::cout << "\nstep " << trainer.steps_done() << ": test accuracy " << std::fixed
                  << std::setprecision(2) << 100.0 * session.last_test_accuracy() << "% (error "
                  << 100.0 * (1.0 - session.last_test_accuracy()) << "%)\n"
                  << "checkpoint:  "
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
    flags.settings = flags.model == "seed" ? ssgan::gan::cifar_seed::defaults()
                                           : ssgan::gan::cifar_improved::defaults();
    flags.dataset = "cifar10";

    CLI::App app{"Semi-supervised GAN on CIFAR-10: a 10-class classifier that learns from a few "
                 "labels and every training image (Salimans et al. 2016)."};
    app.add_option("--model", flags.model,
                   "improved: Salimans et al.'s weight-normalized convolutional networks with "
                   "feature matching; seed: the design of SSGAN-Tensorflow (K + 1 classes, "
                   "non-saturating loss)")
        ->capture_default_str()
        ->check(CLI::IsMember({"improved", "seed"}));
    flags.add_to(app);
    CLI11_PARSE(app, argc, argv);
    const bool decay_asked = app.count("--lr-weight-decay") > 0;

    try
    {
        ssgan::set_threads(flags.threads);
        tool::install_stop_handlers();
        if (flags.model == "seed")
            return train<ssgan::gan::cifar_seed>(flags, decay_asked);
        return train<ssgan::gan::cifar_improved>(flags, decay_asked);
    }
    catch (const ssgan::divergence_error& failure)
    {
        std::cerr << "\nerror: " << failure.what()
                  << "\nThe last good checkpoint is untouched; --on-divergence rollback reloads "
                     "it and halves the learning rate."
                  << std::endl;
        return 3;
    }
    catch (const std::exception& failure)
    {
        std::cerr << "\nerror: " << failure.what() << std::endl;
        return 1;
    }
}
