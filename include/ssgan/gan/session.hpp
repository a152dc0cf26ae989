// A training run on disk: the run directory, config.json, metrics.csv, rotating checkpoints,
// sample grids from a fixed noise batch, training.gif and curves.png, evaluation at fixed
// intervals, a step or time budget, resumption, and what to do when a loss diverges.
// The session reports progress through a callback and never prints.
//
// With replicas (a trainer built with a replica_group), replica 0 alone writes files, evaluates
// and reports; every replica resumes from the same checkpoint file, so the run folder must be
// on a file system they all see. The replicas agree on when to stop, so they stop together.
#pragma once

#include "../io/gif.hpp"
#include "../io/image_grid.hpp"
#include "../io/metrics.hpp"
#include "../io/plot.hpp"
#include "../io/png.hpp"
#include "trainer.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <limits>
#include <optional>
#include <regex>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace ssgan::gan
{
    enum class divergence_policy
    {
        stop,    // stop with the error; the last good checkpoint stays as it was
        rollback // reload the last checkpoint, halve the learning rate, go on (3 times at most)
    };

    struct session_options
    {
        std::filesystem::path train_dir = "train_dir";
        std::string prefix = "default";
        std::string dataset_name = "MNIST";
        std::optional<std::filesystem::path> resume; // a checkpoint file to continue from
        std::size_t max_steps = 0;                   // 0: no step limit
        double max_minutes = 0.0;                    // 0: no time limit
        std::size_t log_every = 100;
        std::size_t eval_every = 600;
        std::size_t save_every = 600;
        std::size_t sample_every = 600;
        std::size_t keep_checkpoints = 3;
        divergence_policy on_divergence = divergence_policy::stop;
        nlohmann::json config; // every setting of the run, written to config.json
    };

    // What a session reports: a logged row (with test accuracy after an evaluation), or a
    // note (checkpoint written, rollback, a picture that could not be drawn).
    struct progress
    {
        enum class kind
        {
            step,
            evaluation,
            note
        };
        kind what = kind::step;
        std::uint64_t step = 0;
        double epoch = 0.0;
        double seconds = 0.0;
        double eta_seconds = std::numeric_limits<double>::quiet_NaN();
        double images_per_second = 0.0;
        step_result losses;
        double test_accuracy = std::numeric_limits<double>::quiet_NaN();
        std::string message;
    };

    // Finds the newest model-<step>.ckpt in a folder, or returns a file path as it is.
    inline std::filesystem::path resolve_checkpoint(const std::filesystem::path& given)
    {
        namespace fs = std::filesystem;
        if (!fs::exists(given))
        {
            auto with_extension = given;
            with_extension += ".ckpt";
            if (fs::exists(with_extension))
                return with_extension;
            throw config_error("checkpoint " + given.string() + ": no such file or folder");
        }
        if (!fs::is_directory(given))
            return given;
        std::optional<std::pair<std::uint64_t, fs::path>> newest;
        static const std::regex pattern(R"(model-(\d+)\.ckpt)");
        for (const auto& entry : fs::directory_iterator(given))
        {
            std::smatch match;
            const std::string name = entry.path().filename().string();
            if (std::regex_match(name, match, pattern))
            {
                const std::uint64_t step = std::stoull(match[1]);
                if (!newest || step > newest->first)
                    newest = {step, entry.path()};
            }
        }
        if (!newest)
            throw config_error("checkpoint folder " + given.string() +
                               " holds no model-<step>.ckpt file");
        return newest->second;
    }

    template <class Model>
    class session
    {
    public:
        using reporter = std::function<void(const progress&)>;
        using stop_check = std::function<bool()>;

        session(
            trainer<Model>& trainer, session_options options, reporter report,
            stop_check stop_requested = [] { return false; })
            : trainer_(trainer), options_(std::move(options)), report_(std::move(report)),
              stop_requested_(std::move(stop_requested))
        {
            if (options_.log_every == 0 || options_.eval_every == 0 || options_.save_every == 0 ||
                options_.sample_every == 0)
                throw config_error("log, eval, save and sample intervals must be at least 1 step");
            if (options_.keep_checkpoints == 0)
                throw config_error("keep checkpoints: expected at least 1");
            prepare_run_directory();
        }

        const std::filesystem::path& run_dir() const { return run_dir_; }
        bool stopped_early() const { return stopped_early_; }
        double last_test_accuracy() const { return last_test_accuracy_; }

        // Trains until the step or time budget is spent or a stop is requested, then saves a
        // checkpoint, evaluates, and draws the pictures.
        void run()
        {
            const auto start = clock::now();
            const std::uint64_t first_step = trainer_.steps_done();
            interval_start_ = start;
            interval_steps_ = 0;
            interval_sum_ = {};

            while (!budget_spent(start, first_step))
            {
                if (agree(stop_requested_()))
                {
                    stopped_early_ = true;
                    break;
                }

                step_result result;
                try
                {
                    result = trainer_.step();
                }
                catch (const divergence_error& failure)
                {
                    handle_divergence(failure);
                    continue;
                }
                accumulate(result);

                const std::uint64_t step = trainer_.steps_done();
                const bool last = budget_spent(start, first_step);
                const bool evaluate_now = step % options_.eval_every == 0 || last;
                if (step % options_.log_every == 0 || evaluate_now)
                    log_row(start, first_step, evaluate_now);
                if (step % options_.sample_every == 0)
                    write_samples();
                if (step % options_.save_every == 0)
                {
                    try
                    {
                        save_checkpoint();
                    }
                    catch (const divergence_error& failure)
                    {
                        handle_divergence(failure);
                    }
                }
            }

            finish(start, first_step);
        }

    private:
        using clock = std::chrono::steady_clock;

        void prepare_run_directory()
        {
            if (!writes_files())
            {
                if (options_.resume)
                    trainer_.load(resolve_checkpoint(*options_.resume));
                last_saved_step_ = trainer_.steps_done();
                share_run_directory();
                return;
            }
            prepare_writer_run_directory();
            share_run_directory();
        }

        // Replica 0 writes; the others follow its run folder, to roll back from its checkpoints.
        bool writes_files() const
        {
            return trainer_.replicas() == nullptr || trainer_.replicas()->rank() == 0;
        }

        void share_run_directory()
        {
            replica_group* group = trainer_.replicas();
            if (group == nullptr)
                return;
            std::string path = run_dir_.string();
            std::uint64_t length = path.size();
            group->broadcast(std::as_writable_bytes(std::span(&length, 1)));
            path.resize(length);
            group->broadcast(std::as_writable_bytes(std::span(path.data(), path.size())));
            run_dir_ = path;
        }

        // True on every replica when it is true on any, so all leave the loop at one step.
        bool agree(bool local) const
        {
            replica_group* group = trainer_.replicas();
            if (group == nullptr)
                return local;
            double votes = local ? 1.0 : 0.0;
            group->sum(std::span(&votes, 1));
            return votes > 0.0;
        }

        void prepare_writer_run_directory()
        {
            namespace fs = std::filesystem;
            if (options_.resume)
            {
                resume_run_directory();
                prepare_outputs();
                return;
            }

            // A run folder that cannot be set up completely is removed again, so a failed start
            // leaves nothing behind that looks like a run.
            run_dir_ = make_run_directory();
            try
            {
                write_text(run_dir_ / "config.json", options_.config.dump(2) + "\n");
                std::string indices;
                for (std::size_t index : trainer_.labeled_indices())
                    indices += std::to_string(index) + "\n";
                write_text(run_dir_ / "labeled_indices.txt", indices);
                prepare_outputs();
            }
            catch (...)
            {
                std::error_code ignored;
                fs::remove_all(run_dir_, ignored);
                throw;
            }
        }

        void resume_run_directory()
        {
            namespace fs = std::filesystem;
            const fs::path checkpoint = resolve_checkpoint(*options_.resume);
            trainer_.load(checkpoint);
            run_dir_ = fs::absolute(checkpoint).parent_path();
            if (fs::exists(run_dir_ / "metrics.csv"))
            {
                io::drop_metrics_rows_after(run_dir_ / "metrics.csv", "step",
                                            double(trainer_.steps_done()));
                elapsed_before_ = last_logged_seconds(run_dir_ / "metrics.csv");
            }
            write_text(run_dir_ / ("resume-" + std::to_string(trainer_.steps_done()) + ".json"),
                       options_.config.dump(2) + "\n");
            last_saved_step_ = trainer_.steps_done();
            remove_unfinished_checkpoints();
        }

        void prepare_outputs()
        {
            std::filesystem::create_directories(run_dir_ / "samples");
            metrics_.emplace(run_dir_ / "metrics.csv", columns(),
                             options_.resume ? io::log_mode::append : io::log_mode::create);

            // The sample grid always shows the same 100 noise vectors, so the frames of
            // training.gif show one set of digits sharpening.
            random_stream fixed(trainer_.current_settings().seed ^ 0x5a5a5a5aull);
            fixed_noise_.resize(100);
            fixed.fill_uniform(fixed_noise_.span(), Model::noise_low, Model::noise_high);
        }

        // train_dir/<prefix>-<dataset>-<labels>labels-<timestamp>, made exclusively: a second
        // run started in the same second gets a "-2" suffix instead of sharing the folder.
        std::filesystem::path make_run_directory() const
        {
            namespace fs = std::filesystem;
            const std::string base = options_.prefix + "-" + options_.dataset_name + "-" +
                                     std::to_string(trainer_.current_settings().labels) +
                                     "labels-" + timestamp();
            std::error_code failure;
            fs::create_directories(options_.train_dir, failure);
            if (failure)
                throw config_error("train dir " + options_.train_dir.string() +
                                   ": cannot create it (" + failure.message() + ")");
            for (int attempt = 1; attempt < 1000; ++attempt)
            {
                const fs::path candidate =
                    options_.train_dir /
                    (attempt == 1 ? base : base + "-" + std::to_string(attempt));
                if (fs::create_directory(candidate, failure))
                    return candidate;
                if (failure)
                    throw config_error("train dir " + options_.train_dir.string() +
                                       ": cannot create the run folder " + candidate.string() +
                                       " (" + failure.message() + ")");
            }
            throw config_error("train dir " + options_.train_dir.string() +
                               ": 999 run folders named " + base + " already exist");
        }

        // The seconds column of the last row, so a resumed run's clock continues.
        static double last_logged_seconds(const std::filesystem::path& csv)
        {
            std::ifstream in(csv);
            std::string line, last;
            while (std::getline(in, line))
                if (!line.empty())
                    last = line;
            std::istringstream row(last);
            std::string field;
            for (int column = 0; column < 3 && std::getline(row, field, ','); ++column)
            {
            }
            try
            {
                return std::stod(field);
            }
            catch (const std::exception&)
            {
                return 0.0;
            }
        }

        static std::vector<std::string> columns()
        {
            return {"step",           "epoch",         "seconds",          "s_loss",
                    "d_loss_real",    "d_loss_fake",   "d_loss",           "g_loss",
                    "train_accuracy", "test_accuracy", "images_per_second"};
        }

        static std::string timestamp()
        {
            const std::time_t now = std::time(nullptr);
            std::tm local{};
            localtime_r(&now, &local);
            std::ostringstream text;
            text << std::put_time(&local, "%Y%m%d-%H%M%S");
            return text.str();
        }

        static void write_text(const std::filesystem::path& file, const std::string& text)
        {
            // Closed before the check: a full disk shows only when the buffer is written out.
            std::ofstream out(file);
            out << text;
            out.close();
            if (!out)
                throw error(file.string() + ": cannot write " + std::to_string(text.size()) +
                            " bytes (" + std::strerror(errno) + ")");
        }

        bool budget_spent(clock::time_point start, std::uint64_t first_step) const
        {
            if (options_.max_steps > 0 && trainer_.steps_done() >= options_.max_steps)
                return true;
            if (options_.max_minutes > 0.0 &&
                agree(std::chrono::duration<double>(clock::now() - start).count() >=
                      options_.max_minutes * 60.0))
                return true;
            return options_.max_steps == 0 && options_.max_minutes <= 0.0 &&
                   trainer_.steps_done() > first_step;
        }

        void accumulate(const step_result& result)
        {
            interval_sum_.s_loss += result.s_loss;
            interval_sum_.d_loss_real += result.d_loss_real;
            interval_sum_.d_loss_fake += result.d_loss_fake;
            interval_sum_.d_loss += result.d_loss;
            interval_sum_.g_loss += result.g_loss;
            interval_sum_.train_accuracy += result.train_accuracy;
            ++interval_steps_;
        }

        double eta(clock::time_point start, std::uint64_t first_step) const
        {
            const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
            const double done = double(trainer_.steps_done() - first_step);
            double left = std::numeric_limits<double>::quiet_NaN();
            if (options_.max_steps > 0 && done > 0)
                left = elapsed / done * double(options_.max_steps - trainer_.steps_done());
            if (options_.max_minutes > 0.0)
            {
                const double by_time = std::max(0.0, options_.max_minutes * 60.0 - elapsed);
                left = std::isnan(left) ? by_time : std::min(left, by_time);
            }
            return left;
        }

        void log_row(clock::time_point start, std::uint64_t first_step, bool evaluate_now)
        {
            if (!writes_files())
            {
                interval_start_ = clock::now();
                interval_steps_ = 0;
                interval_sum_ = {};
                return;
            }
            progress row;
            const auto now = clock::now();
            const double interval = std::chrono::duration<double>(now - interval_start_).count();
            const double count = double(std::max<std::size_t>(interval_steps_, 1));
            row.step = trainer_.steps_done();
            row.epoch = trainer_.epoch();
            row.seconds = elapsed_before_ + std::chrono::duration<double>(now - start).count();
            row.eta_seconds = eta(start, first_step);
            row.images_per_second =
                interval > 0.0
                    ? double(interval_steps_) * double(trainer_.images_per_step()) / interval
                    : 0.0;
            row.losses = {float(interval_sum_.s_loss / count),
                          float(interval_sum_.d_loss_real / count),
                          float(interval_sum_.d_loss_fake / count),
                          float(interval_sum_.d_loss / count),
                          float(interval_sum_.g_loss / count),
                          float(interval_sum_.train_accuracy / count)};
            if (evaluate_now)
            {
                last_test_accuracy_ = trainer_.evaluate().accuracy();
                row.test_accuracy = last_test_accuracy_;
                row.what = progress::kind::evaluation;
            }
            metrics_->write({double(row.step), row.epoch, row.seconds, row.losses.s_loss,
                             row.losses.d_loss_real, row.losses.d_loss_fake, row.losses.d_loss,
                             row.losses.g_loss, row.losses.train_accuracy,
                             evaluate_now ? row.test_accuracy : io::metrics_log::missing,
                             row.images_per_second});
            report_(row);

            // Evaluation time does not count against the images/s of the next interval.
            interval_start_ = clock::now();
            interval_steps_ = 0;
            interval_sum_ = {};
        }

        void note(const std::string& message)
        {
            if (!writes_files())
                return;
            progress event;
            event.what = progress::kind::note;
            event.step = trainer_.steps_done();
            event.message = message;
            report_(event);
        }

        void write_samples()
        {
            if (!writes_files())
                return;
            const auto images = trainer_.generate(fixed_noise_);
            using shape = typename trainer<Model>::image_shape;
            const io::float_images batch{images.span(), images.batch(), shape::extents[0],
                                         shape::extents[1], shape::extents[2]};
            io::grid_layout layout;
            layout.rows = 10;
            layout.cols = 10;
            layout.scale = shape::extents[1] < 48 ? 2 : 1;
            io::write_image_grid(run_dir_ / "samples" /
                                     ("step-" + std::to_string(trainer_.steps_done()) + ".png"),
                                 batch, trainer<Model>::pixels, layout);
        }

        void save_checkpoint()
        {
            namespace fs = std::filesystem;
            const std::uint64_t step = trainer_.steps_done();
            if (step == last_saved_step_ && fs::exists(checkpoint_path(step)))
                return;
            require_finite_parameters();
            if (!writes_files())
            {
                last_saved_step_ = step;
                return;
            }
            try
            {
                trainer_.save(checkpoint_path(step));
            }
            catch (const checkpoint_error& failure)
            {
                throw checkpoint_error(
                    std::string(failure.what()) + "; the checkpoint of step " +
                    std::to_string(step) + " was not saved, the newest complete one is " +
                    (last_saved_step_ && fs::exists(checkpoint_path(last_saved_step_))
                         ? checkpoint_path(last_saved_step_).string()
                         : std::string("none")));
            }
            last_saved_step_ = step;
            remove_old_checkpoints();
        }

        // A NaN in a gradient can leave the losses of its step finite and the parameters not;
        // such a checkpoint would poison every later resume and rollback, so it is refused.
        void require_finite_parameters()
        {
            const std::pair<const char*, std::span<const float>> networks[] = {
                {"D", trainer_.critic().parameters()}, {"G", trainer_.maker().parameters()}};
            for (const auto& [name, values] : networks)
            {
                const auto bad = std::find_if(values.begin(), values.end(),
                                              [](float value) { return !std::isfinite(value); });
                if (bad != values.end())
                    throw divergence_error("training diverged at step " +
                                           std::to_string(trainer_.steps_done()) + ": parameter " +
                                           std::to_string(bad - values.begin()) + " of " +
                                           std::to_string(values.size()) + " in " + name + " is " +
                                           std::to_string(*bad) + " though the losses were finite");
            }
        }

        // A process killed while writing a checkpoint leaves its temporary file (see
        // checkpoint_writer::write) behind; a resumed run clears them away.
        void remove_unfinished_checkpoints()
        {
            namespace fs = std::filesystem;
            static const std::regex pattern(R"(\.model-\d+\.ckpt\.tmp\d+)");
            std::vector<fs::path> unfinished;
            for (const auto& entry : fs::directory_iterator(run_dir_))
                if (std::regex_match(entry.path().filename().string(), pattern))
                    unfinished.push_back(entry.path());
            for (const fs::path& file : unfinished)
            {
                std::error_code ignored;
                fs::remove(file, ignored);
            }
        }

        std::filesystem::path checkpoint_path(std::uint64_t step) const
        {
            return run_dir_ / ("model-" + std::to_string(step) + ".ckpt");
        }

        void remove_old_checkpoints()
        {
            namespace fs = std::filesystem;
            std::vector<std::uint64_t> steps;
            static const std::regex pattern(R"(model-(\d+)\.ckpt)");
            for (const auto& entry : fs::directory_iterator(run_dir_))
            {
                std::smatch match;
                const std::string name = entry.path().filename().string();
                if (std::regex_match(name, match, pattern))
                    steps.push_back(std::stoull(match[1]));
            }
            std::sort(steps.begin(), steps.end());
            while (steps.size() > options_.keep_checkpoints)
            {
                fs::remove(checkpoint_path(steps.front()));
                steps.erase(steps.begin());
            }
        }

        void handle_divergence(const divergence_error& failure)
        {
            namespace fs = std::filesystem;
            const std::uint64_t step = trainer_.steps_done();
            if (writes_files())
                write_text(run_dir_ / ("divergence-step-" + std::to_string(step) + ".txt"),
                           std::string(failure.what()) + "\nlearning rate: " +
                               std::to_string(trainer_.current_settings().learning_rate) +
                               "\nlast checkpoint: " +
                               (last_saved_step_ ? checkpoint_path(last_saved_step_).string()
                                                 : std::string("none")) +
                               "\n");
            if (options_.on_divergence == divergence_policy::stop || rollbacks_ >= 3 ||
                last_saved_step_ == 0 || !fs::exists(checkpoint_path(last_saved_step_)))
                throw;
            ++rollbacks_;
            trainer_.load(checkpoint_path(last_saved_step_));
            trainer_.scale_learning_rate(0.5f);
            note(std::string(failure.what()) + "; rolled back to step " +
                 std::to_string(last_saved_step_) + " with learning rate " +
                 std::to_string(trainer_.current_settings().learning_rate));
        }

        // The checkpoint comes first: after a stop request, a second signal may end the
        // process at any moment.
        void finish(clock::time_point start, std::uint64_t first_step)
        {
            if (trainer_.steps_done() == first_step && !stopped_early_)
                note("the step budget was already reached at step " + std::to_string(first_step) +
                     "; nothing to train");
            save_checkpoint();
            if (interval_steps_ > 0)
                log_row(start, first_step, true);
            write_samples();
            draw_pictures();
        }

        void draw_pictures()
        {
            namespace fs = std::filesystem;
            if (!writes_files())
                return;
            std::vector<std::pair<std::uint64_t, fs::path>> frames;
            static const std::regex pattern(R"(step-(\d+)\.png)");
            for (const auto& entry : fs::directory_iterator(run_dir_ / "samples"))
            {
                std::smatch match;
                const std::string name = entry.path().filename().string();
                if (std::regex_match(name, match, pattern))
                    frames.emplace_back(std::stoull(match[1]), entry.path());
            }
            std::sort(frames.begin(), frames.end());
            try
            {
                std::vector<io::image> pictures;
                for (const auto& frame : frames)
                    pictures.push_back(io::read_png(frame.second));
                io::gif_options gif;
                gif.frame_delay = std::chrono::milliseconds(300);
                gif.last_frame_delay = std::chrono::milliseconds(2000);
                if (!pictures.empty())
                    io::write_gif(run_dir_ / "training.gif", pictures, gif);
            }
            catch (const error& failure)
            {
                note(std::string("training.gif not written: ") + failure.what());
            }
            try
            {
                io::plot_options plot;
                plot.title = options_.prefix + " " + options_.dataset_name + ", " +
                             std::to_string(trainer_.current_settings().labels) + " labels";
                io::plot_metrics(run_dir_ / "metrics.csv", run_dir_ / "curves.png", plot);
            }
            catch (const error& failure)
            {
                note(std::string("curves.png not drawn: ") + failure.what());
            }
        }

        trainer<Model>& trainer_;
        session_options options_;
        reporter report_;
        stop_check stop_requested_;
        std::filesystem::path run_dir_;
        std::optional<io::metrics_log> metrics_;
        tensor<typename trainer<Model>::noise_shape> fixed_noise_;
        clock::time_point interval_start_;
        std::size_t interval_steps_ = 0;
        struct
        {
            double s_loss = 0, d_loss_real = 0, d_loss_fake = 0, d_loss = 0, g_loss = 0,
                   train_accuracy = 0;
        } interval_sum_;
        double elapsed_before_ = 0.0;
        double last_test_accuracy_ = std::numeric_limits<double>::quiet_NaN();
        std::uint64_t last_saved_step_ = 0;
        std::size_t rollbacks_ = 0;
        bool stopped_early_ = false;
    };
}
