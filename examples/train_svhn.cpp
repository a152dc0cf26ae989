// train_svhn: trains the semi-supervised GAN on SVHN (format 2, the cropped 32 × 32 digits) with
// a few labels and every training image as unlabeled data, evaluates on test_32x32.mat, and
// leaves a run folder with config.json, metrics.csv, checkpoints, sample grids, training.gif
// and curves.png.
#include "common/run_training.hpp"

#include <ssgan/data/svhn.hpp>
#include <ssgan/gan/cifar_models.hpp>

#include <filesystem>
#include <iostream>
#include <string>

namespace
{
    std::filesystem::path dataset_folder(const tool::training_flags& flags)
    {
        return flags.data_dir.empty() ? std::filesystem::path("datasets") / "svhn"
                                      : std::filesystem::path(flags.data_dir);
    }

    void require_folder(const std::filesystem::path& folder)
    {
        if (!std::filesystem::is_directory(folder))
            throw ssgan::config_error(
                "data dir " + folder.string() +
                " does not exist; scripts/download.sh svhn fetches SVHN there, or place format 2 "
                "of "
                "SVHN (http://ufldl.stanford.edu/housenumbers/) in it by hand: train_32x32.mat, "
                "test_32x32.mat and, optionally, extra_32x32.mat");
    }

    template <class Model>
    int train(tool::training_flags& flags, bool decay_asked, bool with_extra)
    {
        const auto folder = dataset_folder(flags);
        require_folder(folder);
        const auto train_set =
            ssgan::data::load_svhn(folder, ssgan::data::split::train, with_extra);
        const auto test_set = ssgan::data::load_svhn(folder, ssgan::data::split::test);

        nlohmann::json extra;
        extra["svhn_extra"] = with_extra;
        return tool::run_training<Model>(flags, train_set, test_set, "SVHN", decay_asked, extra);
    }
}

int main(int argc, char** argv)
{
    tool::training_flags flags;
    flags.model = tool::model_argument(argc, argv);
    flags.settings = flags.model == "seed" ? ssgan::gan::svhn_seed::defaults()
                                           : ssgan::gan::svhn_improved::defaults();
    flags.dataset = "svhn";
    bool with_extra = false;

    CLI::App app{"Semi-supervised GAN on SVHN: a 10-class digit classifier that learns from a few "
                 "labels and every training image (Salimans et al. 2016)."};
    app.add_option("--model", flags.model,
                   "improved: Salimans et al.'s weight-normalized convolutional networks (SVHN "
                   "widths) with feature matching; seed: the design of SSGAN-Tensorflow (K + 1 "
                   "classes, non-saturating loss)")
        ->capture_default_str()
        ->check(CLI::IsMember({"improved", "seed"}));
    app.add_flag("--extra", with_extra,
                 "Add extra_32x32.mat (531,131 easier digits) to the training images");
    flags.add_to(app);
    CLI11_PARSE(app, argc, argv);
    const bool decay_asked = app.count("--lr-weight-decay") > 0;

    return tool::guarded_main(
        flags,
        [&]
        {
            if (flags.model == "seed")
                return train<ssgan::gan::svhn_seed>(flags, decay_asked, with_extra);
            return train<ssgan::gan::svhn_improved>(flags, decay_asked, with_extra);
        });
}
