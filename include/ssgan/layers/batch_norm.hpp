// Batch normalization on oneDNN: per channel for a C × H × W input, per feature for a rank-1
// input; the output has the input's shape. y = γ (x - μ) / √(σ² + ε) + β. In train mode μ and
// σ² are the batch's (biased variance) and the running statistics move toward them by
// `momentum`; in eval mode the running statistics are used. Parameters: γ then β, C each;
// state: running mean then running variance.
//
// Synchronized over replicas (context::batch_statistics_group set, train mode): μ and σ² are
// those of the batches of all replicas together, from all-reduced per-channel sums of x and
// x², and backward all-reduces Σ dy and Σ dy·x̂ for the input gradient
// dx = γ/σ · (dy - Σ dy / M - x̂ · Σ dy·x̂ / M), M the global count per channel.
#pragma once

#include "../core/dnnl_runtime.hpp"
#include "../core/error.hpp"
#include "../nn/layer.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace ssgan
{
    namespace detail
    {
        template <shape_type In, float Momentum, float Epsilon>
        class batch_norm_layer : public layer_base<In, In>
        {
            static_assert(In::rank == 1 || In::rank == 3,
                          "batch_norm: the input is features (rank 1) or C × H × W (rank 3)");

            static constexpr std::size_t channels = In::extents[0];
            static constexpr std::size_t area = In::size / channels;

        public:
            static constexpr std::size_t parameter_count = 2 * channels;
            static constexpr std::size_t state_count = 2 * channels;

            static std::string describe()
            {
                return "batch_norm<" + float_text(Momentum) + ", " + float_text(Epsilon) + ">";
            }

            void attach(parameter_block block)
            {
                scale_ = block.values.data();
                shift_ = block.values.data() + channels;
                scale_gradients_ = block.gradients.data();
                shift_gradients_ = block.gradients.data() + channels;
                running_mean_ = block.state.data();
                running_variance_ = block.state.data() + channels;
                batch_mean_.assign(channels, 0.0f);
                batch_variance_.assign(channels, 0.0f);
                d_scale_.assign(channels, 0.0f);
                d_shift_.assign(channels, 0.0f);
            }

            void initialize(random_stream&)
            {
                std::fill_n(scale_, channels, 1.0f);
                std::fill_n(shift_, channels, 0.0f);
                std::fill_n(running_mean_, channels, 0.0f);
                std::fill_n(running_variance_, channels, 1.0f);
            }

            void forward(const_tensor_view<In> in, tensor_view<In> out, context& ctx)
            {
                plan& current = plan_for(in.batch());
                bind_common(current, in.data());
                current.destination.set_data_handle(out.data());
                auto& stream = dnnl_runtime::get().stream();

                synchronized_ = ctx.training() && ctx.batch_statistics_group != nullptr;
                if (synchronized_)
                {
                    // The global statistics go in as given ones: oneDNN then normalizes with them.
                    global_count_ = global_statistics(in, *ctx.batch_statistics_group);
                    current.mean.set_data_handle(batch_mean_.data());
                    current.variance.set_data_handle(batch_variance_.data());
                    current.eval_forward.execute(stream, current.forward_arguments);
                    stream.wait();
                    if (!ctx.freeze_statistics)
                        update_running_statistics(global_count_);
                }
                else if (ctx.training())
                {
                    current.mean.set_data_handle(batch_mean_.data());
                    current.variance.set_data_handle(batch_variance_.data());
                    current.train_forward.execute(stream, current.forward_arguments);
                    stream.wait();
                    if (!ctx.freeze_statistics)
                        update_running_statistics(double(in.batch() * area));
                }
                else
                {
                    current.mean.set_data_handle(running_mean_);
                    current.variance.set_data_handle(running_variance_);
                    current.eval_forward.execute(stream, current.forward_arguments);
                    stream.wait();
                }
            }

            void backward(const_tensor_view<In> in, const_tensor_view<In>,
                          const_tensor_view<In> d_out, tensor_view<In> d_in, context& ctx)
            {
                plan& current = plan_for(in.batch());
                bind_common(current, in.data());
                current.diff_destination.set_data_handle(const_cast<float*>(d_out.data()));
                current.diff_source.set_data_handle(d_in.empty() ? scratch_for(in.size())
                                                                 : d_in.data());
                current.diff_scale.set_data_handle(d_scale_.data());
                current.diff_shift.set_data_handle(d_shift_.data());
                auto& stream = dnnl_runtime::get().stream();

                if (synchronized_)
                {
                    // With the statistics taken as constants oneDNN gives dx = γ/σ · dy and the
                    // local Σ dy·x̂, Σ dy; the terms through μ and σ² are added below.
                    current.mean.set_data_handle(batch_mean_.data());
                    current.variance.set_data_handle(batch_variance_.data());
                    current.eval_backward.execute(stream, current.backward_arguments);
                }
                else if (ctx.training())
                {
                    current.mean.set_data_handle(batch_mean_.data());
                    current.variance.set_data_handle(batch_variance_.data());
                    current.train_backward.execute(stream, current.backward_arguments);
                }
                else
                {
                    current.mean.set_data_handle(running_mean_);
                    current.variance.set_data_handle(running_variance_);
                    current.eval_backward.execute(stream, current.backward_arguments);
                }
                stream.wait();
                if (synchronized_ && !d_in.empty())
                {
                    if (ctx.batch_statistics_group == nullptr)
                        throw config_error(describe() +
                                           "::backward: the forward pass synchronized its "
                                           "statistics over replicas, this context has no group");
                    add_statistics_gradient(in, d_in, *ctx.batch_statistics_group);
                }

                if (!ctx.parameter_gradients)
                    return;
                for (std::size_t c = 0; c < channels; ++c)
                {
                    scale_gradients_[c] += d_scale_[c];
                    shift_gradients_[c] += d_shift_[c];
                }
            }

        private:
            struct plan
            {
                dnnl::batch_normalization_forward train_forward, eval_forward;
                dnnl::batch_normalization_backward train_backward, eval_backward;
                dnnl::memory source, destination, mean, variance, scale, shift;
                dnnl::memory diff_destination, diff_source, diff_scale, diff_shift;
                std::unordered_map<int, dnnl::memory> forward_arguments, backward_arguments;
            };

            plan& plan_for(std::size_t batch)
            {
                return plans_.get(
                    batch,
                    [](std::size_t rows)
                    {
                        using namespace dnnl_compat;
                        using flags = dnnl::normalization_flags;
                        auto& engine = dnnl_runtime::get().engine();
                        const auto n = static_cast<dnnl::memory::dim>(rows);
                        const auto c = static_cast<dnnl::memory::dim>(channels);
                        const auto a = static_cast<dnnl::memory::dim>(area);
                        // A rank-1 input is N × C × 1 × 1, so one code path serves both ranks.
                        const auto desc = plain_desc({n, c, 1, a}, tag::nchw);
                        const auto vector_desc = plain_desc({c}, tag::x);
                        const auto affine = flags::use_scale | flags::use_shift;
                        const auto global = affine | flags::use_global_stats;

                        const auto train_pd = batch_norm_forward(dnnl::prop_kind::forward_training,
                                                                 desc, Epsilon, affine);
                        const auto eval_pd = batch_norm_forward(dnnl::prop_kind::forward_inference,
                                                                desc, Epsilon, global);
                        const auto global_train_pd = batch_norm_forward(
                            dnnl::prop_kind::forward_training, desc, Epsilon, global);
                        auto none = [&](const dnnl::memory::desc& d)
                        { return dnnl::memory(d, engine, DNNL_MEMORY_NONE); };

                        plan made{dnnl::batch_normalization_forward(train_pd),
                                  dnnl::batch_normalization_forward(eval_pd),
                                  dnnl::batch_normalization_backward(
                                      batch_norm_backward(desc, Epsilon, affine, train_pd)),
                                  dnnl::batch_normalization_backward(
                                      batch_norm_backward(desc, Epsilon, global, global_train_pd)),
                                  none(desc),
                                  none(desc),
                                  none(vector_desc),
                                  none(vector_desc),
                                  none(vector_desc),
                                  none(vector_desc),
                                  none(desc),
                                  none(desc),
                                  none(vector_desc),
                                  none(vector_desc),
                                  {},
                                  {}};
                        made.forward_arguments = {
                            {DNNL_ARG_SRC, made.source},  {DNNL_ARG_DST, made.destination},
                            {DNNL_ARG_MEAN, made.mean},   {DNNL_ARG_VARIANCE, made.variance},
                            {DNNL_ARG_SCALE, made.scale}, {DNNL_ARG_SHIFT, made.shift}};
                        made.backward_arguments = {{DNNL_ARG_SRC, made.source},
                                                   {DNNL_ARG_MEAN, made.mean},
                                                   {DNNL_ARG_VARIANCE, made.variance},
                                                   {DNNL_ARG_SCALE, made.scale},
                                                   {DNNL_ARG_SHIFT, made.shift},
                                                   {DNNL_ARG_DIFF_DST, made.diff_destination},
                                                   {DNNL_ARG_DIFF_SRC, made.diff_source},
                                                   {DNNL_ARG_DIFF_SCALE, made.diff_scale},
                                                   {DNNL_ARG_DIFF_SHIFT, made.diff_shift}};
                        return made;
                    });
            }

            void bind_common(plan& current, const float* source)
            {
                current.source.set_data_handle(const_cast<float*>(source));
                current.scale.set_data_handle(scale_);
                current.shift.set_data_handle(shift_);
            }

            // Sets batch_mean_ and batch_variance_ (biased) from the per-channel sums of x and x²
            // over every replica's batch; returns the global count per channel.
            double global_statistics(const_tensor_view<In> in, replica_group& group)
            {
                sums_.assign(2 * channels + 1, 0.0);
                const float* x = in.data();
                for (std::size_t n = 0; n < in.batch(); ++n)
                    for (std::size_t c = 0; c < channels; ++c)
                    {
                        const float* row = x + (n * channels + c) * area;
                        double sum = 0.0, squares = 0.0;
                        for (std::size_t a = 0; a < area; ++a)
                        {
                            sum += row[a];
                            squares += double(row[a]) * row[a];
                        }
                        sums_[c] += sum;
                        sums_[channels + c] += squares;
                    }
                sums_[2 * channels] = double(in.batch() * area);
                group.sum(sums_);

                const double count = sums_[2 * channels];
                for (std::size_t c = 0; c < channels; ++c)
                {
                    const double mean = sums_[c] / count;
                    batch_mean_[c] = float(mean);
                    batch_variance_[c] =
                        float(std::max(0.0, sums_[channels + c] / count - mean * mean));
                }
                return count;
            }

            // dx -= γ/σ · (Σ dy / M + x̂ · Σ dy·x̂ / M), the sums over every replica's batch.
            void add_statistics_gradient(const_tensor_view<In> in, tensor_view<In> d_in,
                                         replica_group& group)
            {
                sums_.assign(2 * channels, 0.0);
                for (std::size_t c = 0; c < channels; ++c)
                {
                    sums_[c] = d_shift_[c];
                    sums_[channels + c] = d_scale_[c];
                }
                group.sum(sums_);

                const float* x = in.data();
                float* dx = d_in.data();
                for (std::size_t c = 0; c < channels; ++c)
                {
                    const double inverse_deviation =
                        1.0 / std::sqrt(double(batch_variance_[c]) + double(Epsilon));
                    const double gain = double(scale_[c]) * inverse_deviation;
                    const double mean_dy = sums_[c] / global_count_;
                    const double mean_dy_xhat = sums_[channels + c] / global_count_;
                    for (std::size_t n = 0; n < in.batch(); ++n)
                    {
                        const std::size_t at = (n * channels + c) * area;
                        for (std::size_t a = at; a < at + area; ++a)
                        {
                            const double normalized = (x[a] - batch_mean_[c]) * inverse_deviation;
                            dx[a] -= float(gain * (mean_dy + normalized * mean_dy_xhat));
                        }
                    }
                }
            }

            void update_running_statistics(double samples_per_channel)
            {
                // The running variance is the unbiased estimate, as in the frameworks users
                // compare with; the batch variance oneDNN reports is the biased one.
                const float samples = static_cast<float>(samples_per_channel);
                const float correction = samples > 1.0f ? samples / (samples - 1.0f) : 1.0f;
                for (std::size_t c = 0; c < channels; ++c)
                {
                    running_mean_[c] += Momentum * (batch_mean_[c] - running_mean_[c]);
                    running_variance_[c] +=
                        Momentum * (batch_variance_[c] * correction - running_variance_[c]);
                }
            }

            float* scratch_for(std::size_t count)
            {
                if (scratch_.size() < count)
                    scratch_.resize(count);
                return scratch_.data();
            }

            float* scale_ = nullptr;
            float* shift_ = nullptr;
            float* scale_gradients_ = nullptr;
            float* shift_gradients_ = nullptr;
            float* running_mean_ = nullptr;
            float* running_variance_ = nullptr;
            aligned_buffer batch_mean_, batch_variance_, d_scale_, d_shift_, scratch_;
            plan_cache<plan> plans_;
            std::vector<double> sums_;
            double global_count_ = 0.0;
            bool synchronized_ = false; // the last forward used statistics over replicas
        };
    }

    template <float Momentum = 0.1f, float Epsilon = 1e-5f>
    struct batch_norm
    {
        static_assert(Momentum > 0.0f && Momentum <= 1.0f, "batch_norm: momentum lies in (0, 1]");
        static_assert(Epsilon > 0.0f, "batch_norm: epsilon is positive");

        template <shape_type In>
        using bind = detail::batch_norm_layer<In, Momentum, Epsilon>;
    };
}
