// evaluate: tests a saved SSGAN checkpoint as a classifier on the whole official test set, in
// eval mode with the averaged weights: accuracy, per-class accuracy, the confusion matrix,
// eval.json, a grid of misclassified test images and one of generated samples.
#include "common/console.hpp"

#include <ssgan/data/cifar10.hpp>
#include <ssgan/data/mnist.hpp>
#include <ssgan/data/own_dataset.hpp>
#include <ssgan/data/svhn.hpp>
#include <ssgan/gan/cifar_models.hpp>
#include <ssgan/gan/evaluate.hpp>
#include <ssgan/gan/image_models.hpp>
#include <ssgan/gan/mnist_models.hpp>
#include <ssgan/io/image_grid.hpp>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

namespace
{
    struct evaluate_flags
    {
        std::string dataset; // empty: the one the checkpoint's model was made for
        std::string data_dir;
        std::string checkpoint;
        std::string output;
        std::size_t threads = 0;
        std::size_t batch = 500;
    };

    // The dataset a model was trained on, when its name tells: "cifar10-*" and "svhn-*", the
    // improved_model family ("improved-<H>x<W>x<C>") only trains on own datasets, the
    // remaining (MNIST) models on mnist or fashion_mnist.
    template <class Model>
    std::string dataset_of_model()
    {
        if (Model::name.starts_with("cifar10-"))
            return "cifar10";
        if (Model::name.starts_with("svhn-"))
            return "svhn";
        if (Model::name.starts_with("improved-"))
            return "own";
        return "mnist";
    }

    // The run's config.json beside the checkpoint, when there is one: the training tool wrote
    // the dataset and its folder there, so an own dataset needs no flags here.
    nlohmann::json run_config(const std::filesystem::path& checkpoint)
    {
        std::ifstream in(checkpoint.parent_path() / "config.json");
        if (!in)
            return nlohmann::json::object();
        try
        {
            return nlohmann::json::parse(in);
        }
        catch (const nlohmann::json::exception&)
        {
            return nlohmann::json::object();
        }
    }

    struct test_data
    {
        ssgan::data::dataset set;
        std::vector<std::string> class_names;
    };

    template <class Model>
    test_data load_test(const std::string& dataset, const std::filesystem::path& folder,
                        bool no_resize)
    {
        namespace fs = std::filesystem;
        using image = typename Model::discriminator::input_shape;
        if (!fs::is_directory(folder))
        {
            std::string how = "run scripts/download.sh " + dataset + " --data-dir " +
                              folder.parent_path().string();
            if (dataset == "own")
                how = "give the dataset folder the model was trained on with --data-dir";
            else if (dataset == "fashion_mnist")
                how = "run scripts/get_mnist.sh " + folder.string() + " --dataset fashion_mnist";
            throw ssgan::config_error("data dir " + folder.string() + " does not exist; " + how);
        }
        if (dataset == "cifar10")
            return {ssgan::data::load_cifar10(folder, ssgan::data::split::test),
                    ssgan::data::cifar10_class_names(folder)};
        if (dataset == "svhn")
            return {ssgan::data::load_svhn(folder, ssgan::data::split::test), {}};
        if (dataset == "own")
        {
            // The same 80/20 split as training, so these are the images training never saw.
            ssgan::data::own_dataset_options options;
            options.fit = {image::extents[0], image::extents[1], image::extents[2], no_resize};
            auto own = ssgan::data::load_own_dataset(folder, options);
            return {std::move(own.test), std::move(own.class_names)};
        }
        return {ssgan::data::load_mnist(folder, ssgan::data::split::test), {}};
    }

    template <class Model>
    int evaluate(evaluate_flags flags, const std::filesystem::path& checkpoint,
                 const ssgan::checkpoint_reader& reader)
    {
        namespace fs = std::filesystem;
        using image = typename Model::discriminator::input_shape;
        const nlohmann::json config = run_config(checkpoint);
        if (flags.dataset.empty())
            flags.dataset = config.value("dataset", dataset_of_model<Model>());
        if (flags.data_dir.empty() && flags.dataset == config.value("dataset", std::string()))
            flags.data_dir = config.value("data_dir", std::string());
        const fs::path folder = flags.data_dir.empty() ? fs::path("datasets") / flags.dataset
                                                       : fs::path(flags.data_dir);
        const test_data loaded =
            load_test<Model>(flags.dataset, folder, config.value("no_resize", false));
        const auto& test = loaded.set;
        const auto& class_names = loaded.class_names;
        if (test.sample_size() != image::size || test.num_classes > Model::classes)
            throw ssgan::config_error(
                "--dataset " + flags.dataset + " (" + folder.string() + "): its test images are " +
                std::to_string(test.channels) + "x" + std::to_string(test.height) + "x" +
                std::to_string(test.width) + " in " + std::to_string(test.num_classes) +
                " classes, the checkpoint's model \"" + std::string(Model::name) + "\" takes " +
                image::describe() + " in at most " + std::to_string(Model::classes));

        // The averaged weights, with the trained network's batch-norm statistics.
        auto critic = std::make_unique<typename Model::discriminator>();
        ssgan::load_network(reader, "D", *critic);
        if (reader.has("D.ema"))
            reader.read("D.ema", critic->parameters());
        auto maker = std::make_unique<typename Model::generator>();
        ssgan::load_network(reader, "G", *maker);

        constexpr auto pixels = Model::pixels_from_minus_one
                                    ? ssgan::data::pixel_range::minus_one_to_one
                                    : ssgan::data::pixel_range::zero_to_one;
        const auto result =
            ssgan::gan::evaluate_classifier(*critic, test, test.num_classes, pixels, flags.batch);

        const fs::path output =
            flags.output.empty() ? checkpoint.parent_path() / ("eval-" + checkpoint.stem().string())
                                 : fs::path(flags.output);
        fs::create_directories(output);

        std::cout << "checkpoint " << checkpoint.string() << " (model " << Model::name << ", step "
                  << reader.integers("step").at(0) << ")\n"
                  << "test images: " << result.total << " from " << folder.string() << "\n"
                  << std::fixed << std::setprecision(2)
                  << "test accuracy: " << 100.0 * result.accuracy() << "%  (error "
                  << 100.0 * (1.0 - result.accuracy()) << "%, " << result.total - result.correct
                  << " wrong)\n\nper class:\n";
        nlohmann::json per_class = nlohmann::json::array();
        for (std::size_t c = 0; c < result.classes; ++c)
        {
            std::cout << "  " << c;
            if (!class_names.empty())
                std::cout << " " << std::left << std::setw(10) << class_names[c] << std::right;
            std::cout << ": " << std::setw(6) << 100.0 * result.class_accuracy(c) << "%\n";
            per_class.push_back(result.class_accuracy(c));
        }
        std::cout << "\nconfusion (row: true class, column: predicted):\n     ";
        for (std::size_t c = 0; c < result.classes; ++c)
            std::cout << std::setw(6) << c;
        std::cout << "\n";
        nlohmann::json confusion = nlohmann::json::array();
        for (std::size_t row = 0; row < result.classes; ++row)
        {
            std::cout << "  " << row << ": ";
            nlohmann::json line = nlohmann::json::array();
            for (std::size_t column = 0; column < result.classes; ++column)
            {
                const auto count = result.confusion[row * result.classes + column];
                std::cout << std::setw(6) << count;
                line.push_back(count);
            }
            std::cout << "\n";
            confusion.push_back(line);
        }

        nlohmann::json report = {{"checkpoint", fs::absolute(checkpoint).string()},
                                 {"model", std::string(Model::name)},
                                 {"dataset", flags.dataset},
                                 {"step", reader.integers("step").at(0)},
                                 {"test_images", result.total},
                                 {"correct", result.correct},
                                 {"accuracy", result.accuracy()},
                                 {"error", 1.0 - result.accuracy()},
                                 {"per_class_accuracy", per_class},
                                 {"confusion", confusion},
                                 {"mode", "eval: no dropout, no noise, running batch-norm "
                                          "statistics, averaged weights"}};
        std::ofstream(output / "eval.json") << report.dump(2) << "\n";

        // Up to 100 misclassified test images, in test-set order.
        const std::size_t shown = std::min<std::size_t>(100, result.misclassified.size());
        if (shown > 0)
        {
            ssgan::io::grid_layout layout = ssgan::io::square_grid(shown);
            layout.scale = 2;
            ssgan::io::write_png(output / "misclassified.png",
                                 ssgan::io::make_image_grid(
                                     test, std::span(result.misclassified).first(shown), layout));
            std::ofstream list(output / "misclassified.txt");
            list << "# test index, true label, predicted label\n";
            for (std::size_t i = 0; i < result.misclassified.size(); ++i)
                list << result.misclassified[i] << " " << test.labels[result.misclassified[i]]
                     << " " << result.misclassified_predictions[i] << "\n";
        }

        using noise_shape = typename Model::generator::input_shape;
        using image_shape = typename Model::generator::output_shape;
        ssgan::tensor<noise_shape> noise(100);
        ssgan::random_stream random(12345);
        random.fill_uniform(noise.span(), Model::noise_low, Model::noise_high);
        ssgan::context ctx(random, ssgan::mode::eval);
        const auto samples = maker->forward(noise, ctx);
        ssgan::io::grid_layout layout;
        layout.rows = layout.cols = 10;
        layout.scale = 2;
        ssgan::io::write_image_grid(output / "samples.png",
                                    {samples.span(), samples.batch(), image_shape::extents[0],
                                     image_shape::extents[1], image_shape::extents[2]},
                                    pixels, layout);

        std::cout << "\nwritten: " << (output / "eval.json").string() << ", "
                  << (output / "misclassified.png").string() << ", "
                  << (output / "samples.png").string() << std::endl;
        return 0;
    }
}

int main(int argc, char** argv)
{
    evaluate_flags flags;
    CLI::App app{"Tests a trained SSGAN discriminator as a classifier on the whole test set "
                 "(eval mode, averaged weights)."};
    app.add_option("--checkpoint", flags.checkpoint,
                   "A model-<step>.ckpt file (the extension may be left out), or a run folder "
                   "(its newest checkpoint)")
        ->required();
    app.add_option("--dataset", flags.dataset,
                   "mnist, fashion_mnist, cifar10, svhn, or own (a folder for train) "
                   "(default: the run's, from config.json beside the checkpoint, else the one "
                   "the model's name says)")
        ->check(CLI::IsMember({"mnist", "fashion_mnist", "cifar10", "svhn", "own"}));
    app.add_option("--data-dir", flags.data_dir,
                   "Folder with the dataset files (default: the run's, else datasets/<dataset>)");
    app.add_option("--output", flags.output,
                   "Folder for eval.json and the pictures (default: eval-<checkpoint> beside "
                   "the checkpoint)");
    app.add_option("--batch-size", flags.batch, "Test images per forward pass")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    app.add_option("--threads", flags.threads, "Threads (0: all cores)")
        ->capture_default_str()
        ->check(CLI::Range(0, 4096));
    CLI11_PARSE(app, argc, argv);

    try
    {
        ssgan::set_threads(flags.threads);
        const auto checkpoint = ssgan::gan::resolve_checkpoint(flags.checkpoint);
        const ssgan::checkpoint_reader reader(checkpoint);
        const std::string model = reader.text("model");
        if (model == ssgan::gan::mnist_improved::name)
            return evaluate<ssgan::gan::mnist_improved>(flags, checkpoint, reader);
        if (model == ssgan::gan::mnist_seed::name)
            return evaluate<ssgan::gan::mnist_seed>(flags, checkpoint, reader);
        if (model == ssgan::gan::cifar_improved::name)
            return evaluate<ssgan::gan::cifar_improved>(flags, checkpoint, reader);
        if (model == ssgan::gan::cifar_seed::name)
            return evaluate<ssgan::gan::cifar_seed>(flags, checkpoint, reader);
        if (model == ssgan::gan::svhn_improved::name)
            return evaluate<ssgan::gan::svhn_improved>(flags, checkpoint, reader);
        if (model == ssgan::gan::svhn_seed::name)
            return evaluate<ssgan::gan::svhn_seed>(flags, checkpoint, reader);
        if (model == ssgan::gan::image64_improved::name)
            return evaluate<ssgan::gan::image64_improved>(flags, checkpoint, reader);
        std::string known;
        for (const std::string_view name :
             {ssgan::gan::mnist_improved::name, ssgan::gan::mnist_seed::name,
              ssgan::gan::cifar_improved::name, ssgan::gan::cifar_seed::name,
              ssgan::gan::svhn_improved::name, ssgan::gan::svhn_seed::name,
              ssgan::gan::image64_improved::name})
            known += (known.empty() ? "" : ", ") + std::string(name);
        throw ssgan::checkpoint_error("checkpoint " + checkpoint.string() + ": model \"" + model +
                                      "\" is not one this program knows (" + known +
                                      "); a model of your own is tested by a program that "
                                      "knows its type");
    }
    catch (const std::exception& failure)
    {
        std::cerr << "error: " << failure.what() << std::endl;
        return 1;
    }
}
