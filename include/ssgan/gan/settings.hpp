// Every knob of semi-supervised GAN training, with the defaults a model chooses. The tools
// fill it from flags, write it to config.json, and store it in checkpoints.
#pragma once

#include "../core/error.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ssgan::gan
{
    // How the generator learns.
    enum class generator_objective
    {
        feature_matching, // match D's mean features on real data (Salimans et al. 2016)
        non_saturating    // maximize log D(G(z)) (Goodfellow et al. 2014)
    };

    struct settings
    {
        std::size_t batch_size = 100;
        std::size_t labels = 100;        // labeled training images, balanced over classes
        float learning_rate = 0.003f;    // the discriminator's Adam rate
        float generator_lr_ratio = 1.0f; // the generator's rate is this times the D's
        std::size_t update_rate = 1;     // generator steps per discriminator step
        bool lr_weight_decay = false;    // linear decay to zero over the last third
        float beta1 = 0.5f;
        float beta2 = 0.999f;
        float unsupervised_weight = 0.5f;   // weight of the real-unlabeled and fake terms
        float label_smoothing = 0.0f;       // one-sided: the true class's target is 1 - this
        float clip_norm = 0.0f;             // global-norm gradient clipping; 0 is off
        float ema_decay = 0.999f;           // averaged weights used for testing
        float reconstruction_weight = 0.0f; // annealed Huber loss between fake and real images
        std::size_t reconstruction_anneal_steps = 1000;
        std::size_t init_batch = 500; // images for data-dependent initialization
        std::size_t total_steps = 0;  // for the decay schedule; 0 when unknown
        std::uint64_t seed = 1;
        bool synchronized_batch_norm = false; // with replicas: statistics of the global batch

        void validate() const
        {
            auto fail = [](const std::string& what) { throw config_error(what); };
            if (batch_size == 0 || batch_size > 65536)
                fail("batch size: expected 1..65536, found " + std::to_string(batch_size));
            if (labels == 0)
                fail("labels: expected at least 1 labeled image, found 0");
            if (!(learning_rate > 0.0f) || !std::isfinite(learning_rate))
                fail("learning rate: expected a finite value > 0, found " +
                     std::to_string(learning_rate));
            if (!(generator_lr_ratio > 0.0f) || !std::isfinite(generator_lr_ratio))
                fail("generator lr ratio: expected a finite value > 0");
            if (update_rate == 0 || update_rate > 100)
                fail("update rate: expected 1..100 generator steps per discriminator step, "
                     "found " +
                     std::to_string(update_rate));
            if (!(beta1 >= 0.0f && beta1 < 1.0f) || !(beta2 >= 0.0f && beta2 < 1.0f))
                fail("Adam betas: expected values in [0, 1)");
            if (!(label_smoothing >= 0.0f && label_smoothing < 1.0f))
                fail("label smoothing: expected a value in [0, 1), found " +
                     std::to_string(label_smoothing));
            if (!(clip_norm >= 0.0f) || !std::isfinite(clip_norm))
                fail("clip norm: expected a finite value >= 0 (0 turns clipping off)");
            if (!(ema_decay >= 0.0f && ema_decay < 1.0f))
                fail("EMA decay: expected a value in [0, 1), found " + std::to_string(ema_decay));
            if (init_batch == 0)
                fail("init batch: expected at least 1 image");
        }
    };

    // The training tricks of SSGAN-Tensorflow, which both `seed` models use: G updated 5 times
    // per D update at twice D's rate, one-sided label smoothing (real targets 0.9), global-norm
    // clipping at 20, and an annealed reconstruction loss.
    inline settings ssgan_tensorflow_settings()
    {
        settings chosen;
        chosen.learning_rate = 1e-4f;
        chosen.generator_lr_ratio = 2.0f;
        chosen.update_rate = 5;
        chosen.beta1 = 0.5f;
        chosen.unsupervised_weight = 1.0f;
        chosen.label_smoothing = 0.1f;
        chosen.clip_norm = 20.0f;
        chosen.reconstruction_weight = 1.0f;
        chosen.reconstruction_anneal_steps = 2000;
        return chosen;
    }
}
