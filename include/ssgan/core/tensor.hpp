// Tensors: a batch of samples of one compile-time shape, stored contiguously (sample after
// sample, each in row-major order of its shape). `tensor` owns 64-byte aligned storage;
// `tensor_view` and `const_tensor_view` borrow it and are what layers take and give.
#pragma once

#include "aligned.hpp"
#include "shape.hpp"

#include <cstddef>
#include <span>

namespace ssgan
{
    template <shape_type S>
    class const_tensor_view;

    template <shape_type S>
    class tensor_view
    {
    public:
        using shape_type = S;

        tensor_view() = default;
        tensor_view(float* data, std::size_t batch) : data_(data), batch_(batch) {}

        float* data() const { return data_; }
        std::size_t batch() const { return batch_; }
        std::size_t size() const { return batch_ * S::size; }
        bool empty() const { return data_ == nullptr; }
        float* sample(std::size_t index) const { return data_ + index * S::size; }
        float& operator[](std::size_t index) const { return data_[index]; }
        std::span<float> span() const { return {data_, size()}; }

    private:
        float* data_ = nullptr;
        std::size_t batch_ = 0;
    };

    template <shape_type S>
    class const_tensor_view
    {
    public:
        using shape_type = S;

        const_tensor_view() = default;
        const_tensor_view(const float* data, std::size_t batch) : data_(data), batch_(batch) {}
        const_tensor_view(tensor_view<S> view) : data_(view.data()), batch_(view.batch()) {}

        const float* data() const { return data_; }
        std::size_t batch() const { return batch_; }
        std::size_t size() const { return batch_ * S::size; }
        bool empty() const { return data_ == nullptr; }
        const float* sample(std::size_t index) const { return data_ + index * S::size; }
        const float& operator[](std::size_t index) const { return data_[index]; }
        std::span<const float> span() const { return {data_, size()}; }

    private:
        const float* data_ = nullptr;
        std::size_t batch_ = 0;
    };

    template <shape_type S>
    class tensor
    {
    public:
        using shape_type = S;

        tensor() = default;
        explicit tensor(std::size_t batch, float value = 0.0f)
            : storage_(batch * S::size, value), batch_(batch)
        {
        }

        // Changes the batch size; the contents are unspecified afterwards.
        void resize(std::size_t batch)
        {
            storage_.resize(batch * S::size);
            batch_ = batch;
        }

        float* data() { return storage_.data(); }
        const float* data() const { return storage_.data(); }
        std::size_t batch() const { return batch_; }
        std::size_t size() const { return storage_.size(); }
        float& operator[](std::size_t index) { return storage_[index]; }
        float operator[](std::size_t index) const { return storage_[index]; }
        std::span<float> span() { return {storage_.data(), storage_.size()}; }
        std::span<const float> span() const { return {storage_.data(), storage_.size()}; }

        tensor_view<S> view() { return {storage_.data(), batch_}; }
        const_tensor_view<S> view() const { return {storage_.data(), batch_}; }
        operator tensor_view<S>() { return view(); }
        operator const_tensor_view<S>() const { return view(); }

    private:
        aligned_buffer storage_;
        std::size_t batch_ = 0;
    };
}
