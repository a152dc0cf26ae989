// Element-wise activations on oneDNN eltwise primitives: relu, leaky_relu<slope>, tanh,
// sigmoid, softplus. Any input shape; the output has the same shape. Primitives and their
// memory objects are planned once per batch size, so a step only swaps data pointers.
// relu, leaky_relu, tanh and sigmoid compute their gradient from their output alone, so a
// network may run them inside the convolution before them (see nn/network.hpp); softplus
// needs its input and always runs on its own.
#pragma once

#include "../core/dnnl_runtime.hpp"
#include "../nn/layer.hpp"

#include <concepts>
#include <string>
#include <unordered_map>

namespace ssgan
{
    namespace detail
    {
        // An activation spec that can run as a post-op of the layer before it: its backward
        // reads only its output (which the fused pass writes; its input is then never
        // written), and `fused_algorithm` is its forward as a post-op: the plain twin of its
        // *_use_dst_for_bwd algorithm, which computes the same forward and leaves out what only
        // a backward pass would use.
        template <class Spec>
        concept fusable_eltwise_spec = Spec::backward_uses_output &&
            std::convertible_to<decltype(Spec::fused_algorithm), dnnl::algorithm>;

        // Spec: which oneDNN algorithm runs forward, which runs backward (the *_use_dst_for_bwd
        // variants take the output instead of the input, which the network keeps anyway).
        template <class Spec, shape_type In>
        class eltwise_layer : public layer_base<In, In>
        {
        public:
            static std::string describe() { return Spec::describe(); }

            // This activation as a post-op of the layer before it; only for specs whose
            // backward needs nothing but the output.
            static constexpr eltwise_post_op post_op() requires fusable_eltwise_spec<Spec>
            {
                return {Spec::fused_algorithm, Spec::alpha(), Spec::beta()};
            }

            void forward(const_tensor_view<In> in, tensor_view<In> out, context&)
            {
                plan& current = plan_for(in.batch());
                current.source.set_data_handle(const_cast<float*>(in.data()));
                current.destination.set_data_handle(out.data());
                current.forward.execute(dnnl_runtime::get().stream(), current.forward_arguments);
                dnnl_runtime::get().stream().wait();
            }

            void backward(const_tensor_view<In> in, const_tensor_view<In> out,
                          const_tensor_view<In> d_out, tensor_view<In> d_in, context&)
            {
                if (d_in.empty())
                    return;
                plan& current = plan_for(in.batch());
                const float* saved = Spec::backward_uses_output ? out.data() : in.data();
                current.source.set_data_handle(const_cast<float*>(saved));
                current.diff_destination.set_data_handle(const_cast<float*>(d_out.data()));
                current.diff_source.set_data_handle(d_in.data());
                current.backward.execute(dnnl_runtime::get().stream(), current.backward_arguments);
                dnnl_runtime::get().stream().wait();
            }

        private:
            struct plan
            {
                dnnl::eltwise_forward forward;
                dnnl::eltwise_backward backward;
                dnnl::memory source, destination, diff_destination, diff_source;
                std::unordered_map<int, dnnl::memory> forward_arguments, backward_arguments;
            };

            plan& plan_for(std::size_t batch)
            {
                return plans_.get(
                    batch,
                    [](std::size_t rows)
                    {
                        using namespace dnnl_compat;
                        auto& engine = dnnl_runtime::get().engine();
                        const dnnl::memory::dims dims{static_cast<dnnl::memory::dim>(rows),
                                                      static_cast<dnnl::memory::dim>(In::size)};
                        const auto desc = plain_desc(dims, tag::nc);
                        const auto forward_pd = eltwise_forward(dnnl::prop_kind::forward_training,
                                                                Spec::forward_algorithm, desc,
                                                                Spec::alpha(), Spec::beta());
                        const auto backward_pd =
                            eltwise_backward(Spec::backward_algorithm, desc, Spec::alpha(),
                                             Spec::beta(), forward_pd);

                        plan made{dnnl::eltwise_forward(forward_pd),
                                  dnnl::eltwise_backward(backward_pd),
                                  dnnl::memory(desc, engine, DNNL_MEMORY_NONE),
                                  dnnl::memory(desc, engine, DNNL_MEMORY_NONE),
                                  dnnl::memory(desc, engine, DNNL_MEMORY_NONE),
                                  dnnl::memory(desc, engine, DNNL_MEMORY_NONE),
                                  {},
                                  {}};
                        made.forward_arguments = {{DNNL_ARG_SRC, made.source},
                                                  {DNNL_ARG_DST, made.destination}};
                        const int saved_argument =
                            Spec::backward_uses_output ? DNNL_ARG_DST : DNNL_ARG_SRC;
                        made.backward_arguments = {{saved_argument, made.source},
                                                   {DNNL_ARG_DIFF_DST, made.diff_destination},
                                                   {DNNL_ARG_DIFF_SRC, made.diff_source}};
                        return made;
                    });
            }

            plan_cache<plan> plans_;
        };
    }

    // max(x, 0)
    struct relu
    {
        static constexpr auto forward_algorithm = dnnl::algorithm::eltwise_relu_use_dst_for_bwd;
        static constexpr auto backward_algorithm = forward_algorithm;
        static constexpr auto fused_algorithm = dnnl::algorithm::eltwise_relu;
        static constexpr bool backward_uses_output = true;
        static constexpr float alpha() { return 0.0f; }
        static constexpr float beta() { return 0.0f; }
        static std::string describe() { return "relu"; }

        template <shape_type In>
        using bind = detail::eltwise_layer<relu, In>;
    };

    // x for x > 0, slope · x otherwise.
    template <float Slope = 0.2f>
    struct leaky_relu
    {
        static_assert(Slope >= 0.0f && Slope < 1.0f, "leaky_relu: the slope lies in [0, 1)");

        // With a slope of at least 0 the output's sign is the input's, so the gradient (1 or
        // the slope) follows from the output; oneDNN's *_use_dst_for_bwd relu asks alpha ≥ 0.
        static constexpr auto forward_algorithm = dnnl::algorithm::eltwise_relu_use_dst_for_bwd;
        static constexpr auto backward_algorithm = forward_algorithm;
        static constexpr auto fused_algorithm = dnnl::algorithm::eltwise_relu;
        static constexpr bool backward_uses_output = true;
        static constexpr float alpha() { return Slope; }
        static constexpr float beta() { return 0.0f; }
        static std::string describe() { return "leaky_relu<" + detail::float_text(Slope) + ">"; }

        template <shape_type In>
        using bind = detail::eltwise_layer<leaky_relu, In>;
    };

    struct tanh
    {
        static constexpr auto forward_algorithm = dnnl::algorithm::eltwise_tanh_use_dst_for_bwd;
        static constexpr auto backward_algorithm = forward_algorithm;
        static constexpr auto fused_algorithm = dnnl::algorithm::eltwise_tanh;
        static constexpr bool backward_uses_output = true;
        static constexpr float alpha() { return 0.0f; }
        static constexpr float beta() { return 0.0f; }
        static std::string describe() { return "tanh"; }

        template <shape_type In>
        using bind = detail::eltwise_layer<tanh, In>;
    };

    // 1 / (1 + e^-x)
    struct sigmoid
    {
        static constexpr auto forward_algorithm = dnnl::algorithm::eltwise_logistic_use_dst_for_bwd;
        static constexpr auto backward_algorithm = forward_algorithm;
        static constexpr auto fused_algorithm = dnnl::algorithm::eltwise_logistic;
        static constexpr bool backward_uses_output = true;
        static constexpr float alpha() { return 0.0f; }
        static constexpr float beta() { return 0.0f; }
        static std::string describe() { return "sigmoid"; }

        template <shape_type In>
        using bind = detail::eltwise_layer<sigmoid, In>;
    };

    // log(1 + e^x)
    struct softplus
    {
        static constexpr auto forward_algorithm = dnnl_compat::softplus_algorithm;
        static constexpr auto backward_algorithm = forward_algorithm;
        static constexpr bool backward_uses_output = false;
        static constexpr float alpha() { return dnnl_compat::softplus_alpha; }
        static constexpr float beta() { return 0.0f; }
        static std::string describe() { return "softplus"; }

        template <shape_type In>
        using bind = detail::eltwise_layer<softplus, In>;
    };
}
