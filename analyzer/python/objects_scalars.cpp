// ObjectReader: str, bytes, int, float and the sequence containers (tuple, list, set).
#include <algorithm>
#include <cstring>

#include "objects_internal.hpp"
#include "pycore/python/numbers.hpp"
#include "utf8.hpp"

namespace pycore::python {

using layout::F;

namespace {

// Sizes beyond these are corruption, not data: refuse rather than allocate.
constexpr int64_t kMaxSaneLength = int64_t{1} << 40;

// Reads `count` pointers starting at `base` into Refs; false when unreadable.
bool read_pointer_array(const target::AddressSpace& mem, uint64_t base, size_t count,
                        std::vector<Ref>& out) {
  constexpr size_t kChunk = 512;
  uint64_t buf[kChunk];
  for (size_t done = 0; done < count;) {
    size_t n = std::min(kChunk, count - done);
    uint64_t at = base + done * 8;
    if (!mem.read(at, buf, n * 8)) return false;
    for (size_t i = 0; i < n; ++i) out.push_back(Ref{buf[i], at + i * 8});
    done += n;
  }
  return true;
}

}  // namespace

std::vector<MemberInfo> detail::read_members(const ObjectReader& r, uint64_t members) {
  std::vector<MemberInfo> out;
  const layout::Layout& L = r.layout();
  if (members == 0 || !L.has(F::memberdef_name) || !L.has(F::memberdef_offset)) return out;
  uint64_t size = size_or(r, F::memberdef_size, 40);
  constexpr size_t kMaxMembers = 256;
  for (size_t i = 0; i < kMaxMembers; ++i) {
    uint64_t def = members + i * size;
    auto name_ptr = read_u64(r, def, F::memberdef_name);
    if (!name_ptr || *name_ptr == 0) break;
    MemberInfo m;
    m.name = r.memory().cstring(*name_ptr, 256).value_or("");
    m.type = read_i32(r, def, F::memberdef_type).value_or(-1);
    m.offset = read_i64(r, def, F::memberdef_offset).value_or(-1);
    out.push_back(std::move(m));
  }
  return out;
}

std::optional<StrValue> ObjectReader::str(uint64_t obj, size_t max_chars,
                                          bool want_code_points) const {
  if (kind_of(obj) != Kind::kStr) return std::nullopt;
  auto state = detail::read_field<uint32_t>(*this, obj, F::ascii_state);
  auto length = detail::read_i64(*this, obj, F::ascii_length);
  if (!state || !length || *length < 0 || *length > kMaxSaneLength) return std::nullopt;
  // PEP 393 state bits: kind 2-4, compact 5, ascii 6 (same positions 3.6-3.13).
  int kind = static_cast<int>((*state >> 2) & 7);
  bool compact = (*state >> 5) & 1;
  bool ascii = (*state >> 6) & 1;
  if (kind != 1 && kind != 2 && kind != 4) return std::nullopt;  // kind 0: legacy, not ready
  uint64_t data = 0;
  if (compact && ascii) {
    data = obj + detail::size_or(*this, F::ascii_size, 48);
  } else if (compact) {
    data = obj + detail::size_or(*this, F::compact_size, 72);
  } else {
    auto p = detail::read_u64(*this, obj, F::unicode_data);
    if (!p || *p == 0) return std::nullopt;
    data = *p;
  }
  StrValue v;
  v.length = *length;
  v.kind = kind;
  v.ascii = ascii;
  size_t n = static_cast<size_t>(std::min<int64_t>(*length, static_cast<int64_t>(max_chars)));
  v.truncated = static_cast<int64_t>(n) < *length;
  std::vector<uint8_t> raw(n * static_cast<size_t>(kind));
  if (n != 0 && !memory_.read(data, raw.data(), raw.size())) return std::nullopt;
  v.utf8.reserve(n);
  if (want_code_points) v.code_points.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    uint32_t cp = 0;
    if (kind == 1) {
      cp = raw[i];
    } else if (kind == 2) {
      uint16_t u;
      std::memcpy(&u, &raw[i * 2], 2);
      cp = u;
    } else {
      std::memcpy(&cp, &raw[i * 4], 4);
      if (cp > 0x10FFFF) return std::nullopt;  // not a str any more
    }
    detail::append_utf8(v.utf8, cp);
    if (want_code_points) v.code_points.push_back(cp);
  }
  return v;
}

std::optional<std::string> ObjectReader::str_utf8(uint64_t obj) const {
  auto s = str(obj, limits_.max_str_chars);
  if (!s) return std::nullopt;
  return std::move(s->utf8);
}

std::optional<BytesValue> ObjectReader::bytes(uint64_t obj, size_t max_bytes) const {
  if (kind_of(obj) != Kind::kBytes) return std::nullopt;
  auto size = var_size(obj);
  auto data = detail::field_addr(*this, obj, F::bytes_sval);
  if (!size || !data || *size < 0 || *size > kMaxSaneLength) return std::nullopt;
  BytesValue v;
  v.length = *size;
  size_t n = static_cast<size_t>(std::min<int64_t>(*size, static_cast<int64_t>(max_bytes)));
  v.truncated = static_cast<int64_t>(n) < *size;
  v.data.resize(n);
  if (n != 0 && !memory_.read(*data, v.data.data(), n)) return std::nullopt;
  return v;
}

std::optional<IntValue> ObjectReader::integer(uint64_t obj) const {
  Kind k = kind_of(obj);
  if (k != Kind::kInt && k != Kind::kBool) return std::nullopt;
  IntValue v;
  uint64_t ndigits = 0;
  bool zero = false;
  if (layout_.models.ints == layout::IntModel::kTag) {
    // 3.12+: lv_tag = ndigits << 3 | sign bits (0 positive, 1 zero, 2 negative).
    auto tag = detail::read_u64(*this, obj, F::long_tag);
    if (!tag) return std::nullopt;
    ndigits = *tag >> 3;
    uint64_t sign = *tag & 3;
    if (sign == 3) return std::nullopt;
    zero = sign == 1;
    v.negative = sign == 2;
  } else {
    // <= 3.11: ob_size is the signed digit count.
    auto size = var_size(obj);
    if (!size) return std::nullopt;
    v.negative = *size < 0;
    ndigits = static_cast<uint64_t>(*size < 0 ? -*size : *size);
    zero = *size == 0;
  }
  if (ndigits > static_cast<uint64_t>(kMaxSaneLength)) return std::nullopt;
  v.ndigits = static_cast<int64_t>(ndigits);
  if (zero) {
    v.negative = false;
    v.decimal.assign(1, '0');  // not = "0": GCC 12 -Wrestrict false positive
    return v;
  }
  if (ndigits > limits_.max_int_digits) {
    v.too_big = true;
    return v;
  }
  auto digits_at = detail::field_addr(*this, obj, F::long_digit);
  if (!digits_at) return std::nullopt;
  std::vector<uint32_t> digits(ndigits);
  if (ndigits != 0 && !memory_.read(*digits_at, digits.data(), ndigits * 4)) return std::nullopt;
  v.decimal = digits_to_decimal(digits);
  if (v.decimal == "0") v.negative = false;
  return v;
}

std::optional<double> ObjectReader::float_value(uint64_t obj) const {
  if (kind_of(obj) != Kind::kFloat) return std::nullopt;
  return detail::read_field<double>(*this, obj, F::float_fval);
}

std::optional<Items> ObjectReader::tuple_items(uint64_t obj, size_t max_items) const {
  if (kind_of(obj) != Kind::kTuple) return std::nullopt;
  auto size = var_size(obj);
  auto base = detail::field_addr(*this, obj, F::tuple_item);
  if (!size || !base || *size < 0 || *size > kMaxSaneLength) return std::nullopt;
  Items out;
  out.length = *size;
  size_t n = static_cast<size_t>(std::min<int64_t>(*size, static_cast<int64_t>(max_items)));
  out.truncated = static_cast<int64_t>(n) < *size;
  out.items.reserve(n);
  if (!read_pointer_array(memory_, *base, n, out.items)) return std::nullopt;
  return out;
}

std::optional<Items> ObjectReader::list_items(uint64_t obj, size_t max_items) const {
  if (kind_of(obj) != Kind::kList) return std::nullopt;
  auto size = var_size(obj);
  auto items = detail::read_u64(*this, obj, F::list_item);
  if (!size || !items || *size < 0 || *size > kMaxSaneLength) return std::nullopt;
  if (auto allocated = detail::read_i64(*this, obj, F::list_allocated))
    if (*allocated < *size) return std::nullopt;  // inconsistent list header
  Items out;
  out.length = *size;
  if (*size == 0) return out;
  if (*items == 0) return std::nullopt;
  size_t n = static_cast<size_t>(std::min<int64_t>(*size, static_cast<int64_t>(max_items)));
  out.truncated = static_cast<int64_t>(n) < *size;
  out.items.reserve(n);
  if (!read_pointer_array(memory_, *items, n, out.items)) return std::nullopt;
  return out;
}

std::optional<Items> ObjectReader::set_items(uint64_t obj, size_t max_items) const {
  Kind k = kind_of(obj);
  if (k != Kind::kSet && k != Kind::kFrozenSet) return std::nullopt;
  auto mask = detail::read_i64(*this, obj, F::set_mask);
  auto table = detail::read_u64(*this, obj, F::set_table);
  auto used = detail::read_i64(*this, obj, F::set_used);
  if (!mask || !table || !used || *mask < 0 || *mask >= (int64_t{1} << 32) || *table == 0)
    return std::nullopt;
  uint64_t entry_size = detail::size_or(*this, F::setentry_size, 16);
  uint64_t slots = static_cast<uint64_t>(*mask) + 1;
  Items out;
  out.length = *used;
  // A live table is at most 3/5 full: bound the scan against a corrupt mask.
  uint64_t budget = static_cast<uint64_t>(std::min<size_t>(max_items, size_t{1} << 28)) * 4 + 1024;
  if (slots > budget) {
    slots = budget;
    out.truncated = true;
  }
  uint64_t dummy_type = 0;
  constexpr size_t kChunk = 256;
  std::vector<uint8_t> buf;
  for (uint64_t i = 0; i < slots; i += kChunk) {
    uint64_t n = std::min<uint64_t>(kChunk, slots - i);
    buf.resize(n * entry_size);
    uint64_t at = *table + i * entry_size;
    if (!memory_.read(at, buf.data(), buf.size())) return std::nullopt;
    for (uint64_t j = 0; j < n; ++j) {
      uint64_t key;
      std::memcpy(&key, &buf[j * entry_size], 8);  // setentry.key is the first member
      if (key == 0 || key == layout_.roots.set_dummy) continue;
      // The dummy key is a static object of type "<dummy key> type"; recognise it even
      // when the layout has no root for it.
      if (layout_.roots.set_dummy == 0) {
        auto t = type_of(key);
        if (t &&
            (*t == dummy_type || (dummy_type == 0 && type_info(*t)->name == "<dummy key> type"))) {
          dummy_type = *t;
          continue;
        }
      }
      if (out.items.size() >= max_items) {
        out.truncated = true;
        return out;
      }
      out.items.push_back(Ref{key, at + j * entry_size});
    }
  }
  return out;
}

}  // namespace pycore::python
