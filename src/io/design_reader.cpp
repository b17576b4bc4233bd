// read_design: the formula's columns of a plain CSV parsed straight into the column-major
// design matrix (see estimation_io.hpp). The file is mapped, its lines counted in parallel
// (which fixes each block's rows), then each block parses its own rows into place, so the
// design is the same at any thread count. Anything unusual returns nullopt and the caller reads
// the file with read_table and build_design, which give the same design or the error message.
#include "io/decimal.hpp"
#include "pdlab/io/estimation_io.hpp"
#include "pdlab/io/output_file.hpp"
#include "pdlab/io/text_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#define PDLAB_SSE2 1
#endif

namespace pdlab::io {

namespace {

// The file, mapped read-only.
class Mapped {
 public:
  explicit Mapped(const std::string& path) {
    // O_NONBLOCK: a FIFO is not waited on (it is declined below, and read_table refuses it).
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st {};
    if (fd_ < 0 || ::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
      return;
    }
    size_ = static_cast<std::size_t>(st.st_size);
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) {
      size_ = 0;
      return;
    }
    data_ = static_cast<const char*>(p);
  }
  ~Mapped() {
    if (data_ != nullptr) {
      ::munmap(const_cast<char*>(data_), size_);
    }
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Mapped(const Mapped&) = delete;
  Mapped& operator=(const Mapped&) = delete;
  [[nodiscard]] const char* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return data_ == nullptr ? 0 : size_; }

 private:
  int fd_ = -1;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

// Free memory in blocks of 2 MB or more, from /proc/buddyinfo (Linux; 0 where it cannot be read).
double free_huge_bytes() {
  std::FILE* f = std::fopen("/proc/buddyinfo", "r");
  if (f == nullptr) {
    return 0;
  }
  double bytes = 0;
  char line[512];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    // "Node 0, zone   Normal  n0 n1 ... n10": free blocks of 2^order pages.
    const char* p = std::strstr(line, "zone");
    if (p == nullptr) {
      continue;
    }
    p += 4;
    while (*p == ' ') {
      ++p;
    }
    while (*p != '\0' && *p != ' ') {
      ++p;  // the zone's name
    }
    char* next = nullptr;
    for (int order = 0;; ++order) {
      const double blocks = std::strtod(p, &next);
      if (next == p) {
        break;
      }
      p = next;
      if (order >= 9) {
        bytes += blocks * 4096.0 * static_cast<double>(1U << static_cast<unsigned>(order));
      }
    }
  }
  std::fclose(f);
  return bytes;
}

// Asks for transparent huge pages (2 MB) for the design's arrays: one page fault and one
// page to account for where there were 512. For the 1,000,000 x 20 design `pdlab eha` went
// 0.272 -> 0.253 s (median of 15, 2 cores, 2026-12-04). Only when the system has free 2 MB
// blocks for twice the arrays: where it would have to compact memory to make them (the
// kernel's default for advised memory), the faults stalled instead (0.03-0.27 s of system
// time in a trial on 2026-12-02), and plain pages are faster.
void prefer_huge_pages(const std::vector<std::pair<void*, std::size_t>>& arrays) {
#if defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t huge = std::uintptr_t{2} << 20U;
  double total = 0;
  for (const auto& a : arrays) {
    total += static_cast<double>(a.second);
  }
  if (total < 8.0 * static_cast<double>(huge) || free_huge_bytes() < 2 * total) {
    return;
  }
  for (const auto& [b, bytes] : arrays) {
    const auto lo = (reinterpret_cast<std::uintptr_t>(b) + huge - 1) & ~(huge - 1);
    const auto hi = (reinterpret_cast<std::uintptr_t>(b) + bytes) & ~(huge - 1);
    if (hi > lo) {
      ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
    }
  }
#else
  (void)arrays;
#endif
}

// Hands the whole pages inside [b, e) back to the system: the pages of a mapping already
// parsed (each thread its own blocks, while the others still parse) or of a buffer about to
// be freed, so that unmapping or freeing it later has no page tables left to tear down.
void drop_pages(const void* b, const void* e) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto lo = (reinterpret_cast<std::uintptr_t>(b) + page - 1) & ~(page - 1);
  const auto hi = reinterpret_cast<std::uintptr_t>(e) & ~(page - 1);
  if (hi > lo) {
    ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
  }
}

// Maps the pages of [b, e) in one call rather than a fault per page (Linux 5.14 and later;
// elsewhere the pages fault in as they are touched). For the 1,000,000 x 20 design: 49,000
// page faults -> 7,000, and `pdlab eha` 0.305 -> 0.288 s on 2 cores (2026-12-04).
void populate_pages(void* b, void* e) {
#if defined(MADV_POPULATE_WRITE)
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto lo = reinterpret_cast<std::uintptr_t>(b) & ~(page - 1);
  const auto hi = (reinterpret_cast<std::uintptr_t>(e) + page - 1) & ~(page - 1);
  if (hi > lo) {
    ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_POPULATE_WRITE);
  }
#else
  (void)b;
  (void)e;
#endif
}

// Newlines in [b, e), and whether a quote is among them (the general reader unquotes).
std::size_t count_lines(const char* b, const char* e, bool& quote) {
  std::size_t n = 0;
  quote = false;
#if PDLAB_SSE2
  const __m128i nl = _mm_set1_epi8('\n');
  const __m128i qu = _mm_set1_epi8('"');
  __m128i q = _mm_setzero_si128();
  while (e - b >= 16) {
    // Per-byte counters, summed before any can pass 255.
    __m128i acc = _mm_setzero_si128();
    const char* const stop = b + 16 * std::min<std::ptrdiff_t>(255, (e - b) / 16);
    for (; b < stop; b += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, nl));
      q = _mm_or_si128(q, _mm_cmpeq_epi8(v, qu));
    }
    const __m128i s = _mm_sad_epu8(acc, _mm_setzero_si128());
    n += static_cast<std::size_t>(_mm_cvtsi128_si64(s) +
                                  _mm_cvtsi128_si64(_mm_unpackhi_epi64(s, s)));
  }
  quote = _mm_movemask_epi8(q) != 0;
#endif
  for (; b < e; ++b) {
    n += *b == '\n' ? 1 : 0;
    quote = quote || *b == '"';
  }
  return n;
}

// Bit i set where p[i] is ',' or '\n', for the 64 bytes from p.
[[gnu::always_inline]] inline std::uint64_t separators(const char* p) {
  std::uint64_t m = 0;
#if PDLAB_SSE2
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i nl = _mm_set1_epi8('\n');
  for (int i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    const auto bits = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, nl))));
    m |= static_cast<std::uint64_t>(bits) << (16U * static_cast<unsigned>(i));
  }
#else
  for (unsigned i = 0; i < 64; ++i) {
    m |= static_cast<std::uint64_t>(p[i] == ',' || p[i] == '\n') << i;
  }
#endif
  return m;
}

// The number in [p, e) (16 bytes from p readable) if it is -?D{1,7}(.D{1,7})?: true with its
// value, as parse_double gives it; false for anything else (other_field's). The field's end is
// known, so fields parse independently of one another (the processor overlaps them).
[[gnu::always_inline]] inline bool field_number(const char* p, const char* e, double& v) {
  using detail::digits_value;
  using detail::leading_digits;
  const bool neg = *p == '-';
  const char* const s = p + (neg ? 1 : 0);
  const auto len = e - s;
  const auto d0 = static_cast<unsigned>(s[0] - '0');
  if (len == 1 && d0 < 10) {
    v = detail::with_sign(static_cast<double>(d0), neg);  // 0 or 1 of a response
    return true;
  }
  if (len >= 3 && len <= 9 && s[1] == '.' && d0 < 10) {
    // D.D{1,7}, the commonest covariate: one digit before the point needs no SWAR.
    const auto k2 = static_cast<int>(len - 2);
    std::uint64_t b = 0;
    std::memcpy(&b, s + 2, 8);
    // Every one of the first k2 bytes a digit: high nibble 3, and no carry out of it by +6.
    const std::uint64_t lanes = ~std::uint64_t{0} >> (8U * static_cast<unsigned>(8 - k2));
    constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL;
    constexpr std::uint64_t k30 = 0x3030303030303030ULL;
    if (((((b & kHigh) ^ k30) | (((b + 0x0606060606060606ULL) & kHigh) ^ k30)) & lanes) != 0) {
      return false;
    }
    const std::uint64_t m = d0 * detail::kPow10Int[k2] + digits_value(b, k2);
    const double r = static_cast<double>(m) / detail::kPow10[k2];
    v = detail::with_sign(r, neg);
    return true;
  }
  std::uint64_t a = 0;
  std::memcpy(&a, s, 8);
  const int k1 = leading_digits(a);
  double r = 0;
  if (k1 == len && k1 >= 1 && k1 <= 7) {
    r = static_cast<double>(digits_value(a, k1));
  } else if (k1 >= 1 && k1 <= 7 && s[k1] == '.') {
    // -?D{1,7}.D{1,7}: a mantissa of at most 14 digits (below 2^53) over 10^1..10^7, both
    // exact, so one division rounds once, as from_chars does.
    const auto k2 = static_cast<int>(len - k1 - 1);
    std::uint64_t b = 0;
    std::memcpy(&b, s + k1 + 1, 8);
    if (k2 < 1 || k2 > 7 || leading_digits(b) != k2) {
      return false;
    }
    const std::uint64_t m = digits_value(a, k1) * detail::kPow10Int[k2] + digits_value(b, k2);
    r = static_cast<double>(m) / detail::kPow10[k2];
  } else {
    return false;
  }
  v = detail::with_sign(r, neg);
  return true;
}

// Any other field of a used column, as read_table reads it: empty, NA and NaN are missing;
// false for what it would take as text, or trim (then the general reader judges the file).
// An infinity (from_chars's "inf") is kept, as read_table keeps it, and noted: the design is
// then not vouched for (Design::checked), and the fit checks it itself.
[[gnu::noinline]] bool other_field(const char* p, const char* e, double& v, bool& missing,
                                   bool& infinite) {
  const std::string_view s(p, static_cast<std::size_t>(e - p));
  if (s.empty() || s == "NA") {
    missing = true;
    return true;
  }
  if (!parse_double(s, v)) {
    return false;
  }
  missing = missing || std::isnan(v);
  infinite = infinite || std::isinf(v);
  return true;
}

// Lines [b, e) of the text (each ends with '\n'; at least 64 readable bytes follow e), parsed
// into rows row0, row0 + 1, ... of the outputs.
struct Block {
  const char* b = nullptr;
  const char* e = nullptr;
  std::size_t lines = 0;
  bool quote = false;
  std::size_t row0 = 0;
  std::size_t rows = 0;     // rows kept (complete)
  std::size_t dropped = 0;  // rows with a missing value
  bool infinite = false;    // an infinite value was read
  bool ok = true;           // false: something only the general reader may judge
};

// Where each of the file's columns goes: dst[c] is the output column (nullptr: not used).
struct Plan {
  std::vector<double*> dst;
  const double* y = nullptr;
};

void parse_block(Block& blk, const Plan& plan) {
  // Field by field, from a bit mask of the separators 64 bytes at a time: each field's start
  // is known before the one before it is parsed.
  const std::size_t nc = plan.dst.size();
  const char* const end = blk.e;
  const char* start = blk.b;  // of the current field
  const char* base = blk.b;   // of the current 64 bytes
  std::uint64_t m = separators(base);
  std::size_t c = 0;
  std::size_t row = blk.row0;
  std::size_t dropped = 0;
  bool missing = false;
  while (start < end) {
    while (m == 0) {
      base += 64;
      m = separators(base);
    }
    const char* const sep = base + __builtin_ctzll(m);
    m &= m - 1;
    const bool eol = *sep == '\n';
    if (eol && c == 0 && (sep == start || (sep == start + 1 && *start == '\r'))) {
      start = sep + 1;  // an empty line: no row, as read_table
      continue;
    }
    if (eol != (c + 1 == nc)) {
      blk.ok = false;  // too few or too many fields
      return;
    }
    if (double* const d = plan.dst[c]; d != nullptr) {
      const char* const fe = eol && sep > start && sep[-1] == '\r' ? sep - 1 : sep;
      double v = 0;
      if (!field_number(start, fe, v) && !other_field(start, fe, v, missing, blk.infinite)) {
        blk.ok = false;
        return;
      }
      d[row] = v;
    } else if (static_cast<std::size_t>(sep - start) > TextColumn::kMaxLength) {
      blk.ok = false;
      return;
    }
    start = sep + 1;
    if (!eol) {
      ++c;
      continue;
    }
    c = 0;
    if (missing) {
      ++dropped;  // the next row overwrites this one
      missing = false;
      continue;
    }
    if (const double y = plan.y[row]; y != 0 && y != 1) {
      blk.ok = false;  // eha_study's message names the line
      return;
    }
    ++row;
  }
  blk.rows = row - blk.row0;
  blk.dropped = dropped;
}

}  // namespace

std::optional<Design> read_design(const std::string& path, const Formula& f,
                                  const std::string& offset_column,
                                  const std::string& cluster_column, int threads) {
  if (!cluster_column.empty() || f.response.empty()) {
    return std::nullopt;
  }
  for (const auto& t : f.terms) {
    const auto parts = term_parts(t);
    if (parts.size() != 1 || parts[0].log || is_id_column(parts[0].column)) {
      return std::nullopt;  // factor(), log(), interactions and refusals: build_design
    }
  }
  const std::size_t p = (f.intercept ? 1 : 0) + f.terms.size();
  if (p == 0) {
    return std::nullopt;
  }
  const Mapped file(path);
  const char* const text = file.data();
  const std::size_t size = file.size();
  if (size < 2 || (static_cast<unsigned char>(text[0]) == 0x1f &&
                   static_cast<unsigned char>(text[1]) == 0x8b)) {
    return std::nullopt;  // empty, unreadable or gzip
  }
  note_input(path);
  // The header: plain names, each once.
  const auto* nl = static_cast<const char*>(std::memchr(text, '\n', size));
  if (nl == nullptr) {
    return std::nullopt;
  }
  std::string_view head(text, static_cast<std::size_t>(nl - text));
  if (!head.empty() && head.back() == '\r') {
    head.remove_suffix(1);
  }
  if (head.substr(0, 3) == "\xEF\xBB\xBF") {
    head.remove_prefix(3);
  }
  if (head.find('"') != std::string_view::npos) {
    return std::nullopt;
  }
  std::vector<std::string_view> names;
  for (std::size_t at = 0;;) {
    const auto comma = head.find(',', at);
    names.push_back(head.substr(at, comma == std::string_view::npos ? head.npos : comma - at));
    if (comma == std::string_view::npos) {
      break;
    }
    at = comma + 1;
  }
  const std::size_t nc = names.size();
  for (std::size_t i = 0; i < nc; ++i) {
    if (std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), names[i]) !=
        names.begin() + static_cast<std::ptrdiff_t>(i)) {
      return std::nullopt;
    }
  }
  // Outputs: the response, the terms (after the intercept), the offset; each a file column.
  std::vector<std::size_t> source;
  const auto find = [&](const std::string& name) -> bool {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      return false;
    }
    source.push_back(static_cast<std::size_t>(it - names.begin()));
    return true;
  };
  if (!find(f.response)) {
    return std::nullopt;
  }
  for (const auto& t : f.terms) {
    if (!find(t)) {
      return std::nullopt;
    }
  }
  if (!offset_column.empty() && !find(offset_column)) {
    return std::nullopt;
  }

  // Blocks of whole lines, taken by the threads in file order: 4 MB, then smaller towards the
  // end (a quarter of what is left, down to 256 KB), so that the threads finish together (with
  // equal blocks, one thread parsed the last block alone: ~2 ms of 0.09 s for the 1,000,000 x
  // 20 CSV on 2 cores). The lines whose 64 bytes of look-ahead would pass the end of the file
  // are copied, with a final newline and padding, and parsed from the copy.
  const std::size_t body = static_cast<std::size_t>(nl - text) + 1;
  std::size_t cut = body;
  if (size > body + 64) {
    const void* last = ::memrchr(text + body, '\n', size - 64 - body);
    cut = last == nullptr ? body
                          : static_cast<std::size_t>(static_cast<const char*>(last) - text) + 1;
  }
  std::string tail(text + cut, size - cut);
  if (!tail.empty() && tail.back() != '\n') {
    tail.push_back('\n');
  }
  const std::size_t tail_bytes = tail.size();
  tail.append(64, '\0');
  const int conc = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
  std::vector<Block> blocks;
  {
    constexpr std::size_t kLargest = std::size_t{4} << 20U;
    constexpr std::size_t kSmallest = std::size_t{256} << 10U;
    std::size_t at = body;
    while (at < cut) {
      const std::size_t want = std::clamp((cut - at) / 4, kSmallest, kLargest);
      std::size_t stop = cut;
      if (cut - at > want + kSmallest) {
        const auto* s =
            static_cast<const char*>(std::memchr(text + at + want, '\n', cut - at - want));
        stop = s == nullptr ? cut : static_cast<std::size_t>(s - text) + 1;
      }
      Block b;
      b.b = text + at;
      b.e = text + stop;
      blocks.push_back(b);
      at = stop;
    }
    if (tail_bytes > 0) {
      Block b;
      b.b = tail.data();
      b.e = tail.data() + tail_bytes;
      blocks.push_back(b);
    }
  }
  tbb::task_arena arena(conc);
  const auto each_block = [&](auto&& fn) {
    std::atomic<std::size_t> next{0};
    arena.execute([&] {
      tbb::parallel_for(
          0, conc,
          [&](int /*thread*/) {
            for (std::size_t k = next++; k < blocks.size(); k = next++) {
              fn(blocks[k]);
            }
          },
          tbb::static_partitioner());
    });
  };
  // The file's pages are left to fault in (each fault maps 16 of them): populating them
  // ahead (MADV_POPULATE_READ) made no difference here.
  each_block([](Block& b) { b.lines = count_lines(b.b, b.e, b.quote); });
  std::size_t n = 0;
  for (auto& b : blocks) {
    if (b.quote) {
      return std::nullopt;
    }
    b.row0 = n;
    n += b.lines;
  }
  {
    // build_design refuses a design larger than half the memory with its own message.
    const double bytes = 8.0 * static_cast<double>(n) * static_cast<double>(p + 2);
    const double memory = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) *
                          static_cast<double>(::sysconf(_SC_PAGESIZE));
    if (n == 0 || (memory > 0 && bytes > 0.5 * memory)) {
      return std::nullopt;
    }
  }
  Design des;
  const auto rows = static_cast<Eigen::Index>(n);
  // Plain pages: MADV_HUGEPAGE cut the page faults 62k -> 23k but its direct compaction made
  // system time vary from 0.03 to 0.27 s, for no gain on average (2026-12-02, 2 cores).
  des.x.resize(rows, static_cast<Eigen::Index>(p));
  des.y.resize(rows);
  if (!offset_column.empty()) {
    des.offset.resize(rows);
  }
  {
    const auto bytes = [](const auto& v) {
      return static_cast<std::size_t>(v.size()) * sizeof(double);
    };
    prefer_huge_pages({{des.x.data(), bytes(des.x)},
                       {des.y.data(), bytes(des.y)},
                       {des.offset.data(), bytes(des.offset)}});
  }
  const Eigen::Index first = f.intercept ? 1 : 0;
  // Each output's column, and which output a file column is parsed into (its first); a column
  // used twice is copied afterwards.
  const auto outputs = [&](Design& d) {
    std::vector<double*> out{d.y.data()};
    for (std::size_t k = 0; k < f.terms.size(); ++k) {
      out.push_back(d.x.col(first + static_cast<Eigen::Index>(k)).data());
    }
    if (!offset_column.empty()) {
      out.push_back(d.offset.data());
    }
    return out;
  };
  std::vector<std::size_t> primary(source.size());
  Plan plan;
  plan.dst.assign(nc, nullptr);
  {
    const auto out = outputs(des);
    for (std::size_t i = 0; i < source.size(); ++i) {
      primary[i] = i;
      for (std::size_t j = 0; j < i; ++j) {
        if (source[j] == source[i]) {
          primary[i] = j;
          break;
        }
      }
      if (primary[i] == i) {
        plan.dst[source[i]] = out[i];
      }
    }
    plan.y = out[primary[0]];
  }
  each_block([&](Block& b) {
    for (double* col : plan.dst) {
      if (col != nullptr) {
        populate_pages(col + b.row0, col + b.row0 + b.lines);
      }
    }
    parse_block(b, plan);
    drop_pages(b.b, b.e);  // the file is not read again (a fallback reads it anew)
  });
  std::size_t kept = 0;
  for (const auto& b : blocks) {
    if (!b.ok) {
      return std::nullopt;
    }
    kept += b.rows;
    des.dropped_missing += static_cast<std::int64_t>(b.dropped);
  }
  // Every response kept was checked to be 0 or 1 as its row was parsed. An infinity clears
  // `checked` even in a row dropped for a missing value (the fit then checks, and passes).
  bool finite = true;
  for (const auto& b : blocks) {
    finite = finite && !b.infinite;
  }
  if (kept == 0) {
    return std::nullopt;  // build_design's message: no rows left to fit
  }
  if (kept < n) {
    // Close the gaps left by empty lines and incomplete rows.
    Design c;
    c.x.resize(static_cast<Eigen::Index>(kept), static_cast<Eigen::Index>(p));
    c.y.resize(static_cast<Eigen::Index>(kept));
    if (!offset_column.empty()) {
      c.offset.resize(static_cast<Eigen::Index>(kept));
    }
    const auto from = outputs(des);
    const auto to = outputs(c);
    arena.execute([&] {
      tbb::parallel_for(std::size_t{0}, from.size(), [&](std::size_t i) {
        if (primary[i] != i) {
          return;
        }
        std::size_t at = 0;
        for (const auto& b : blocks) {
          std::copy_n(from[i] + b.row0, b.rows, to[i] + at);
          at += b.rows;
        }
      });
    });
    c.dropped_missing = des.dropped_missing;
    des = std::move(c);
  }
  const auto out = outputs(des);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (primary[i] != i) {
      std::copy_n(out[primary[i]], kept, out[i]);
    }
  }
  if (f.intercept) {
    // In parallel: the column's 8 MB are written, and their pages faulted in, by both threads.
    double* const one = des.x.col(0).data();
    constexpr std::size_t chunk = std::size_t{1} << 17;
    arena.execute([&] {
      tbb::parallel_for(std::size_t{0}, (kept + chunk - 1) / chunk, [&](std::size_t k) {
        populate_pages(one + k * chunk, one + std::min(kept, (k + 1) * chunk));
        std::fill(one + k * chunk, one + std::min(kept, (k + 1) * chunk), 1.0);
      });
    });
    des.names.emplace_back("(Intercept)");
  }
  for (const auto& t : f.terms) {
    des.names.push_back(t);
  }
  des.checked = finite;
  return des;
}

void release_matrix(Eigen::MatrixXd& m) {
  constexpr std::size_t chunk = std::size_t{8} << 20;
  const auto bytes = static_cast<std::size_t>(m.size()) * sizeof(double);
  char* base = reinterpret_cast<char*>(m.data());
  if (bytes >= 2 * chunk) {
    tbb::parallel_for(std::size_t{0}, (bytes + chunk - 1) / chunk, [&](std::size_t k) {
      drop_pages(base + k * chunk, base + std::min(bytes, (k + 1) * chunk));
    });
  }
  m = Eigen::MatrixXd();
}

void release_design(Design& design) {
  release_matrix(design.x);
  design = Design{};
}

}  // namespace pdlab::io
