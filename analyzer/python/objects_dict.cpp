// ObjectReader: dict tables (combined and split, every keys/values model) and instance
// __dict__ lookup for every InstanceDictModel.
#include <algorithm>
#include <cstring>

#include "objects_internal.hpp"

namespace pycore::python {

using layout::DictKeysModel;
using layout::F;
using layout::InstanceDictModel;
using layout::SplitValuesModel;

namespace {

constexpr int64_t kMaxSaneEntries = int64_t{1} << 32;

// Table slots examined to find `max_items` live entries: deleted entries leave holes, but
// never more than a live table has room for.
int64_t scan_budget(size_t max_items) {
  return static_cast<int64_t>(std::min<size_t>(max_items, size_t{1} << 28)) * 4 + 1024;
}

// Where the entries of a keys object are and how they look.
struct KeysGeometry {
  uint64_t entries = 0;  // address of entry 0
  uint64_t entry_size = 0;
  uint64_t key_off = 0;
  uint64_t value_off = 0;
  int64_t nentries = 0;
  int64_t capacity = 0;  // dk_size
};

std::optional<KeysGeometry> keys_geometry(const ObjectReader& r, uint64_t keys) {
  const layout::Layout& L = r.layout();
  auto indices = detail::field_addr(r, keys, F::dictkeys_indices);
  auto nentries = detail::read_i64(r, keys, F::dictkeys_nentries);
  if (!indices || !nentries || *nentries < 0) return std::nullopt;
  KeysGeometry g;
  g.nentries = *nentries;
  if (L.models.dict_keys == DictKeysModel::kSized) {
    // 3.6-3.10: dk_size slots; index width grows with the table size.
    auto size = detail::read_i64(r, keys, F::dictkeys_size_field);
    if (!size || *size <= 0 || *size > kMaxSaneEntries || (*size & (*size - 1)) != 0)
      return std::nullopt;
    uint64_t width = *size <= 0xff ? 1 : *size <= 0xffff ? 2 : *size <= 0xffffffffLL ? 4 : 8;
    g.capacity = *size;
    g.entries = *indices + static_cast<uint64_t>(*size) * width;
    g.entry_size = detail::size_or(r, F::dictkeyentry_size, 24);
    g.key_off = detail::kEntryKeyOffset;
    g.value_off = detail::kEntryValueOffset;
  } else {
    // 3.11+: 1 << dk_log2_index_bytes bytes of indices; unicode/split keys have
    // (key, value) entries, general keys (hash, key, value).
    auto log2_size = detail::read_u8(r, keys, F::dictkeys_log2_size);
    auto log2_index_bytes = detail::read_u8(r, keys, F::dictkeys_log2_index_bytes);
    auto kind = detail::read_u8(r, keys, F::dictkeys_kind);
    if (!log2_size || !log2_index_bytes || !kind || *log2_size > 32 || *log2_index_bytes > 35 ||
        *kind > 2)
      return std::nullopt;
    g.capacity = int64_t{1} << *log2_size;
    g.entries = *indices + (uint64_t{1} << *log2_index_bytes);
    if (*kind == 0) {
      g.entry_size = detail::size_or(r, F::dictkeyentry_size, 24);
      g.key_off = detail::kEntryKeyOffset;
      g.value_off = detail::kEntryValueOffset;
    } else {
      g.entry_size = detail::size_or(r, F::dictunicodeentry_size, 16);
      g.key_off = detail::kUnicodeEntryKeyOffset;
      g.value_off = detail::kUnicodeEntryValueOffset;
    }
  }
  if (g.nentries > g.capacity) return std::nullopt;
  return g;
}

// Reads the (key, value) pointers of entry i.
std::optional<std::pair<Ref, Ref>> read_entry(const ObjectReader& r, const KeysGeometry& g,
                                              int64_t i) {
  uint64_t at = g.entries + static_cast<uint64_t>(i) * g.entry_size;
  auto key = r.memory().u64(at + g.key_off);
  auto value = r.memory().u64(at + g.value_off);
  if (!key || !value) return std::nullopt;
  return std::pair{Ref{*key, at + g.key_off}, Ref{*value, at + g.value_off}};
}

// Split-table values: the insertion order of the live entries and where values[] starts.
struct SplitValues {
  uint64_t array = 0;          // address of values[0]
  std::vector<uint8_t> order;  // entry indices in insertion order
  bool ordered = false;        // false for 3.6-3.10 (order = entry order)
};

std::optional<SplitValues> split_values(const ObjectReader& r, uint64_t values) {
  SplitValues s;
  const target::AddressSpace& mem = r.memory();
  switch (r.layout().models.split_values) {
    case SplitValuesModel::kArray:  // 3.6-3.10: PyObject *values[] parallel to the entries
      s.array = values;
      return s;
    case SplitValuesModel::kPrefixed: {
      // 3.11/3.12: bytes before values[]: [-1] prefix size, [-2] count, [-3-i] order[i].
      auto count = mem.u8(values - 2);
      if (!count) return std::nullopt;
      s.order.resize(*count);
      if (*count != 0 && !mem.read(values - 2 - *count, s.order.data(), *count))
        return std::nullopt;
      std::reverse(s.order.begin(), s.order.end());  // order[i] is at values[-3-i]
      s.array = values + static_cast<uint64_t>(r.layout().has(F::dictvalues_values)
                                                   ? r.layout().off(F::dictvalues_values)
                                                   : 0);
      s.ordered = true;
      return s;
    }
    case SplitValuesModel::kStruct: {
      // 3.13: {capacity, size, embedded, valid, values[capacity]} then order[size].
      auto capacity = detail::read_u8(r, values, F::dictvalues_capacity);
      auto size = detail::read_u8(r, values, F::dictvalues_size);
      auto array = detail::field_addr(r, values, F::dictvalues_values);
      if (!capacity || !size || !array || *size > *capacity) return std::nullopt;
      s.array = *array;
      s.order.resize(*size);
      if (*size != 0 && !mem.read(*array + 8ull * *capacity, s.order.data(), *size))
        return std::nullopt;
      s.ordered = true;
      return s;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<DictItems> ObjectReader::dict_items(uint64_t obj, size_t max_items) const {
  if (kind_of(obj) != Kind::kDict) return std::nullopt;
  auto used = detail::read_i64(*this, obj, F::dict_used);
  auto keys = detail::read_u64(*this, obj, F::dict_keys);
  auto values = detail::read_u64(*this, obj, F::dict_values);
  if (!used || !keys || !values || *used < 0 || *used > kMaxSaneEntries || *keys == 0)
    return std::nullopt;
  return read_keys(*keys, *values, *used, max_items);
}

std::optional<DictItems> ObjectReader::read_keys(uint64_t keys, uint64_t values, int64_t used,
                                                 size_t max_items) const {
  if (values != 0) {
    auto out = read_values_with_keys(keys, values, max_items);
    if (out) out->used = used;
    return out;
  }
  auto g = keys_geometry(*this, keys);
  if (!g) return std::nullopt;
  DictItems out;
  out.used = used;
  out.keys = keys;
  // Deleted entries have NULL key/value (the index holds DKIX_DUMMY): skip them, but
  // bound the scan so that a corrupt dk_nentries cannot make us read billions of slots.
  int64_t scan = std::min<int64_t>(g->nentries, scan_budget(max_items));
  if (scan < g->nentries) out.truncated = true;
  for (int64_t i = 0; i < scan; ++i) {
    auto e = read_entry(*this, *g, i);
    if (!e) return std::nullopt;
    if (e->first.object == 0 || e->second.object == 0) continue;
    if (out.entries.size() >= max_items) {
      out.truncated = true;
      break;
    }
    out.entries.push_back(DictEntry{e->first, e->second});
  }
  return out;
}

std::optional<DictItems> ObjectReader::read_values_with_keys(uint64_t keys, uint64_t values,
                                                             size_t max_items) const {
  auto g = keys_geometry(*this, keys);
  auto s = split_values(*this, values);
  if (!g || !s) return std::nullopt;
  DictItems out;
  out.split = true;
  out.keys = keys;
  out.values = values;
  auto add = [&](int64_t ix) -> bool {
    if (ix < 0 || ix >= g->nentries) return false;
    auto e = read_entry(*this, *g, ix);
    uint64_t slot = s->array + 8 * static_cast<uint64_t>(ix);
    auto value = memory_.u64(slot);
    if (!e || !value) return false;
    if (e->first.object == 0 || *value == 0) return true;
    if (out.entries.size() >= max_items) {
      out.truncated = true;
      return true;
    }
    out.entries.push_back(DictEntry{e->first, Ref{*value, slot}});
    return true;
  };
  if (s->ordered) {
    for (uint8_t ix : s->order)
      if (!add(ix)) return std::nullopt;
  } else {
    for (int64_t i = 0; i < g->nentries; ++i)
      if (!add(i)) return std::nullopt;
  }
  out.used = static_cast<int64_t>(out.entries.size());
  return out;
}

std::optional<Ref> ObjectReader::dict_get(uint64_t dict, std::string_view key) const {
  auto items = dict_items(dict, limits_.max_items);
  if (!items) return std::nullopt;
  for (const DictEntry& e : items->entries) {
    auto s = str(e.key.object, key.size() + 1);
    if (s && !s->truncated && s->utf8 == key) return e.value;
  }
  return std::nullopt;
}

std::optional<Ref> ObjectReader::dict_get_int(uint64_t dict, int64_t key) const {
  auto items = dict_items(dict, limits_.max_items);
  if (!items) return std::nullopt;
  for (const DictEntry& e : items->entries) {
    auto v = integer(e.key.object);
    if (v && v->as_int64() == key) return e.value;
  }
  return std::nullopt;
}

// ---- instance dictionaries

std::optional<uint64_t> ObjectReader::dict_ptr_by_offset(uint64_t obj, const TypeInfo& t) const {
  int64_t off = t.dictoffset;
  if (off == 0) return std::nullopt;
  if (off < 0) {
    // Relative to the end of a variable-size object (_PyObject_GetDictPtr).
    auto n = var_size(obj);
    if (!n) return std::nullopt;
    int64_t items = *n < 0 ? -*n : *n;
    int64_t size = t.basicsize + items * t.itemsize;
    size = (size + 7) & ~int64_t{7};
    off += size;
    if (off < 0) return std::nullopt;
  }
  return memory_.u64(obj + static_cast<uint64_t>(off));
}

namespace {

// The managed pre-header words sit just before the GC header: [-1 word] dict (or tagged
// values in 3.12), [-2 words] values (3.11) or weakref list (3.12+).
uint64_t preheader_dict_slot(const ObjectReader& r, uint64_t obj) {
  return obj - detail::size_or(r, F::gc_head_size, 16) - 8;
}
uint64_t preheader_values_slot(const ObjectReader& r, uint64_t obj) {
  return obj - detail::size_or(r, F::gc_head_size, 16) - 16;
}

}  // namespace

std::optional<uint64_t> ObjectReader::instance_dict(uint64_t obj) const {
  TypeHandle t = type_info_of(obj);
  if (!t->valid) return std::nullopt;
  bool managed = t->has_flag(layout_.constants.tpflags_managed_dict);
  std::optional<uint64_t> dict;
  switch (layout_.models.instance_dict) {
    case InstanceDictModel::kDictOffset:
      dict = dict_ptr_by_offset(obj, *t);
      break;
    case InstanceDictModel::kManagedPreheader:
    case InstanceDictModel::kInlineValues:
      dict = managed ? memory_.u64(preheader_dict_slot(*this, obj)) : dict_ptr_by_offset(obj, *t);
      break;
    case InstanceDictModel::kTaggedPreheader:
      if (managed) {
        dict = memory_.u64(preheader_dict_slot(*this, obj));
        if (dict && (*dict & 1)) return std::nullopt;  // tagged values, no dict object
      } else {
        dict = dict_ptr_by_offset(obj, *t);
      }
      break;
  }
  if (!dict || *dict == 0 || kind_of(*dict) != Kind::kDict) return std::nullopt;
  return dict;
}

std::optional<DictItems> ObjectReader::instance_attributes(uint64_t obj, size_t max_items) const {
  if (auto dict = instance_dict(obj)) return dict_items(*dict, max_items);
  TypeHandle t = type_info_of(obj);
  if (!t->valid || !t->has_flag(layout_.constants.tpflags_managed_dict) || t->cached_keys == 0)
    return std::nullopt;
  std::optional<uint64_t> values;
  switch (layout_.models.instance_dict) {
    case InstanceDictModel::kDictOffset:
      return std::nullopt;
    case InstanceDictModel::kManagedPreheader:  // 3.11: values pointer in the pre-header
      values = memory_.u64(preheader_values_slot(*this, obj));
      break;
    case InstanceDictModel::kTaggedPreheader: {  // 3.12: tagged pointer, values = word + 1
      auto word = memory_.u64(preheader_dict_slot(*this, obj));
      if (word && (*word & 1)) values = *word + 1;
      break;
    }
    case InstanceDictModel::kInlineValues: {  // 3.13: values inline after the object
      if (!t->has_flag(layout_.constants.tpflags_inline_values)) return std::nullopt;
      uint64_t at = obj + static_cast<uint64_t>(t->basicsize);
      auto valid = detail::read_u8(*this, at, F::dictvalues_valid);
      if (!valid || *valid == 0) return std::nullopt;
      values = at;
      break;
    }
  }
  if (!values || *values == 0) return std::nullopt;
  return read_values_with_keys(t->cached_keys, *values, max_items);
}

std::optional<Ref> ObjectReader::instance_attribute(uint64_t obj, std::string_view name) const {
  auto attrs = instance_attributes(obj, limits_.max_items);
  if (!attrs) return std::nullopt;
  for (const DictEntry& e : attrs->entries) {
    auto s = str(e.key.object, name.size() + 1);
    if (s && !s->truncated && s->utf8 == name) return e.value;
  }
  return std::nullopt;
}

}  // namespace pycore::python
