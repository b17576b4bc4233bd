// Many short strings in one buffer: no per-unit heap object for ids and names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pdlab {

class StringPool {
 public:
  StringPool() { offsets_.push_back(0); }
  // Returns false (and adds nothing) when the pool would exceed 4 GiB of text.
  bool push(std::string_view s) {
    if (data_.size() + s.size() > 0xffffffffULL) {
      return false;
    }
    data_.append(s);
    offsets_.push_back(static_cast<std::uint32_t>(data_.size()));
    return true;
  }
  [[nodiscard]] std::string_view operator[](std::size_t i) const {
    return {data_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]};
  }
  void clear() {
    std::string().swap(data_);
    std::vector<std::uint32_t>{0}.swap(offsets_);
  }
  [[nodiscard]] std::size_t size() const { return offsets_.size() - 1; }
  void reserve(std::size_t n, std::size_t bytes) {
    offsets_.reserve(n + 1);
    data_.reserve(bytes);
  }
  void shrink() {
    data_.shrink_to_fit();
    offsets_.shrink_to_fit();
  }
  [[nodiscard]] std::size_t bytes() const { return data_.capacity() + offsets_.capacity() * 4; }

 private:
  std::string data_;
  std::vector<std::uint32_t> offsets_;
};

}  // namespace pdlab
