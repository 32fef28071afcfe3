// std::vector for the heap stage's large arrays (one element per object or per edge): big
// allocations get their own mapping with transparent huge pages (MADV_HUGEPAGE), so filling
// hundreds of megabytes costs one page fault per 2 MiB instead of per 4 KiB.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

namespace pycore::heap {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kMapAbove = size_t{4} << 20;  // smaller arrays: plain malloc
  static constexpr size_t kHuge = size_t{2} << 20;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMapAbove) {
      if (void* p = std::malloc(bytes)) return static_cast<T*>(p);
      throw std::bad_alloc();
    }
    void* p =
        mmap(nullptr, round(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    madvise(p, round(bytes), MADV_HUGEPAGE);  // advisory
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMapAbove)
      std::free(p);
    else
      munmap(p, round(bytes));
  }
  static size_t round(size_t bytes) { return (bytes + kHuge - 1) / kHuge * kHuge; }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

template <class T>
using BigVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace pycore::heap
