#include "chunk/hash_pool.h"

#include <pthread.h>

#include <algorithm>
#include <system_error>

namespace nasd::chunk {

HashPool::HashPool(size_t max_threads) : max_threads_(std::max<size_t>(1, max_threads)) {}

HashPool::~HashPool() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    workers.swap(workers_);
  }
  work_cv_.notify_all();
  for (std::thread& t : workers) t.join();
}

size_t HashPool::threads() const {
  std::lock_guard lock(mu_);
  return workers_.size();
}

void HashPool::WorkerLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    ++idle_;
    work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    --idle_;
    if (stop_) return;
    Job* job = queue_.front();
    queue_.pop_front();
    job->state_ = Job::State::kRunning;
    lock.unlock();
    const ChunkId id = ChunkId::Of(job->data_);
    lock.lock();
    job->id_ = id;
    job->state_ = Job::State::kDone;
    // The owner may destroy job as soon as the lock is released; the
    // condition variable belongs to the pool, so notifying after is safe.
    lock.unlock();
    done_cv_.notify_all();
    lock.lock();
  }
}

bool HashPool::TakeBack(Job* job) {
  if (job->state_ != Job::State::kQueued) return false;
  queue_.erase(std::find(queue_.begin(), queue_.end(), job));
  job->state_ = Job::State::kTaken;
  return true;
}

HashPool::Job::Job(HashPool& pool, std::string_view data)
    : pool_(pool), data_(data), state_(State::kQueued) {
  bool spawn = false;
  {
    std::lock_guard lock(pool_.mu_);
    pool_.queue_.push_back(this);
    // Every queued job should find a worker; start one when the idle ones
    // are all spoken for.
    spawn = pool_.queue_.size() > pool_.idle_ && pool_.workers_.size() < pool_.max_threads_;
    if (spawn) {
      try {
        pool_.workers_.emplace_back([p = &pool_] {
          pthread_setname_np(pthread_self(), "nasd-hash");
          p->WorkerLoop();
        });
      } catch (const std::system_error&) {
        // No thread to be had (resource limits): the job still completes,
        // on a worker that frees up or on its owner's thread in Wait().
        spawn = false;
      }
    }
  }
  if (!spawn) pool_.work_cv_.notify_one();
}

HashPool::Job::~Job() {
  std::unique_lock lock(pool_.mu_);
  if (pool_.TakeBack(this)) return;
  pool_.done_cv_.wait(lock, [&] { return state_ != State::kRunning; });
}

ChunkId HashPool::Job::Wait() {
  {
    std::unique_lock lock(pool_.mu_);
    if (!pool_.TakeBack(this)) {
      pool_.done_cv_.wait(lock, [&] { return state_ != State::kRunning; });
      return id_;
    }
  }
  id_ = ChunkId::Of(data_);  // no worker got to it: hash here
  return id_;
}

}  // namespace nasd::chunk
