// Counts heap allocations while a scope is open: the program that includes this header
// (exactly one translation unit of it) replaces the global operator new and the C allocation
// functions (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign), so allocations
// made inside shared libraries such as oneDNN and libgomp count too. The replacements forward
// to glibc's own __libc_* functions.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <new>

#include <malloc.h>
#include <stdlib.h>

extern "C"
{
    void* __libc_malloc(std::size_t);
    void* __libc_calloc(std::size_t, std::size_t);
    void* __libc_realloc(void*, std::size_t);
    void* __libc_memalign(std::size_t, std::size_t);
    void __libc_free(void*);
}

namespace ssgan::bench
{
    inline std::atomic<bool> counting_allocations{false};
    inline std::atomic<std::size_t> allocations_counted{0};

    inline void note_allocation() noexcept
    {
        if (counting_allocations.load(std::memory_order_relaxed))
            allocations_counted.fetch_add(1, std::memory_order_relaxed);
    }

    // Allocations made by any thread between construction and count().
    class allocation_count
    {
    public:
        allocation_count()
        {
            allocations_counted = 0;
            counting_allocations = true;
        }
        ~allocation_count() { counting_allocations = false; }

        std::size_t count() const
        {
            counting_allocations = false;
            return allocations_counted;
        }
    };

    inline void* aligned_or_null(std::size_t alignment, std::size_t size) noexcept
    {
        note_allocation();
        return __libc_memalign(alignment, size);
    }
}

extern "C"
{
    void* malloc(std::size_t size) noexcept
    {
        ssgan::bench::note_allocation();
        return __libc_malloc(size);
    }

    void* calloc(std::size_t count, std::size_t size) noexcept
    {
        ssgan::bench::note_allocation();
        return __libc_calloc(count, size);
    }

    void* realloc(void* pointer, std::size_t size) noexcept
    {
        ssgan::bench::note_allocation();
        return __libc_realloc(pointer, size);
    }

    void free(void* pointer) noexcept
    {
        __libc_free(pointer);
    }

    int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept
    {
        void* pointer = ssgan::bench::aligned_or_null(alignment, size);
        if (pointer == nullptr)
            return ENOMEM;
        *out = pointer;
        return 0;
    }

    void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept
    {
        return ssgan::bench::aligned_or_null(alignment, size);
    }

    void* memalign(std::size_t alignment, std::size_t size) noexcept
    {
        return ssgan::bench::aligned_or_null(alignment, size);
    }
}

void* operator new(std::size_t size)
{
    if (void* pointer = malloc(size == 0 ? 1 : size))
        return pointer;
    throw std::bad_alloc();
}

void* operator new[](std::size_t size)
{
    return operator new(size);
}

void* operator new(std::size_t size, std::align_val_t alignment)
{
    if (void* pointer = aligned_alloc(static_cast<std::size_t>(alignment), size == 0 ? 1 : size))
        return pointer;
    throw std::bad_alloc();
}

void* operator new[](std::size_t size, std::align_val_t alignment)
{
    return operator new(size, alignment);
}

void* operator new(std::size_t size, const std::nothrow_t&) noexcept
{
    return malloc(size == 0 ? 1 : size);
}

void* operator new[](std::size_t size, const std::nothrow_t&) noexcept
{
    return malloc(size == 0 ? 1 : size);
}

void operator delete(void* pointer) noexcept
{
    free(pointer);
}
void operator delete[](void* pointer) noexcept
{
    free(pointer);
}
void operator delete(void* pointer, std::size_t) noexcept
{
    free(pointer);
}
void operator delete[](void* pointer, std::size_t) noexcept
{
    free(pointer);
}
void operator delete(void* pointer, std::align_val_t) noexcept
{
    free(pointer);
}
void operator delete[](void* pointer, std::align_val_t) noexcept
{
    free(pointer);
}
void operator delete(void* pointer, std::size_t, std::align_val_t) noexcept
{
    free(pointer);
}
void operator delete[](void* pointer, std::size_t, std::align_val_t) noexcept
{
    free(pointer);
}
