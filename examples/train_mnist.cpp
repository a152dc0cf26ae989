// train_mnist: trains the semi-supervised GAN on MNIST (or Fashion-MNIST) with a few labels
// and every unlabeled image, evaluates on the official test set, and leaves a run folder with
// config.json, metrics.csv, checkpoints, sample grids, training.gif and curves.png.
#include "common/run_training.hpp"

#include <ssgan/data/mnist.hpp>
#include <ssgan/gan/mnist_models.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

namespace
{
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
    int train(tool::training_flags& flags, bool decay_asked)
    {
        const auto folder = dataset_folder(flags);
        const auto train_set = load(folder, ssgan::data::split::train, flags.dataset);
        const auto test_set = load(folder, ssgan::data::split::test, flags.dataset);

        return tool::run_training<Model>(flags, train_set, test_set,
                                         flags.dataset == "mnist" ? "MNIST" : "FashionMNIST",
                                         decay_asked);
    }
}

int main(int argc, char** argv)
{
    tool::training_flags flags;
    flags.model = tool::model_argument(argc, argv);
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

    const bool decay_asked = app.count("--lr-weight-decay") > 0;

    return tool::guarded_main(flags,
                              [&]
                              {
                                  if (flags.model == "seed")
                                      return train<ssgan::gan::mnist_seed>(flags, decay_asked);
                                  return train<ssgan::gan::mnist_improved>(flags, decay_asked);
                              });
}
