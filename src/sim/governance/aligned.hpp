// Storage aligned to a cache line for the vector kernels' arrays: a 64-byte vector load or
// store of a field row (one AVX-512 register, one tile row) then touches one line, not two
// (the heap aligns large blocks to 16 bytes only).
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace pdlab::gov {

template <class T>
struct LineAligned {
  using value_type = T;
  static constexpr std::size_t kAlign = 64;
  LineAligned() = default;
  template <class U>
  LineAligned(const LineAligned<U>& /*other*/) {}  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{kAlign}));
  }
  void deallocate(T* p, std::size_t /*n*/) { ::operator delete (p, std::align_val_t{kAlign}); }
  template <class U>
  bool operator==(const LineAligned<U>& /*other*/) const {
    return true;
  }
  template <class U>
  bool operator!=(const LineAligned<U>& /*other*/) const {
    return false;
  }
};

template <class T>
using aligned_vector = std::vector<T, LineAligned<T>>;

}  // namespace pdlab::gov
