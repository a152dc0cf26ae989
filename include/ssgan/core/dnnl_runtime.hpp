// The oneDNN engine and stream every layer shares, and the few calls whose spelling
// differs between the oneDNN 2.x API (Debian 12 ships 2.6) and the 3.x API. Layers build
// their primitives through these helpers only, so one header absorbs the version change.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <compare>
#include <cstddef>
#include <map>
#include <utility>

namespace ssgan
{
    // An element-wise operation a convolution applies to its result before writing it (a
    // oneDNN post-op): dst = f(conv(src)), f the algorithm with its alpha and beta. Ordered, so
    // it can be part of a plan's key.
    struct eltwise_post_op
    {
        dnnl::algorithm algorithm;
        float alpha;
        float beta;

        friend auto operator<=>(const eltwise_post_op&, const eltwise_post_op&) = default;
    };

    class dnnl_runtime
    {
    public:
        static dnnl_runtime& get()
        {
            static dnnl_runtime runtime;
            return runtime;
        }

        dnnl::engine& engine() { return engine_; }
        dnnl::stream& stream() { return stream_; }

    private:
        dnnl_runtime() : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {}

        dnnl::engine engine_;
        dnnl::stream stream_;
    };

    namespace dnnl_compat
    {
        using tag = dnnl::memory::format_tag;
        using dt = dnnl::memory::data_type;

        inline dnnl::memory::desc plain_desc(const dnnl::memory::dims& dims, tag format)
        {
            return dnnl::memory::desc(dims, dt::f32, format);
        }

        // Wraps caller-owned storage (no copy) in a oneDNN memory object.
        inline dnnl::memory wrap(const dnnl::memory::desc& desc, const float* data)
        {
            return dnnl::memory(desc, dnnl_runtime::get().engine(), const_cast<float*>(data));
        }

#if DNNL_VERSION_MAJOR >= 3
        inline dnnl::eltwise_forward::primitive_desc eltwise_forward(dnnl::prop_kind kind,
                                                                     dnnl::algorithm algorithm,
                                                                     const dnnl::memory::desc& desc,
                                                                     float alpha, float beta)
        {
            return {dnnl_runtime::get().engine(), kind, algorithm, desc, desc, alpha, beta};
        }

        inline dnnl::eltwise_backward::primitive_desc
        eltwise_backward(dnnl::algorithm algorithm, const dnnl::memory::desc& desc, float alpha,
                         float beta, const dnnl::eltwise_forward::primitive_desc& hint)
        {
            return {dnnl_runtime::get().engine(), algorithm, desc, desc, desc, alpha, beta, hint};
        }

        inline dnnl::batch_normalization_forward::primitive_desc
        batch_norm_forward(dnnl::prop_kind kind, const dnnl::memory::desc& desc, float epsilon,
                           dnnl::normalization_flags flags)
        {
            return {dnnl_runtime::get().engine(), kind, desc, desc, epsilon, flags};
        }

        inline dnnl::batch_normalization_backward::primitive_desc
        batch_norm_backward(const dnnl::memory::desc& desc, float epsilon,
                            dnnl::normalization_flags flags,
                            const dnnl::batch_normalization_forward::primitive_desc& hint)
        {
            return {dnnl_runtime::get().engine(),
                    dnnl::prop_kind::backward,
                    desc,
                    desc,
                    desc,
                    epsilon,
                    flags,
                    hint};
        }

        // oneDNN 3 names softplus "soft_relu" with a beta in alpha; beta 1 is log(1 + e^x).
        inline constexpr dnnl::algorithm softplus_algorithm = dnnl::algorithm::eltwise_soft_relu;
        inline constexpr float softplus_alpha = 1.0f;
#else
        inline dnnl::eltwise_forward::primitive_desc eltwise_forward(dnnl::prop_kind kind,
                                                                     dnnl::algorithm algorithm,
                                                                     const dnnl::memory::desc& desc,
                                                                     float alpha, float beta)
        {
            dnnl::eltwise_forward::desc op(kind, algorithm, desc, alpha, beta);
            return {op, dnnl_runtime::get().engine()};
        }

        inline dnnl::eltwise_backward::primitive_desc
        eltwise_backward(dnnl::algorithm algorithm, const dnnl::memory::desc& desc, float alpha,
                         float beta, const dnnl::eltwise_forward::primitive_desc& hint)
        {
            dnnl::eltwise_backward::desc op(algorithm, desc, desc, alpha, beta);
            return {op, dnnl_runtime::get().engine(), hint};
        }

        inline dnnl::batch_normalization_forward::primitive_desc
        batch_norm_forward(dnnl::prop_kind kind, const dnnl::memory::desc& desc, float epsilon,
                           dnnl::normalization_flags flags)
        {
            dnnl::batch_normalization_forward::desc op(kind, desc, epsilon, flags);
            return {op, dnnl_runtime::get().engine()};
        }

        inline dnnl::batch_normalization_backward::primitive_desc
        batch_norm_backward(const dnnl::memory::desc& desc, float epsilon,
                            dnnl::normalization_flags flags,
                            const dnnl::batch_normalization_forward::primitive_desc& hint)
        {
            dnnl::batch_normalization_backward::desc op(dnnl::prop_kind::backward, desc, desc,
                                                        epsilon, flags);
            return {op, dnnl_runtime::get().engine(), hint};
        }

        inline constexpr dnnl::algorithm softplus_algorithm = dnnl::algorithm::eltwise_soft_relu;
        inline constexpr float softplus_alpha = 0.0f;
#endif

        // Convolutions and transposed convolutions, direct algorithm, for conv.hpp and
        // deconv.hpp. The two share their descriptor signatures, so one template per pass
        // serves both (Primitive is dnnl::convolution_* or dnnl::deconvolution_*). A zero
        // `bias` descriptor means no bias term. `padding_after` may be negative, down to
        // 1 - stride: a transposed convolution whose requested output ends past its last
        // kernel tap, as TensorFlow's output-size rules allow.
        struct strided_geometry
        {
            dnnl::memory::dims strides;
            dnnl::memory::dims padding_before;
            dnnl::memory::dims padding_after;
        };

        // Attributes that make a primitive apply `activation` to its result. oneDNN 3 dropped
        // the scale argument of append_eltwise; 2.x multiplies the result by it.
        inline dnnl::primitive_attr with_post_op(const eltwise_post_op& activation)
        {
            dnnl::post_ops operations;
#if DNNL_VERSION_MAJOR >= 3
            operations.append_eltwise(activation.algorithm, activation.alpha, activation.beta);
#else
            operations.append_eltwise(1.0f, activation.algorithm, activation.alpha,
                                      activation.beta);
#endif
            dnnl::primitive_attr attributes;
            attributes.set_post_ops(operations);
            return attributes;
        }

        // A copy between two layouts of one tensor (the same call in 2.x and 3.x).
        inline dnnl::reorder::primitive_desc reorder_between(const dnnl::memory::desc& from,
                                                             const dnnl::memory::desc& to)
        {
            auto& engine = dnnl_runtime::get().engine();
            return dnnl::reorder::primitive_desc(engine, from, engine, to);
        }

#if DNNL_VERSION_MAJOR >= 3
        template <class Primitive>
        typename Primitive::primitive_desc
        strided_forward(dnnl::algorithm algorithm, const dnnl::memory::desc& source,
                        const dnnl::memory::desc& weights, const dnnl::memory::desc& bias,
                        const dnnl::memory::desc& destination, const strided_geometry& geometry,
                        const dnnl::primitive_attr& attributes = {})
        {
            auto& engine = dnnl_runtime::get().engine();
            const auto kind = dnnl::prop_kind::forward_training;
            if (bias.is_zero())
                return {engine,
                        kind,
                        algorithm,
                        source,
                        weights,
                        destination,
                        geometry.strides,
                        geometry.padding_before,
                        geometry.padding_after,
                        attributes};
            return {engine,
                    kind,
                    algorithm,
                    source,
                    weights,
                    bias,
                    destination,
                    geometry.strides,
                    geometry.padding_before,
                    geometry.padding_after,
                    attributes};
        }

        template <class Primitive, class ForwardHint>
        typename Primitive::primitive_desc
        strided_backward_data(dnnl::algorithm algorithm, const dnnl::memory::desc& diff_source,
                              const dnnl::memory::desc& weights,
                              const dnnl::memory::desc& diff_destination,
                              const strided_geometry& geometry, const ForwardHint& hint)
        {
            return {dnnl_runtime::get().engine(),
                    algorithm,
                    diff_source,
                    weights,
                    diff_destination,
                    geometry.strides,
                    geometry.padding_before,
                    geometry.padding_after,
                    hint};
        }

        template <class Primitive, class ForwardHint>
        typename Primitive::primitive_desc
        strided_backward_weights(dnnl::algorithm algorithm, const dnnl::memory::desc& source,
                                 const dnnl::memory::desc& diff_weights,
                                 const dnnl::memory::desc& diff_bias,
                                 const dnnl::memory::desc& diff_destination,
                                 const strided_geometry& geometry, const ForwardHint& hint)
        {
            auto& engine = dnnl_runtime::get().engine();
            if (diff_bias.is_zero())
                return {engine,
                        algorithm,
                        source,
                        diff_weights,
                        diff_destination,
                        geometry.strides,
                        geometry.padding_before,
                        geometry.padding_after,
                        hint};
            return {engine,
                    algorithm,
                    source,
                    diff_weights,
                    diff_bias,
                    diff_destination,
                    geometry.strides,
                    geometry.padding_before,
                    geometry.padding_after,
                    hint};
        }
#else
        template <class Primitive>
        typename Primitive::primitive_desc
        strided_forward(dnnl::algorithm algorithm, const dnnl::memory::desc& source,
                        const dnnl::memory::desc& weights, const dnnl::memory::desc& bias,
                        const dnnl::memory::desc& destination, const strided_geometry& geometry,
                        const dnnl::primitive_attr& attributes = {})
        {
            auto& engine = dnnl_runtime::get().engine();
            const auto kind = dnnl::prop_kind::forward_training;
            if (bias.is_zero())
            {
                typename Primitive::desc op(kind, algorithm, source, weights, destination,
                                            geometry.strides, geometry.padding_before,
                                            geometry.padding_after);
                return {op, attributes, engine};
            }
            typename Primitive::desc op(kind, algorithm, source, weights, bias, destination,
                                        geometry.strides, geometry.padding_before,
                                        geometry.padding_after);
            return {op, attributes, engine};
        }

        template <class Primitive, class ForwardHint>
        typename Primitive::primitive_desc
        strided_backward_data(dnnl::algorithm algorithm, const dnnl::memory::desc& diff_source,
                              const dnnl::memory::desc& weights,
                              const dnnl::memory::desc& diff_destination,
                              const strided_geometry& geometry, const ForwardHint& hint)
        {
            typename Primitive::desc op(algorithm, diff_source, weights, diff_destination,
                                        geometry.strides, geometry.padding_before,
                                        geometry.padding_after);
            return {op, dnnl_runtime::get().engine(), hint};
        }

        template <class Primitive, class ForwardHint>
        typename Primitive::primitive_desc
        strided_backward_weights(dnnl::algorithm algorithm, const dnnl::memory::desc& source,
                                 const dnnl::memory::desc& diff_weights,
                                 const dnnl::memory::desc& diff_bias,
                                 const dnnl::memory::desc& diff_destination,
                                 const strided_geometry& geometry, const ForwardHint& hint)
        {
            auto& engine = dnnl_runtime::get().engine();
            if (diff_bias.is_zero())
            {
                typename Primitive::desc op(algorithm, source, diff_weights, diff_destination,
                                            geometry.strides, geometry.padding_before,
                                            geometry.padding_after);
                return {op, engine, hint};
            }
            typename Primitive::desc op(algorithm, source, diff_weights, diff_bias,
                                        diff_destination, geometry.strides, geometry.padding_before,
                                        geometry.padding_after);
            return {op, engine, hint};
        }
#endif
    }

    // Primitives and their memory, planned once per key (the batch size, or the batch size and
    // whatever else changes the primitive) and reused every step. A layer sees a handful of
    // keys, so an ordered map is as quick as a hash and takes any key with an ordering.
    template <class Plan, class Key = std::size_t>
    class plan_cache
    {
    public:
        template <class Make>
        Plan& get(const Key& key, Make&& make)
        {
            auto found = plans_.find(key);
            if (found == plans_.end())
                found = plans_.emplace(key, make(key)).first;
            return found->second;
        }

    private:
        std::map<Key, Plan> plans_;
    };
}
