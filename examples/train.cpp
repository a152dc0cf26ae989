// train: trains the semi-supervised GAN on a dataset of your own, in either layout: a folder
// with one subfolder of PNG or JPEG images per class (and optionally unlabeled/), or the HDF5
// layout of SSGAN-Tensorflow (data.hdf5 and id.txt). The network's input shape is one of those
// this program is compiled for (28x28x1, 32x32x3, 64x64x3); images of another size are resized.
#include "common/run_training.hpp"

#include <ssgan/data/own_dataset.hpp>
#include <ssgan/gan/cifar_models.hpp>
#include <ssgan/gan/image_models.hpp>
#include <ssgan/gan/mnist_models.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace
{
    // The shapes this program is compiled for, as height x width x channels.
    const std::vector<std::string> shipped_shapes = {"28x28x1", "32x32x3", "64x64x3"};

    std::string shape_text(std::size_t height, std::size_t width, std::size_t channels)
    {
        return std::to_string(height) + "x" + std::to_string(width) + "x" +
               std::to_string(channels);
    }

    std::string unsupported_shape_help(const std::string& shape)
    {
        std::size_t height = 0, width = 0, channels = 0;
        char x1 = 0, x2 = 0;
        std::istringstream in(shape);
        in >> height >> x1 >> width >> x2 >> channels;
        const std::string alias =
            height && width && channels
                ? "using my_model = ssgan::gan::improved_model<" + std::to_string(channels) + ", " +
                      std::to_string(height) + ", " + std::to_string(width) + ">;"
                : "using my_model = ssgan::gan::improved_model<C, H, W>;";
        return "this program is compiled for the input shapes 28x28x1, 32x32x3 and 64x64x3 "
               "(height x width x channels); give one of them with --input-shape and the images "
               "are resized to it, or train " +
               shape + " in a program of your own with the one line\n    " + alias +
               "\n(sides a multiple of 8, 1 or 3 channels) and tool::run_training<my_model>, as "
               "examples/train.cpp does";
    }

    // The shape to train at: --input-shape, else the first image's when it is a shipped one.
    std::string choose_shape(const std::string& given, const std::filesystem::path& dir)
    {
        if (!given.empty())
        {
            if (std::find(shipped_shapes.begin(), shipped_shapes.end(), given) ==
                shipped_shapes.end())
                throw ssgan::config_error("--input-shape " + given + ": " +
                                          unsupported_shape_help(given));
            return given;
        }
        const ssgan::data::interleaved_image first = ssgan::data::first_own_image(dir);
        const std::size_t channels = first.channels <= 2 ? 1 : 3;
        std::string shape = shape_text(first.height, first.width, channels);
        // Grey images of a colour shape train the colour network, their grey copied to RGB.
        if (channels == 1 && first.height != 28 && first.width == first.height)
            shape = shape_text(first.height, first.width, 3);
        if (std::find(shipped_shapes.begin(), shipped_shapes.end(), shape) == shipped_shapes.end())
            throw ssgan::config_error(dir.string() + ": the first image is " +
                                      shape_text(first.height, first.width, first.channels) + "; " +
                                      unsupported_shape_help(shape));
        return shape;
    }

    std::string dataset_label(const std::filesystem::path& dir)
    {
        std::string name = std::filesystem::absolute(dir).lexically_normal().filename().string();
        if (name.empty())
            name =
                std::filesystem::absolute(dir).lexically_normal().parent_path().filename().string();
        std::replace_if(
            name.begin(), name.end(), [](char c) { return !std::isalnum((unsigned char)c); }, '_');
        return name.empty() ? "own" : name;
    }

    // The most labels a class-balanced subset of the training set can hold.
    std::size_t all_balanced_labels(const ssgan::data::dataset& train)
    {
        std::vector<std::size_t> per_class(train.num_classes, 0);
        for (const int label : train.labels)
            if (label != ssgan::data::unlabeled)
                ++per_class[std::size_t(label)];
        return *std::min_element(per_class.begin(), per_class.end()) * train.num_classes;
    }

    struct own_flags
    {
        std::string input_shape;
        bool no_resize = false;
        bool labels_given = false;
    };

    template <class Model>
    int train(tool::training_flags& flags, const own_flags& own, bool decay_asked)
    {
        using image = typename Model::discriminator::input_shape;
        const std::filesystem::path dir = flags.data_dir;

        ssgan::data::own_dataset_options options;
        options.fit = {image::extents[0], image::extents[1], image::extents[2], own.no_resize};
        const ssgan::data::own_dataset data = ssgan::data::load_own_dataset(dir, options);
        const auto& train_set = data.train;
        const auto classes = data.class_names.size();
        if (classes > Model::classes)
            throw ssgan::config_error(
                dir.string() + ": " + std::to_string(classes) + " classes, but the shipped " +
                std::string(Model::name) + " model has " + std::to_string(Model::classes) +
                " logits; in a program of your own, `using my_model = "
                "ssgan::gan::improved_model<" +
                std::to_string(image::extents[0]) + ", " + std::to_string(image::extents[1]) +
                ", " + std::to_string(image::extents[2]) + ", " + std::to_string(classes) +
                ">;` has " + std::to_string(classes));
        if (!own.labels_given)
            flags.settings.labels = all_balanced_labels(train_set);

        std::cout << "dataset " << dir.string() << " ("
                  << (data.layout == ssgan::data::own_layout::hdf5 ? "HDF5 layout"
                                                                   : "image folders")
                  << "): " << classes << " classes, " << train_set.count - data.unlabeled_count
                  << " labeled training images, " << data.unlabeled_count << " unlabeled, "
                  << data.test.count << " test images; "
                  << (own.no_resize ? "no resizing" : std::to_string(data.resized) + " resized")
                  << " to " << own.input_shape << std::endl;
        if (data.skipped > 0)
            std::cout << "note: " << data.skipped
                      << " files in the class folders are not .png, .jpg or .jpeg and were "
                         "skipped"
                      << std::endl;
        if (!own.labels_given)
            std::cout << "labels: " << flags.settings.labels
                      << " (every labeled training image a class-balanced subset can take; "
                         "--labels chooses fewer)"
                      << std::endl;

        nlohmann::json extra;
        extra["input_shape"] = own.input_shape;
        extra["no_resize"] = own.no_resize;
        extra["layout"] = data.layout == ssgan::data::own_layout::hdf5 ? "hdf5" : "image_folder";
        extra["class_names"] = data.class_names;
        extra["unlabeled_images"] = data.unlabeled_count;
        extra["resized_images"] = data.resized;
        return tool::run_training<Model>(flags, train_set, data.test, dataset_label(dir),
                                         decay_asked, extra);
    }
}

int main(int argc, char** argv)
{
    tool::training_flags flags;
    own_flags own;
    flags.model = tool::model_argument(argc, argv);
    flags.dataset = "own";

    // The shape decides the model and so the defaults of the other flags; a folder that cannot
    // be read yet leaves the 32x32x3 defaults, and the error comes after parsing.
    const std::string early_dir = tool::argument_value(
        argc, argv, "--dataset", tool::argument_value(argc, argv, "--data-dir", ""));
    std::string early_shape = tool::argument_value(argc, argv, "--input-shape", "");
    if (early_shape.empty() && !early_dir.empty())
    {
        try
        {
            early_shape = choose_shape("", early_dir);
        }
        catch (const std::exception&)
        {
        }
    }
    const bool seed = flags.model == "seed";
    if (early_shape == "28x28x1")
        flags.settings =
            seed ? ssgan::gan::mnist_seed::defaults() : ssgan::gan::mnist_improved::defaults();
    else if (early_shape == "64x64x3")
        flags.settings = ssgan::gan::image64_improved::defaults();
    else
        flags.settings =
            seed ? ssgan::gan::cifar_seed::defaults() : ssgan::gan::cifar_improved::defaults();

    CLI::App app{"Semi-supervised GAN on your own images: a classifier that learns from a few "
                 "labels and every image (Salimans et al. 2016). DIR holds one subfolder of PNG "
                 "or JPEG images per class (plus unlabeled/, optional), or data.hdf5 and id.txt "
                 "in SSGAN-Tensorflow's layout; 80 % of the labeled images train, 20 % test."};
    app.add_option("--dataset", flags.data_dir, "The dataset folder DIR (also --data-dir)");
    app.add_option("--input-shape", own.input_shape,
                   "The network's input, HxWxC: 28x28x1, 32x32x3 or 64x64x3 (default: the "
                   "first image's size, when it is one of these)");
    app.add_flag("--no-resize", own.no_resize,
                 "Reject images whose size differs from the input shape instead of resizing "
                 "them");
    app.add_option("--model", flags.model,
                   "improved: Salimans et al.'s networks with feature matching (dense for "
                   "28x28x1, convolutional otherwise); seed: the design of SSGAN-Tensorflow "
                   "(28x28x1 and 32x32x3)")
        ->capture_default_str()
        ->check(CLI::IsMember({"improved", "seed"}));
    flags.add_to(app);
    app.get_option("--labels")->default_str("all labeled images, class-balanced");
    CLI11_PARSE(app, argc, argv);
    const bool decay_asked = app.count("--lr-weight-decay") > 0;
    own.labels_given = app.count("--labels") > 0;

    return tool::guarded_main(
        flags,
        [&]
        {
            if (flags.data_dir.empty())
                throw ssgan::config_error("--dataset DIR is required: a folder with one subfolder "
                                          "of images per class, or data.hdf5 and id.txt");
            own.input_shape = choose_shape(own.input_shape, flags.data_dir);
            if (own.input_shape == "28x28x1")
                return seed ? train<ssgan::gan::mnist_seed>(flags, own, decay_asked)
                            : train<ssgan::gan::mnist_improved>(flags, own, decay_asked);
            if (own.input_shape == "64x64x3")
            {
                if (seed)
                    throw ssgan::config_error("--model seed: no seed model ships for 64x64x3; "
                                              "use --model improved or --input-shape 32x32x3");
                return train<ssgan::gan::image64_improved>(flags, own, decay_asked);
            }
            return seed ? train<ssgan::gan::cifar_seed>(flags, own, decay_asked)
                        : train<ssgan::gan::cifar_improved>(flags, own, decay_asked);
        });
}
