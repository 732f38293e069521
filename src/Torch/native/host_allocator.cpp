// A caching allocator for large CPU tensors, installed as libtorch's CPU allocator (c10::SetCPUAllocator).
//
// Why: a training step allocates and frees the same multi-MiB tensors every batch (logits, softmax, gate buffers,
// gradients). glibc serves blocks above its mmap threshold with fresh mmaps, trims its heap, and fragments when
// 64-byte-aligned blocks of the same size come back, so many of those frees and allocations turn into page faults
// on zeroed pages: about a fifth of a demo teacher forward's samples were the kernel clearing pages
// (docs/torch-api.md). This allocator keeps freed blocks of at least kMinBytes in free lists by exact (page-rounded)
// size and hands them out again; smaller blocks, which glibc's bins already reuse, go straight to the default
// allocator.
//
// Bounds: the bytes held idle in the free lists never exceed the cap (cdt_host_cache_configure); a free that would
// pass it releases the block. When the system allocator fails, the cache is emptied and the allocation retried once.
// Every block comes from the default CPU allocator and is returned to it through its own DataPtr, so nothing here
// depends on how that allocator frees. c10::CPUCachingAllocator does the caching part but is wired only into mobile
// builds, has no cap, and keeps its maps in statics that exit destroys while tensors may still be freed.
//
// The instance is created once and never destroyed (tensors may be freed during process exit).
#include "shim.h"
#include <c10/core/CPUAllocator.h>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace {
constexpr size_t kMinBytes = 64 * 1024;
constexpr size_t kPage = 4096;

class CachingHostAllocator final : public c10::Allocator {
 public:
  explicit CachingHostAllocator(c10::Allocator* system) : system_(system) {}

  c10::DataPtr allocate(size_t nbytes) const override {
    if (nbytes < kMinBytes) return system_->allocate(nbytes);
    const size_t size = (nbytes + kPage - 1) / kPage * kPage;
    std::unique_lock<std::mutex> lock(mutex_);
    c10::DataPtr block;
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      block = std::move(it->second.back());
      it->second.pop_back();
      cached_bytes_ -= size;
      ++hits_;
    } else {
      ++misses_;
      lock.unlock();
      block = allocate_from_system(size);
      lock.lock();
    }
    void* data = block.get();
    live_.emplace(data, Live{std::move(block), size});
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  void configure(size_t cap_bytes) {
    std::vector<c10::DataPtr> evicted;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      cap_bytes_ = cap_bytes;
      evict_to(cap_bytes_, evicted);
    }
  }

  void stats(int64_t* cached, int64_t* cap, int64_t* hits, int64_t* misses, int64_t* live) const {
    std::lock_guard<std::mutex> guard(mutex_);
    *cached = static_cast<int64_t>(cached_bytes_);
    *cap = static_cast<int64_t>(cap_bytes_);
    *hits = hits_;
    *misses = misses_;
    *live = static_cast<int64_t>(live_.size());
  }

  static CachingHostAllocator* instance;

 private:
  struct Live {
    c10::DataPtr block;
    size_t size;
  };

  static void release(void* data) { instance->put_back(data); }

  void put_back(void* data) const {
    c10::DataPtr dropped;  // freed after the lock is released
    std::lock_guard<std::mutex> guard(mutex_);
    auto it = live_.find(data);
    if (it == live_.end()) return;  // unreachable: only allocate() hands out this deleter, once per block
    Live entry = std::move(it->second);
    live_.erase(it);
    if (cached_bytes_ + entry.size <= cap_bytes_) {
      cached_bytes_ += entry.size;
      free_[entry.size].push_back(std::move(entry.block));
    } else {
      dropped = std::move(entry.block);
    }
  }

  c10::DataPtr allocate_from_system(size_t size) const {
    try {
      return system_->allocate(size);
    } catch (const c10::Error&) {
      std::vector<c10::DataPtr> evicted;
      {
        std::lock_guard<std::mutex> guard(mutex_);
        evict_to(0, evicted);
      }
      evicted.clear();
      return system_->allocate(size);
    }
  }

  // Moves cached blocks out until at most `limit` bytes stay cached; the caller frees them outside the lock.
  void evict_to(size_t limit, std::vector<c10::DataPtr>& out) const {
    for (auto it = free_.begin(); it != free_.end() && cached_bytes_ > limit;) {
      auto& blocks = it->second;
      while (!blocks.empty() && cached_bytes_ > limit) {
        out.push_back(std::move(blocks.back()));
        blocks.pop_back();
        cached_bytes_ -= it->first;
      }
      it = blocks.empty() ? free_.erase(it) : std::next(it);
    }
  }

  c10::Allocator* system_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<size_t, std::vector<c10::DataPtr>> free_;
  mutable std::unordered_map<void*, Live> live_;
  mutable size_t cached_bytes_ = 0;
  size_t cap_bytes_ = 0;
  mutable int64_t hits_ = 0, misses_ = 0;
};

CachingHostAllocator* CachingHostAllocator::instance = nullptr;
std::once_flag install_once;
}  // namespace

// Installs the caching allocator as libtorch's CPU allocator (once per process) and sets the cap on idle cached
// bytes; cap 0 releases every cached block and caches nothing from then on.
CDT_API int cdt_host_cache_configure(int64_t cap_bytes) {
  CDT_TRY
  TORCH_CHECK(cap_bytes >= 0, "host cache cap must be >= 0, got ", cap_bytes);
  std::call_once(install_once, [] {
    CachingHostAllocator::instance = new CachingHostAllocator(c10::GetCPUAllocator());
    c10::SetCPUAllocator(CachingHostAllocator::instance, /*priority=*/1);
  });
  CachingHostAllocator::instance->configure(static_cast<size_t>(cap_bytes));
  CDT_CATCH
}

// installed = 0 and all zeros before the first cdt_host_cache_configure.
CDT_API int cdt_host_cache_stats(int* installed, int64_t* cached, int64_t* cap, int64_t* hits, int64_t* misses,
                                 int64_t* live) {
  CDT_TRY
  *installed = CachingHostAllocator::instance ? 1 : 0;
  *cached = *cap = *hits = *misses = *live = 0;
  if (CachingHostAllocator::instance) CachingHostAllocator::instance->stats(cached, cap, hits, misses, live);
  CDT_CATCH
}
