// Semi-supervised GAN training (Salimans et al. 2016): one network D is a K-class classifier
// and the critic of a GAN. Each step updates D on a labeled batch (cross-entropy), an
// unlabeled batch (judged real) and a generated batch (judged fake), then updates G, by
// feature matching or by the non-saturating loss, through D. A trainer is bound to a model
// type (a generator, a discriminator and their conventions) and to datasets in memory.
//
// Data parallelism: given a replica_group (core/replicas.hpp), each replica trains on its
// slice of a global batch of group size × batch_size (samplers and noise draw the global
// batch, so the slices are disjoint), starts from replica 0's parameters, and averages
// gradients, feature means and reported losses over the group; batch norm is synchronized
// over the group when settings::synchronized_batch_norm is set.
//
// The trainer never prints; tools read step_result and evaluation and report them.
#pragma once

#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/replicas.hpp"
#include "../data/dataset.hpp"
#include "../data/split.hpp"
#include "../io/checkpoint.hpp"
#include "../io/network_io.hpp"
#include "../loss/cross_entropy.hpp"
#include "../loss/feature_matching.hpp"
#include "../loss/huber.hpp"
#include "../loss/ssgan.hpp"
#include "../optim/adam.hpp"
#include "../optim/clip.hpp"
#include "../optim/ema.hpp"
#include "../optim/schedule.hpp"
#include "evaluate.hpp"
#include "settings.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ssgan::gan
{
    // What one training step measured: the discriminator's supervised loss, its
    // unsupervised terms on real and generated data, their weighted total, the generator's
    // loss, and the accuracy on the labeled batch (train mode).
    struct step_result
    {
        float s_loss = 0.0f;
        float d_loss_real = 0.0f;
        float d_loss_fake = 0.0f;
        float d_loss = 0.0f;
        float g_loss = 0.0f;
        float train_accuracy = 0.0f;
    };

    template <class Model>
    class trainer
    {
    public:
        using discriminator = typename Model::discriminator;
        using generator = typename Model::generator;
        using image_shape = typename discriminator::input_shape;
        using noise_shape = typename generator::input_shape;
        using logits_shape = typename discriminator::output_shape;
        using feature_shape =
            typename discriminator::template output_shape_of<Model::feature_layer>;

        static constexpr std::size_t classes = Model::classes;
        static constexpr bool explicit_fake = Model::explicit_fake_class;
        static_assert(logits_shape::size == classes + (explicit_fake ? 1 : 0),
                      "the discriminator gives K logits (implicit fake class) or K + 1");
        static constexpr data::pixel_range pixels = Model::pixels_from_minus_one
                                                        ? data::pixel_range::minus_one_to_one
                                                        : data::pixel_range::zero_to_one;

        // `train` gives the labeled subset and, all of it, the unlabeled set; `test` is only
        // read by evaluate(). Both must outlive the trainer, and so must `replicas`, the group
        // this trainer trains with (none: alone).
        trainer(const data::dataset& train, const data::dataset& test, settings chosen,
                generator_objective objective = Model::objective, replica_group* replicas = nullptr)
            : settings_(chosen), objective_(objective), train_(train), test_(test),
              replicas_(replicas), random_(chosen.seed), noise_random_(random_.split(1)),
              layer_random_(random_.split(2)), labeled_indices_(pick_labeled(train, chosen)),
              labeled_(labeled_indices_, global_batch(chosen, replicas), derive(chosen.seed, 3)),
              unlabeled_for_d_(train.count, global_batch(chosen, replicas), derive(chosen.seed, 4),
                               data::epoch_end::drop),
              unlabeled_for_g_(train.count, global_batch(chosen, replicas), derive(chosen.seed, 5),
                               data::epoch_end::drop),
              d_optimizer_(discriminator::parameter_count,
                           {chosen.learning_rate, chosen.beta1, chosen.beta2, 1e-8f}),
              g_optimizer_(generator::parameter_count,
                           {chosen.learning_rate * chosen.generator_lr_ratio, chosen.beta1,
                            chosen.beta2, 1e-8f}),
              schedule_(make_schedule(chosen))
        {
            settings_.validate();
            check_data(train, "training set");
            check_data(test, "test set");
            if (train.count < settings_.batch_size)
                throw config_error("batch size " + std::to_string(settings_.batch_size) +
                                   " exceeds the " + std::to_string(train.count) +
                                   " training images");

            random_stream init_random = random_.split(6);
            d_->initialize(init_random);
            g_->initialize(init_random);
            initialize_discriminator_from_data();
            if (replicas_ != nullptr)
                join_replicas();
            ema_ = std::make_unique<optim::exponential_moving_average>(
                d_->parameters(), optim::ema_options{settings_.ema_decay, true});

            labeled_images_.resize(settings_.batch_size);
            unlabeled_images_.resize(settings_.batch_size);
            noise_.resize(settings_.batch_size);
            d_logits_.resize(settings_.batch_size);
            d_features_.resize(settings_.batch_size);
            d_images_.resize(settings_.batch_size);
            batch_labels_.resize(settings_.batch_size);
            batch_indices_.resize(global_batch(settings_, replicas_));
            real_feature_mean_.resize(feature_shape::size);
        }

        // One discriminator update and `update_rate` generator updates.
        step_result step()
        {
            step_result result;
            const float lr = schedule_(step_);
            d_optimizer_.set_lr(lr);
            g_optimizer_.set_lr(lr * settings_.generator_lr_ratio);

            train_discriminator(result);
            for (std::size_t update = 0; update < settings_.update_rate; ++update)
                result.g_loss = train_generator();

            ++step_;
            if (replicas_ != nullptr)
                average_over_replicas(result);
            check_finite(result);
            return result;
        }

        // Test accuracy in eval mode (no dropout, no noise, running statistics) with the
        // averaged weights, each test image once.
        evaluation evaluate(std::size_t batch = 500)
        {
            prepare_evaluation_network();
            return evaluate_classifier(*eval_d_, test_, test_.num_classes, pixels, batch);
        }

        // Images from the generator in eval mode (batch norm with running statistics) for
        // given noise, in the model's pixel range.
        const_tensor_view<image_shape> generate(const_tensor_view<noise_shape> noise)
        {
            context ctx(layer_random_, mode::eval);
            return g_->forward(noise, ctx);
        }

        // Fills a noise batch the way training draws it. With replicas, the stream advances
        // by the global batch and this replica takes its slice of it, so the replicas' noise
        // together is what one process with the global batch would draw.
        void draw_noise(tensor<noise_shape>& noise)
        {
            if (replicas_ == nullptr)
            {
                noise_random_.fill_uniform(noise.span(), Model::noise_low, Model::noise_high);
                return;
            }
            const auto start = noise_random_.state();
            noise_random_.set_state({start.key, start.counter + replicas_->rank() * noise.size()});
            noise_random_.fill_uniform(noise.span(), Model::noise_low, Model::noise_high);
            noise_random_.set_state({start.key, start.counter + replicas_->size() * noise.size()});
        }

        std::uint64_t steps_done() const { return step_; }
        const settings& current_settings() const { return settings_; }
        const std::vector<std::size_t>& labeled_indices() const { return labeled_indices_; }
        double epoch() const
        {
            return double(step_) * double(images_per_step()) / double(train_.count);
        }
        // Unlabeled real images per step over all replicas.
        std::size_t images_per_step() const { return global_batch(settings_, replicas_); }
        replica_group* replicas() const { return replicas_; }
        discriminator& critic() { return *d_; }
        generator& maker() { return *g_; }

        // Lowers the learning rate from now on (after a rollback).
        void scale_learning_rate(float factor)
        {
            settings_.learning_rate *= factor;
            schedule_ = make_schedule(settings_);
        }

        void save(const std::filesystem::path& path) const
        {
            checkpoint_writer writer;
            writer.add("model", std::string(Model::name));
            writer.add("step", std::span<const std::uint64_t>(&step_, 1));
            save_network(writer, "D", *d_);
            save_network(writer, "G", *g_);
            save_optimizer(writer, "D.adam", d_optimizer_);
            save_optimizer(writer, "G.adam", g_optimizer_);
            writer.add("D.ema", ema_->average());
            const std::uint64_t ema_updates = ema_->updates();
            writer.add("D.ema.updates", std::span<const std::uint64_t>(&ema_updates, 1));
            const std::vector<std::uint64_t> streams = {
                noise_random_.state().key, noise_random_.state().counter, layer_random_.state().key,
                layer_random_.state().counter};
            writer.add("random", std::span<const std::uint64_t>(streams));
            std::vector<std::uint64_t> samplers;
            for (const auto* sampler : {&labeled_, &unlabeled_for_d_, &unlabeled_for_g_})
            {
                const auto s = sampler->state();
                samplers.insert(samplers.end(),
                                {s.seed, s.epoch, s.position, s.population, s.fingerprint});
            }
            writer.add("samplers", std::span<const std::uint64_t>(samplers));
            const std::vector<std::uint64_t> labeled(labeled_indices_.begin(),
                                                     labeled_indices_.end());
            writer.add("labeled_indices", std::span<const std::uint64_t>(labeled));
            writer.add("learning_rate", std::span<const float>(&settings_.learning_rate, 1));
            writer.write(path);
        }

        // Restores everything save() wrote; the trainer must have been built with the same
        // model, datasets and labeled-subset settings.
        void load(const std::filesystem::path& path)
        {
            checkpoint_reader reader(path);
            const std::string model = reader.text("model");
            if (model != Model::name)
                throw checkpoint_error("checkpoint " + path.string() + ": written for model \"" +
                                       model + "\", this run uses \"" + std::string(Model::name) +
                                       "\"");
            load_network(reader, "D", *d_);
            load_network(reader, "G", *g_);
            load_optimizer(reader, "D.adam", d_optimizer_);
            load_optimizer(reader, "G.adam", g_optimizer_);
            ema_->load_state(reader.floats("D.ema"), reader.integers("D.ema.updates").at(0));

            const auto streams = reader.integers("random");
            if (streams.size() != 4)
                throw checkpoint_error("checkpoint " + path.string() +
                                       ": record \"random\" holds " +
                                       std::to_string(streams.size()) + " values, expected 4");
            noise_random_.set_state({streams[0], streams[1]});
            layer_random_.set_state({streams[2], streams[3]});
            separate_layer_stream();

            const auto labeled = reader.integers("labeled_indices");
            if (!std::equal(labeled.begin(), labeled.end(), labeled_indices_.begin(),
                            labeled_indices_.end()))
                throw checkpoint_error(
                    "checkpoint " + path.string() + ": its labeled subset (" +
                    std::to_string(labeled.size()) +
                    " images) differs from this run's; resume with the same --labels and --seed");
            const auto samplers = reader.integers("samplers");
            if (samplers.size() != 15)
                throw checkpoint_error("checkpoint " + path.string() +
                                       ": record \"samplers\" holds " +
                                       std::to_string(samplers.size()) + " values, expected 15");
            std::size_t at = 0;
            for (auto* sampler : {&labeled_, &unlabeled_for_d_, &unlabeled_for_g_})
            {
                sampler->restore({samplers[at], samplers[at + 1], samplers[at + 2],
                                  samplers[at + 3], samplers[at + 4]});
                at += 5;
            }
            settings_.learning_rate = reader.floats("learning_rate").at(0);
            schedule_ = make_schedule(settings_);
            step_ = reader.integers("step").at(0);
        }

    private:
        static std::uint64_t derive(std::uint64_t seed, std::uint64_t purpose)
        {
            return detail::mix64(seed ^ detail::mix64(purpose));
        }

        static std::size_t global_batch(const settings& chosen, const replica_group* replicas)
        {
            return chosen.batch_size * (replicas != nullptr ? replicas->size() : 1);
        }

        // Replica 0's parameters and statistics, data-dependent initialization included, go to
        // every replica; each replica then draws its own dropout masks and layer noise.
        void join_replicas()
        {
            for (const std::span<float> values :
                 {d_->parameters(), d_->state(), g_->parameters(), g_->state()})
                broadcast_floats(*replicas_, values);
            d_average_ = replicas_->averager_for(d_->gradients());
            g_average_ = replicas_->averager_for(g_->gradients());
            separate_layer_stream();
        }

        // Checkpoints hold replica 0's layer stream; the others derive theirs from it.
        void separate_layer_stream()
        {
            if (replicas_ != nullptr && replicas_->rank() > 0)
                layer_random_ = layer_random_.split(replicas_->rank());
        }

        // The losses and accuracy of the global batch (the replicas' batches are equal in size),
        // so every replica reports, and judges divergence, alike.
        void average_over_replicas(step_result& result)
        {
            std::array<float, 6> values = {result.s_loss,      result.d_loss_real,
                                           result.d_loss_fake, result.d_loss,
                                           result.g_loss,      result.train_accuracy};
            replicas_->sum(values);
            const float scale = 1.0f / static_cast<float>(replicas_->size());
            result = {values[0] * scale, values[1] * scale, values[2] * scale,
                      values[3] * scale, values[4] * scale, values[5] * scale};
        }

        // The same average for a feature mean.
        void average_over_replicas(std::span<float> values)
        {
            replicas_->sum(values);
            for (float& value : values)
                value /= static_cast<float>(replicas_->size());
        }

        replica_group* synchronized_statistics() const
        {
            return settings_.synchronized_batch_norm ? replicas_ : nullptr;
        }

        static std::vector<std::size_t> pick_labeled(const data::dataset& train,
                                                     const settings& chosen)
        {
            if (chosen.labels > train.count)
                throw config_error("--labels: " + std::to_string(chosen.labels) +
                                   " labeled images asked for, the training set has " +
                                   std::to_string(train.count));
            if (train.num_classes == 0 || train.num_classes > classes)
                throw data_error("training set: expected 1.." + std::to_string(classes) +
                                 " classes (the model's logits), found " +
                                 std::to_string(train.num_classes));
            if (chosen.labels % train.num_classes != 0)
                throw config_error("--labels: expected a multiple of the " +
                                   std::to_string(train.num_classes) +
                                   " classes (the labeled subset is balanced), found " +
                                   std::to_string(chosen.labels));
            if (chosen.batch_size > train.count)
                throw config_error("--batch-size: " + std::to_string(chosen.batch_size) +
                                   " exceeds the " + std::to_string(train.count) +
                                   " training images");
            return data::balanced_labeled_subset(train.labels, chosen.labels, train.num_classes,
                                                 derive(chosen.seed, 7));
        }

        static optim::lr_schedule make_schedule(const settings& chosen)
        {
            if (chosen.lr_weight_decay && chosen.total_steps > 0)
                return optim::lr_schedule::linear_decay(chosen.learning_rate, chosen.total_steps,
                                                        1.0f / 3.0f);
            return optim::lr_schedule::constant(chosen.learning_rate);
        }

        static void check_data(const data::dataset& set, const std::string& what)
        {
            if (set.count == 0)
                throw data_error(what + ": it holds no images");
            const std::size_t expected = image_shape::size;
            if (set.sample_size() != expected)
                throw data_error(what + ": images of " + std::to_string(set.channels) + "x" +
                                 std::to_string(set.height) + "x" + std::to_string(set.width) +
                                 ", the model takes " + image_shape::describe());
            // A dataset with fewer classes than the model's logits trains it too: the logits
            // of the missing classes are never a target and do not count in evaluation.
            if (set.labels.size() != set.count || set.num_classes == 0 || set.num_classes > classes)
                throw data_error(what + ": expected a label in 0.." + std::to_string(classes - 1) +
                                 " for each image (at most " + std::to_string(classes) +
                                 " classes, the model's), found " +
                                 std::to_string(set.num_classes) + " classes");
        }

        static void save_optimizer(checkpoint_writer& writer, const std::string& name,
                                   const optim::adam& optimizer)
        {
            writer.add(name + ".m", optimizer.first_moment());
            writer.add(name + ".v", optimizer.second_moment());
            const std::uint64_t steps = optimizer.steps();
            writer.add(name + ".steps", std::span<const std::uint64_t>(&steps, 1));
        }

        static void load_optimizer(const checkpoint_reader& reader, const std::string& name,
                                   optim::adam& optimizer)
        {
            optimizer.load_state(reader.floats(name + ".m"), reader.floats(name + ".v"),
                                 reader.integers(name + ".steps").at(0));
        }

        void initialize_discriminator_from_data()
        {
            const std::size_t count = std::min(settings_.init_batch, train_.count);
            std::vector<std::size_t> indices(count);
            data::batch_sampler first(train_.count, count, derive(settings_.seed, 8),
                                      data::epoch_end::drop);
            first.next_batch(indices);
            tensor<image_shape> images(count);
            data::copy_batch(train_, indices, pixels, images.span());
            context ctx(layer_random_, mode::train);
            ctx.freeze_statistics = true;
            d_->initialize_from_data(images, ctx);
        }

        // The sampler yields the global batch; this replica takes its slice of it.
        void load_batch(data::batch_sampler& sampler, tensor<image_shape>& images, bool with_labels)
        {
            sampler.next_batch(batch_indices_);
            const std::size_t rank = replicas_ != nullptr ? replicas_->rank() : 0;
            const auto mine = std::span<const std::size_t>(batch_indices_)
                                  .subspan(rank * settings_.batch_size, settings_.batch_size);
            data::copy_batch(train_, mine, pixels, images.span());
            if (with_labels)
                data::copy_labels(train_, mine, batch_labels_);
        }

        void train_discriminator(step_result& result)
        {
            const std::size_t batch = settings_.batch_size;
            const float weight = settings_.unsupervised_weight;
            context ctx(layer_random_, mode::train);
            ctx.batch_statistics_group = synchronized_statistics();
            d_->zero_gradients();

            // Labeled real images: cross-entropy over the real classes.
            load_batch(labeled_, labeled_images_, true);
            auto logits = d_->forward(labeled_images_, ctx);
            if constexpr (explicit_fake)
                result.s_loss = loss::explicit_fake::real_labeled(
                    logits.span(), batch_labels_, batch, classes, d_logits_.span(),
                    {.label_smoothing = settings_.label_smoothing});
            else
                result.s_loss = loss::implicit_fake::supervised(logits.span(), batch_labels_, batch,
                                                                classes, d_logits_.span(),
                                                                {settings_.label_smoothing, 1.0f});
            std::size_t correct = 0;
            if constexpr (explicit_fake)
                correct = loss::explicit_fake::count_correct(logits.span(), batch_labels_, batch,
                                                             classes);
            else
                correct = loss::count_correct(logits.span(), batch_labels_, batch, classes);
            result.train_accuracy = static_cast<float>(correct) / static_cast<float>(batch);
            d_->backward(d_logits_, ctx);

            // Unlabeled real images: judged real.
            load_batch(unlabeled_for_d_, unlabeled_images_, false);
            logits = d_->forward(unlabeled_images_, ctx);
            result.d_loss_real = real_unlabeled_loss(logits, weight);
            d_->backward(d_logits_, ctx);

            // Generated images: judged fake. G runs in train mode but learns nothing here.
            draw_noise(noise_);
            const auto fake = g_->forward(noise_, ctx);
            logits = d_->forward(fake, ctx);
            result.d_loss_fake = fake_loss(logits, weight);
            ctx.gradients_ready = d_average_.get(); // this pass completes D's gradients
            d_->backward(d_logits_, ctx);
            if (d_average_)
                d_average_->finish();

            result.d_loss = result.s_loss + weight * (result.d_loss_real + result.d_loss_fake);
            if (settings_.clip_norm > 0.0f)
                optim::clip_by_global_norm(d_->gradients(), settings_.clip_norm);
            d_optimizer_.step(d_->parameters(), d_->gradients());
            ema_->update(d_->parameters());
        }

        float real_unlabeled_loss(const_tensor_view<logits_shape> logits, float weight)
        {
            const std::size_t batch = logits.batch();
            if constexpr (explicit_fake)
                return loss::explicit_fake::real_unlabeled(logits.span(), batch, classes,
                                                           d_logits_.span(), weight);
            else
                return loss::implicit_fake::real_unlabeled(logits.span(), batch, classes,
                                                           d_logits_.span(), weight);
        }

        float fake_loss(const_tensor_view<logits_shape> logits, float weight)
        {
            const std::size_t batch = logits.batch();
            if constexpr (explicit_fake)
                return loss::explicit_fake::fake(logits.span(), batch, classes, d_logits_.span(),
                                                 weight);
            else
                return loss::implicit_fake::fake(logits.span(), batch, classes, d_logits_.span(),
                                                 weight);
        }

        float train_generator()
        {
            const std::size_t batch = settings_.batch_size;
            context ctx(layer_random_, mode::train);
            ctx.freeze_statistics = true; // D's running statistics follow its own updates only
            ctx.parameter_gradients = false;
            ctx.batch_statistics_group = synchronized_statistics();
            g_->zero_gradients();
            float g_loss = 0.0f;

            if (objective_ == generator_objective::feature_matching)
            {
                load_batch(unlabeled_for_g_, unlabeled_images_, false);
                d_->forward(unlabeled_images_, ctx);
                loss::batch_mean(d_->template output<Model::feature_layer>().span(), batch,
                                 feature_shape::size, real_feature_mean_);

                draw_noise(noise_);
                context g_ctx = generator_context();
                const auto fake = g_->forward(noise_, g_ctx);
                d_->forward(fake, ctx);
                if (replicas_ != nullptr)
                    aim_at_global_means();
                g_loss = loss::feature_matching_to_mean(
                    real_feature_mean_, d_->template output<Model::feature_layer>().span(), batch,
                    feature_shape::size, d_features_.span());
                d_->template backward_from<Model::feature_layer>(d_features_, ctx,
                                                                 d_images_.view());
                add_reconstruction(fake, g_loss);
                g_->backward(d_images_, g_ctx);
            }
            else
            {
                draw_noise(noise_);
                context g_ctx = generator_context();
                const auto fake = g_->forward(noise_, g_ctx);
                const auto logits = d_->forward(fake, ctx);
                if constexpr (explicit_fake)
                    g_loss = loss::explicit_fake::generator(logits.span(), batch, classes,
                                                            d_logits_.span());
                else
                    g_loss = loss::implicit_fake::generator(logits.span(), batch, classes,
                                                            d_logits_.span());
                d_->backward(d_logits_, ctx, d_images_.view());
                if (settings_.reconstruction_weight > 0.0f)
                    load_batch(unlabeled_for_g_, unlabeled_images_, false);
                add_reconstruction(fake, g_loss);
                g_->backward(d_images_, g_ctx);
            }

            if (g_average_)
                g_average_->finish();
            if (settings_.clip_norm > 0.0f)
                optim::clip_by_global_norm(g_->gradients(), settings_.clip_norm);
            g_optimizer_.step(g_->parameters(), g_->gradients());
            return g_loss;
        }

        context generator_context()
        {
            context g_ctx(layer_random_, mode::train);
            g_ctx.batch_statistics_group = synchronized_statistics();
            g_ctx.gradients_ready = g_average_.get();
            return g_ctx;
        }

        // Feature matching compares the means over the global batch. The loss takes the fake
        // mean from the local batch, so the target moves by (global - local) fake mean: the
        // difference, the loss and the gradient per image are then those of the global means.
        void aim_at_global_means()
        {
            average_over_replicas(real_feature_mean_);
            fake_feature_mean_.resize(feature_shape::size);
            loss::batch_mean(d_->template output<Model::feature_layer>().span(),
                             settings_.batch_size, feature_shape::size, fake_feature_mean_);
            local_fake_mean_ = fake_feature_mean_;
            average_over_replicas(fake_feature_mean_);
            for (std::size_t f = 0; f < feature_shape::size; ++f)
                real_feature_mean_[f] -= fake_feature_mean_[f] - local_fake_mean_[f];
        }

        // The annealed reconstruction term of SSGAN-Tensorflow: a Huber loss pulling generated
        // images toward a real batch, its weight falling linearly to zero.
        void add_reconstruction(const_tensor_view<image_shape> fake, float& g_loss)
        {
            if (settings_.reconstruction_weight <= 0.0f)
                return;
            const double progress = double(step_) / double(settings_.reconstruction_anneal_steps);
            const float weight =
                settings_.reconstruction_weight * static_cast<float>(std::max(0.0, 1.0 - progress));
            if (weight <= 0.0f)
                return;
            reconstruction_gradient_.resize(fake.size());
            const float value =
                loss::huber(fake.span(), unlabeled_images_.span(), fake.batch(), image_shape::size,
                            reconstruction_gradient_, {1.0f, weight});
            g_loss += weight * value;
            for (std::size_t i = 0; i < fake.size(); ++i)
                d_images_[i] += reconstruction_gradient_[i];
        }

        void prepare_evaluation_network()
        {
            ema_->copy_to(eval_d_->parameters());
            std::copy(d_->state().begin(), d_->state().end(), eval_d_->state().begin());
        }

        void check_finite(const step_result& result) const
        {
            const std::pair<const char*, float> losses[] = {{"s_loss", result.s_loss},
                                                            {"d_loss_real", result.d_loss_real},
                                                            {"d_loss_fake", result.d_loss_fake},
                                                            {"d_loss", result.d_loss},
                                                            {"g_loss", result.g_loss}};
            for (const auto& [name, value] : losses)
                if (!std::isfinite(value))
                    throw divergence_error("training diverged at step " + std::to_string(step_) +
                                           ": " + name + " is " + std::to_string(value));
        }

        settings settings_;
        generator_objective objective_;
        const data::dataset& train_;
        const data::dataset& test_;
        replica_group* replicas_ = nullptr;
        std::unique_ptr<gradient_averager> d_average_; // with replicas only
        std::unique_ptr<gradient_averager> g_average_;
        random_stream random_;
        random_stream noise_random_;
        random_stream layer_random_;
        std::vector<std::size_t> labeled_indices_;
        data::batch_sampler labeled_;
        data::batch_sampler unlabeled_for_d_;
        data::batch_sampler unlabeled_for_g_;
        std::unique_ptr<discriminator> d_ = std::make_unique<discriminator>();
        std::unique_ptr<generator> g_ = std::make_unique<generator>();
        std::unique_ptr<discriminator> eval_d_ = std::make_unique<discriminator>();
        optim::adam d_optimizer_;
        optim::adam g_optimizer_;
        std::unique_ptr<optim::exponential_moving_average> ema_;
        optim::lr_schedule schedule_;
        std::uint64_t step_ = 0;

        tensor<image_shape> labeled_images_;
        tensor<image_shape> unlabeled_images_;
        tensor<noise_shape> noise_;
        tensor<logits_shape> d_logits_;
        tensor<feature_shape> d_features_;
        tensor<image_shape> d_images_;
        std::vector<int> batch_labels_;
        std::vector<std::size_t> batch_indices_;
        std::vector<float> real_feature_mean_;
        std::vector<float> fake_feature_mean_;
        std::vector<float> local_fake_mean_;
        std::vector<float> reconstruction_gradient_;
    };
}
