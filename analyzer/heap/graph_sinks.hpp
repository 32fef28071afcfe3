// Receivers of the referent visitor: the graph builder's (targets only, pointers checked)
// and the reporter's (slots of one chosen target).
#pragma once

#include <cstdint>
#include <vector>

#include "graph.hpp"
#include "object_check.hpp"
#include "referents.hpp"
#include "untracked_counts.hpp"

namespace pycore::heap {

// A pointer held by a container that does not lead to a live object, or a container whose
// own storage could not be read.
struct Problem {
  uint32_t parent = kNoObject;  // object number of the container
  uint64_t target = 0;          // the pointer (or the storage address for kStorage)
  Slot slot;
  Verdict verdict = Verdict::kOk;
  const char* storage = nullptr;  // kStorage: what could not be read
};

// Resolves each pointer to an object number through the address index, or checks what it
// points at when it is no tracked object.
class GraphSink {
 public:
  // Kept edges are appended to `targets` in order; counts[parent] counts them per object
  // when `counts` is given.
  GraphSink(const AddressIndex& index, ExternalChecker& checker, BigVector<uint32_t>& targets,
            std::vector<Problem>& problems, std::vector<uint64_t>& aux,
            BigVector<uint32_t>* counts = nullptr)
      : index_(index),
        checker_(checker),
        targets_(targets),
        problems_(problems),
        aux_(aux),
        counts_(counts) {}

  void begin(uint32_t object) {
    current_ = object;
    conservative_ = false;
  }
  bool saw_conservative() const { return conservative_; }
  // Also count every exact edge to a live untracked object, so that its references can be
  // balanced against its refcount (untracked.hpp).
  void keep_untracked(UntrackedBatch* untracked) { untracked_ = untracked; }

  void edge(uint64_t target, const Slot& slot, bool conservative) {
    uint32_t i = index_.find(target);
    if (i != kNoObject) {
      targets_.push_back(conservative ? i | kConservativeEdge : i);
      conservative_ |= conservative;
      if (counts_ != nullptr) ++(*counts_)[current_];
      return;
    }
    if (conservative) return;
    Verdict v = checker_.check(target);
    switch (v) {
      case Verdict::kOk:
        if (untracked_ != nullptr) untracked_->push(target);
        return;
      case Verdict::kNotDumped:
      case Verdict::kImmortal:
        return;
      case Verdict::kCode:
        if (untracked_ != nullptr) untracked_->push(target);
        aux_.push_back(target);
        return;
      case Verdict::kTypeObject:  // static types: their tp_base is borrowed, not counted
        aux_.push_back(target);
        return;
      default:
        problems_.push_back(Problem{current_, target, slot, v, nullptr});
    }
  }

  void storage_problem(uint64_t at, const char* what) {
    problems_.push_back(Problem{current_, at, Slot{}, Verdict::kStorage, what});
  }

 private:
  const AddressIndex& index_;
  ExternalChecker& checker_;
  BigVector<uint32_t>& targets_;
  std::vector<Problem>& problems_;
  std::vector<uint64_t>& aux_;
  BigVector<uint32_t>* counts_;
  UntrackedBatch* untracked_ = nullptr;
  uint32_t current_ = kNoObject;
  bool conservative_ = false;
};

// Collects the slots through which one object holds `target`.
class SlotSink {
 public:
  explicit SlotSink(uint64_t target) : target_(target) {}
  void edge(uint64_t target, const Slot& slot, bool conservative) {
    if (target == target_) found.push_back({slot, conservative});
  }
  void storage_problem(uint64_t, const char*) {}
  struct Found {
    Slot slot;
    bool conservative;
  };
  std::vector<Found> found;

 private:
  uint64_t target_;
};

}  // namespace pycore::heap
