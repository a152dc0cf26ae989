// Finite-difference checks for one bound layer: backward's gradients with respect to the
// input and to every parameter against central differences of L = Σ out ⊙ w for a random w.
// Dropout and noise are frozen after the first forward (context::reuse_noise), and batch norm's
// running statistics are frozen too, so every difference quotient sees one fixed function.
#pragma once

#include <ssgan/ssgan.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <span>
#include <vector>

namespace ssgan::testing
{
    struct gradient_report
    {
        double input_error = 0.0;     // largest |analytic - numeric| / max(1, |numeric|)
        double parameter_error = 0.0; // the same over parameters
        std::size_t checked_inputs = 0;
        std::size_t checked_parameters = 0;
        // The largest |numeric| seen: a check whose gradients are all zero proves nothing.
        double largest_input_gradient = 0.0;
        double largest_parameter_gradient = 0.0;
    };

    inline std::ostream& operator<<(std::ostream& out, const gradient_report& report)
    {
        return out << "input error " << report.input_error << " over " << report.checked_inputs
                   << " inputs (largest gradient " << report.largest_input_gradient
                   << "), parameter error " << report.parameter_error << " over "
                   << report.checked_parameters << " parameters (largest gradient "
                   << report.largest_parameter_gradient << ")";
    }

    struct gradient_options
    {
        std::size_t batch = 3;
        ssgan::mode run_mode = ssgan::mode::train;
        double step = 1e-2;
        std::uint64_t seed = 7;
        // Inputs whose magnitude is below this are pushed away from zero, so kinks (relu at
        // zero) are never inside a difference quotient.
        float avoid_zero = 0.0f;
        std::size_t max_checks = 400; // per input and per parameter set
        // Sets the layer's non-trainable state after initialization, for instance running
        // statistics other than batch norm's initial mean 0 and variance 1 for an eval check.
        std::function<void(std::span<float> state)> prepare_state;
    };

    // A layer with its own buffers, as the network would attach them.
    template <class Layer>
    struct layer_rig
    {
        using in_shape = typename Layer::input_shape;
        using out_shape = typename Layer::output_shape;

        Layer layer;
        std::vector<float> values = zeros(Layer::parameter_count);
        std::vector<float> gradients = zeros(Layer::parameter_count);
        std::vector<float> state = zeros(Layer::state_count);

        explicit layer_rig(random_stream& random)
        {
            layer.attach({values, gradients, state});
            layer.initialize(random);
        }

    private:
        // Storage for whole 64-byte lines. With -O3 -march=native, GCC 12 inlines Eigen's
        // AVX-512 loops into a test and, seeing a buffer shorter than one 16-float packet,
        // warns (-Warray-bounds) about the packet path that the sizes rule out at run time.
        static std::vector<float> zeros(std::size_t count)
        {
            std::vector<float> buffer;
            buffer.reserve((count + 15) / 16 * 16);
            buffer.resize(count, 0.0f);
            return buffer;
        }
    };

    // (f(value + step) - f(value - step)) / (2 step), restoring value afterwards.
    template <class Function>
    double central_difference(Function&& function, float& value, double step)
    {
        const float saved = value;
        value = static_cast<float>(saved + step);
        const double plus = function();
        value = static_cast<float>(saved - step);
        const double minus = function();
        value = saved;
        return (plus - minus) / (2.0 * step);
    }

    template <class Layer>
    gradient_report check_gradients(const gradient_options& options = {})
    {
        using in_shape = typename Layer::input_shape;
        using out_shape = typename Layer::output_shape;

        random_stream random(options.seed);
        layer_rig<Layer> rig(random);
        // Perturb parameters away from their tidy initial values (γ = 1, β = 0, g = 1).
        if (!rig.values.empty())
        {
            std::vector<float> jitter(rig.values.size());
            random.fill_normal(jitter, 0.0f, 0.1f);
            for (std::size_t i = 0; i < jitter.size(); ++i)
                rig.values[i] += jitter[i];
        }
        if (options.prepare_state)
            options.prepare_state(rig.state);

        tensor<in_shape> in(options.batch);
        random.fill_normal(in.span(), 0.0f, 1.0f);
        for (float& value : in.span())
            if (std::abs(value) < options.avoid_zero)
                value = value < 0 ? value - options.avoid_zero : value + options.avoid_zero;

        tensor<out_shape> weights(options.batch);
        random.fill_normal(weights.span(), 0.0f, 1.0f);

        context ctx(random, options.run_mode);
        tensor<out_shape> out(options.batch);
        rig.layer.forward(in, out.view(), ctx);
        ctx.reuse_noise = true;
        ctx.freeze_statistics = true;

        tensor<in_shape> d_in(options.batch);
        std::fill(rig.gradients.begin(), rig.gradients.end(), 0.0f);
        rig.layer.backward(in, out, weights, d_in.view(), ctx);

        auto loss = [&]
        {
            rig.layer.forward(in, out.view(), ctx);
            double total = 0.0;
            for (std::size_t i = 0; i < out.size(); ++i)
                total += static_cast<double>(out[i]) * weights[i];
            return total;
        };
        auto error = [](double analytic, double expected)
        { return std::abs(analytic - expected) / std::max(1.0, std::abs(expected)); };

        gradient_report report;
        const std::size_t input_stride = std::max<std::size_t>(1, in.size() / options.max_checks);
        for (std::size_t i = 0; i < in.size(); i += input_stride)
        {
            const double numeric = central_difference(loss, in[i], options.step);
            report.input_error = std::max(report.input_error, error(d_in[i], numeric));
            report.largest_input_gradient =
                std::max(report.largest_input_gradient, std::abs(numeric));
            ++report.checked_inputs;
        }
        const std::size_t parameter_stride =
            std::max<std::size_t>(1, rig.values.size() / options.max_checks);
        for (std::size_t i = 0; i < rig.values.size(); i += parameter_stride)
        {
            const double numeric = central_difference(loss, rig.values[i], options.step);
            report.parameter_error =
                std::max(report.parameter_error, error(rig.gradients[i], numeric));
            report.largest_parameter_gradient =
                std::max(report.largest_parameter_gradient, std::abs(numeric));
            ++report.checked_parameters;
        }
        return report;
    }
}
