// Bounds how many per-source probe tasks run at once across all layers of a diagnosis: each
// holds a slot while it probes (its own threads enter the pod's namespace). With a few dozen
// pods, eight layers would otherwise start hundreds of threads at once.
#pragma once

#include <cstddef>
#include <optional>
#include <semaphore>

namespace netdoctor::probes {

class TaskLimit {
 public:
  static constexpr std::ptrdiff_t kMax = 4096;
  explicit TaskLimit(std::ptrdiff_t slots) : free_(slots < 1 ? 1 : (slots > kMax ? kMax : slots)) {}

  class Slot {
   public:
    explicit Slot(std::counting_semaphore<kMax>* sem) : sem_(sem) {}
    Slot(Slot&& other) noexcept : sem_(other.sem_) { other.sem_ = nullptr; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (sem_ != nullptr) sem_->release();
    }

   private:
    std::counting_semaphore<kMax>* sem_;
  };

  [[nodiscard]] Slot acquire() {
    free_.acquire();
    return Slot(&free_);
  }

 private:
  std::counting_semaphore<kMax> free_;
};

// A slot of `limit`, or none when there is no limit.
[[nodiscard]] inline std::optional<TaskLimit::Slot> take_slot(TaskLimit* limit) {
  if (limit == nullptr) return std::nullopt;
  return limit->acquire();
}

}  // namespace netdoctor::probes
