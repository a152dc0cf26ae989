// train_cifar10: trains the semi-supervised GAN on CIFAR-10 (binary version) with a few labels
// and every training image as unlabeled data, evaluates on test_batch.bin, and leaves a run
// folder with config.json, metrics.csv, checkpoints, sample grids, training.gif and curves.png.
#include "common/run_training.hpp"

#include <ssgan/data/cifar10.hpp>
#include <ssgan/gan/cifar_models.hpp>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

namespace
{
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

        nlohmann::json extra;
        extra["training_batches"] = nlohmann::json::array();
        for (const auto& file : train_files.batches)
            extra["training_batches"].push_back(file.filename().string());
        extra["class_names"] = class_names;
        return tool::run_training<Model>(flags, train_set, test_set, "CIFAR10", decay_asked, extra);
    }
}

int main(int argc, char** argv)
{
    tool::training_flags flags;
    flags.model = tool::model_argument(argc, argv);
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

    return tool::guarded_main(flags,
                              [&]
                              {
                                  if (flags.model == "seed")
                                      return train<ssgan::gan::cifar_seed>(flags, decay_asked);
                                  return train<ssgan::gan::cifar_improved>(flags, decay_asked);
                              });
}
