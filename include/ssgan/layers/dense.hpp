// Fully connected layers on Eigen: `dense<Units, Options...>` takes a rank-1 input of F
// features and gives Units features, y = x Wᵀ + b with W stored Units × F, row-major.
// Options: an initializer (`init::glorot` by default), `no_bias`, and `weight_norm` or
// `weight_norm_without_data_init`: W = g · v / ‖v‖ per output unit (Salimans & Kingma 2016),
// where the data-dependent variant sets g = 1/σ and b = -μ/σ from the first batch's
// pre-activations, so each unit starts with zero mean and unit variance.
#pragma once

#include "../core/aligned.hpp"
#include "../core/diagnostics.hpp"
#include "../core/init.hpp"
#include "../core/type_list.hpp"
#include "../nn/layer.hpp"

#include <Eigen/Core>

#include <cmath>
#include <string>

namespace ssgan
{
    // Spec option: weight normalization with data-dependent initialization.
    struct weight_norm
    {
    };

    // Spec option: weight normalization with g = 1 and b = 0 at the start.
    struct weight_norm_without_data_init
    {
    };

    // Spec option with weight_norm: the data-dependent initialization aims for outputs of
    // standard deviation Scale instead of 1 (Salimans et al. start their logits at 0.1).
    template <float Scale>
    struct init_scale
    {
        static_assert(Scale > 0.0f, "init_scale: the scale is positive");
        static constexpr float value = Scale;
    };

    // Spec option: no bias term.
    struct no_bias
    {
    };

    template <std::size_t Units, class... Options>
    struct dense;

    namespace detail
    {
        using row_matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        using matrix_map = Eigen::Map<row_matrix>;
        using const_matrix_map = Eigen::Map<const row_matrix>;
        using vector_map = Eigen::Map<Eigen::RowVectorXf>;
        using const_vector_map = Eigen::Map<const Eigen::RowVectorXf>;

        inline constexpr float weight_norm_epsilon = 1e-12f;

        template <class Option>
        struct init_scale_of
        {
            static constexpr float value = 0.0f;
        };

        template <float Scale>
        struct init_scale_of<init_scale<Scale>>
        {
            static constexpr float value = Scale;
        };

        // The init_scale<...> among the options, or 1.
        template <class... Options>
        constexpr float chosen_init_scale()
        {
            float scale = 1.0f;
            ((init_scale_of<Options>::value > 0.0f ? scale = init_scale_of<Options>::value : scale),
             ...);
            return scale;
        }

        template <class... Options>
        std::string describe_options()
        {
            std::string text;
            if constexpr (has_option<weight_norm, Options...>)
                text += ", weight_norm";
            if constexpr (chosen_init_scale<Options...>() != 1.0f)
                text += ", init_scale<" + float_text(chosen_init_scale<Options...>()) + ">";
            if constexpr (has_option<weight_norm_without_data_init, Options...>)
                text += ", weight_norm_without_data_init";
            if constexpr (has_option<no_bias, Options...>)
                text += ", no_bias";
            return text;
        }

        template <std::size_t Units, shape_type In, class... Options>
        class dense_layer : public layer_base<In, shape<Units>>
        {
            static_assert(
                rule_holds<
                    In::rank == 1,
                    SSGAN_SHAPE_MISMATCH<dense<Units, Options...>,
                                         rule::dense_needs_a_rank_1_input_put_flatten_before_it, In,
                                         shape<In::size>>>);

        public:
            static constexpr std::size_t inputs = In::size;
            static constexpr bool normalized =
                has_option<weight_norm, Options...> ||
                has_option<weight_norm_without_data_init, Options...>;
            static constexpr bool data_init = has_option<weight_norm, Options...>;
            static constexpr float init_scale = chosen_init_scale<Options...>();
            static constexpr bool biased = !has_option<no_bias, Options...>;
            static constexpr std::size_t weight_count = Units * inputs;
            static constexpr std::size_t parameter_count =
                weight_count + (normalized ? Units : 0) + (biased ? Units : 0);
            // One multiply-add per weight and sample.
            static constexpr std::size_t forward_flops = 2 * weight_count;

            using initializer = init::chosen<init::glorot, Options...>;

            static std::string describe()
            {
                return "dense<" + std::to_string(Units) + describe_options<Options...>() + ">";
            }

            void attach(parameter_block block)
            {
                weights_ = block.values.data();
                weight_gradients_ = block.gradients.data();
                std::size_t offset = weight_count;
                if constexpr (normalized)
                {
                    scale_ = block.values.data() + offset;
                    scale_gradients_ = block.gradients.data() + offset;
                    offset += Units;
                }
                if constexpr (biased)
                {
                    bias_ = block.values.data() + offset;
                    bias_gradients_ = block.gradients.data() + offset;
                }
                if constexpr (normalized)
                {
                    effective_.assign(weight_count, 0.0f);
                    effective_gradient_.assign(weight_count, 0.0f);
                    norms_.assign(Units, 0.0f);
                }
            }

            void initialize(random_stream& random)
            {
                std::span<float> weights(weights_, weight_count);
                if constexpr (normalized)
                {
                    // Only the direction of v matters; a fixed spread keeps ‖v‖ well scaled.
                    random.fill_normal(weights, 0.0f, 0.05f);
                    std::fill_n(scale_, Units, 1.0f);
                }
                else
                {
                    initializer::fill(weights, inputs, Units, random);
                }
                if constexpr (biased)
                    std::fill_n(bias_, Units, 0.0f);
            }

            void forward(const_tensor_view<In> in, tensor_view<shape<Units>> out, context& ctx)
            {
                const auto rows = static_cast<Eigen::Index>(in.batch());
                const_matrix_map x(in.data(), rows, inputs);
                matrix_map y(out.data(), rows, Units);

                if constexpr (normalized)
                {
                    if (data_init && ctx.initializing)
                    {
                        initialize_from(x, y);
                        return;
                    }
                    refresh_effective_weights();
                }

                y.noalias() = x * weight_matrix().transpose();
                if constexpr (biased)
                    y.rowwise() += const_vector_map(bias_, Units);
            }

            void backward(const_tensor_view<In> in, const_tensor_view<shape<Units>>,
                          const_tensor_view<shape<Units>> d_out, tensor_view<In> d_in, context& ctx)
            {
                const auto rows = static_cast<Eigen::Index>(in.batch());
                const_matrix_map x(in.data(), rows, inputs);
                const_matrix_map d_y(d_out.data(), rows, Units);

                if (!d_in.empty())
                    matrix_map(d_in.data(), rows, inputs).noalias() = d_y * weight_matrix();
                if (!ctx.parameter_gradients)
                    return;

                if constexpr (biased)
                    vector_map(bias_gradients_, Units) += d_y.colwise().sum();

                if constexpr (normalized)
                {
                    matrix_map d_w(effective_gradient_.data(), Units, inputs);
                    d_w.noalias() = d_y.transpose() * x;
                    accumulate_direction_and_scale_gradients();
                }
                else
                {
                    matrix_map(weight_gradients_, Units, inputs).noalias() += d_y.transpose() * x;
                }
            }

        private:
            const_matrix_map weight_matrix() const
            {
                return const_matrix_map(normalized ? effective_.data() : weights_, Units, inputs);
            }

            // W = diag(g / ‖v‖) V.
            void refresh_effective_weights()
            {
                const_matrix_map v(weights_, Units, inputs);
                matrix_map w(effective_.data(), Units, inputs);
                for (std::size_t unit = 0; unit < Units; ++unit)
                {
                    const auto row = static_cast<Eigen::Index>(unit);
                    norms_[unit] = std::sqrt(v.row(row).squaredNorm() + weight_norm_epsilon);
                    w.row(row) = v.row(row) * (scale_[unit] / norms_[unit]);
                }
            }

            // g = 1 / σ(t), b = -μ(t) / σ(t) for the pre-activations t = x (v / ‖v‖)ᵀ of this
            // batch; the output is then the standardized t.
            void initialize_from(const const_matrix_map& x, matrix_map& y)
            {
                std::fill_n(scale_, Units, 1.0f);
                refresh_effective_weights();
                y.noalias() = x * weight_matrix().transpose();

                const auto rows = static_cast<float>(x.rows());
                for (std::size_t unit = 0; unit < Units; ++unit)
                {
                    auto column = y.col(static_cast<Eigen::Index>(unit));
                    const float mean = column.sum() / rows;
                    const float variance = (column.array() - mean).square().sum() / rows;
                    const float inverse_std = init_scale / std::sqrt(variance + 1e-10f);
                    scale_[unit] = inverse_std;
                    if constexpr (biased)
                    {
                        bias_[unit] = -mean * inverse_std;
                        column = (column.array() - mean) * inverse_std;
                    }
                    else
                    {
                        column *= inverse_std;
                    }
                }
                refresh_effective_weights();
            }

            // With G = dL/dW: dL/dg = G·v / ‖v‖, dL/dv = (g / ‖v‖) (G - (dL/dg / ‖v‖) v).
            void accumulate_direction_and_scale_gradients()
            {
                const_matrix_map v(weights_, Units, inputs);
                const_matrix_map d_w(effective_gradient_.data(), Units, inputs);
                matrix_map d_v(weight_gradients_, Units, inputs);
                for (std::size_t unit = 0; unit < Units; ++unit)
                {
                    const auto row = static_cast<Eigen::Index>(unit);
                    const float norm = norms_[unit];
                    const float d_scale = d_w.row(row).dot(v.row(row)) / norm;
                    scale_gradients_[unit] += d_scale;
                    d_v.row(row) +=
                        (scale_[unit] / norm) * (d_w.row(row) - (d_scale / norm) * v.row(row));
                }
            }

            float* weights_ = nullptr;
            float* weight_gradients_ = nullptr;
            float* scale_ = nullptr;
            float* scale_gradients_ = nullptr;
            float* bias_ = nullptr;
            float* bias_gradients_ = nullptr;
            aligned_buffer effective_;
            aligned_buffer effective_gradient_;
            aligned_buffer norms_;
        };
    }

    template <std::size_t Units, class... Options>
    struct dense
    {
        static_assert(Units > 0, "dense: the number of units is positive");

        template <shape_type In>
        using bind = detail::dense_layer<Units, In, Options...>;
    };
}
