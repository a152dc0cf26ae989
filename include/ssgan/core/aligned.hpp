// Storage aligned to 64 bytes (one cache line, one AVX-512 register), the alignment every
// tensor, parameter buffer and activation of the library has.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace ssgan
{
    inline constexpr std::size_t tensor_alignment = 64;

    template <class T>
    struct aligned_allocator
    {
        using value_type = T;

        aligned_allocator() noexcept = default;

        template <class U>
        aligned_allocator(const aligned_allocator<U>&) noexcept
        {
        }

        T* allocate(std::size_t count)
        {
            return static_cast<T*>(
                ::operator new (count * sizeof(T), std::align_val_t{tensor_alignment}));
        }

        void deallocate(T* pointer, std::size_t) noexcept
        {
            ::operator delete (pointer, std::align_val_t{tensor_alignment});
        }

        template <class U>
        bool operator==(const aligned_allocator<U>&) const noexcept
        {
            return true;
        }
    };

    using aligned_buffer = std::vector<float, aligned_allocator<float>>;
}
