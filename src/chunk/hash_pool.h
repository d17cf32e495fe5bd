// HashPool: a few persistent threads that compute chunk ids (SHA-256), so
// that ChunkStore::Put can hash a chunk while its own thread writes it.
//
// A Job that no worker has started by the time its owner waits for it is
// taken back and hashed on the owner's thread. So a put never waits behind
// other puts' hashing, and a pool of any size (even one busy thread) is
// correct: it only decides how much hashing overlaps.
//
// Workers start on demand, when a job is queued and no idle worker is left
// to take it, up to max_threads; they live until the pool is destroyed.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "chunk/chunk_store.h"
#include "common/thread_annotations.h"

namespace nasd::chunk {

class HashPool {
 public:
  // REQUIRES: max_threads >= 1.
  explicit HashPool(size_t max_threads);
  // REQUIRES: no Job is alive. Joins the workers.
  ~HashPool();
  HashPool(const HashPool&) = delete;
  HashPool& operator=(const HashPool&) = delete;

  // One hash in flight: constructing it queues the hash of data, Wait()
  // returns it. data must stay valid and unchanged until Wait() returns or
  // the Job is destroyed. Destroying a Job that was not waited for cancels
  // it (waiting for a worker that already started it). Not movable: the pool
  // refers to it while it is queued.
  class Job {
   public:
    Job(HashPool& pool, std::string_view data);
    ~Job();
    Job(const Job&) = delete;
    Job& operator=(const Job&) = delete;

    // The SHA-256 of data. Call at most once.
    ChunkId Wait();

   private:
    friend class HashPool;
    enum class State { kQueued, kRunning, kDone, kTaken };

    HashPool& pool_;
    const std::string_view data_;
    ChunkId id_;   // written by the worker before kDone
    State state_;  // guarded by pool_.mu_
  };

  // Workers started so far (for tests and metrics).
  size_t threads() const;

 private:
  void WorkerLoop();
  // Removes job from the queue if no worker has started it.
  // Returns whether it was removed.
  bool TakeBack(Job* job) REQUIRES(mu_);

  const size_t max_threads_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // a job was queued, or stop_
  std::condition_variable done_cv_;  // a job reached kDone
  std::deque<Job*> queue_ GUARDED_BY(mu_);
  std::vector<std::thread> workers_ GUARDED_BY(mu_);
  size_t idle_ GUARDED_BY(mu_) = 0;  // workers waiting for a job
  bool stop_ GUARDED_BY(mu_) = false;
};

}  // namespace nasd::chunk
