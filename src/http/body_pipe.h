// BodyPipe: the bounded hand-over of a streamed request body from a
// connection's I/O coroutine (the producer, which reads the socket) to the
// handler's worker thread (the consumer, through BodyReader::Read).
//
// Memory is bounded whatever the body size: at most kMaxBuffers buffers of
// kBufferBytes exist per pipe (queued, being read or being filled). When all
// are in use, AcquireBuffer() returns nullopt and the producer stops reading
// the socket until the consumer frees one (back-pressure on the client).
//
// Plain C++ (no Asio): the producer learns that it may proceed through
// `notify`, which the server turns into a wake-up on the connection's strand.
//
// Thread safety: producer calls come from one strand, consumer calls from one
// worker thread; all state is guarded by one mutex. `notify` is called
// without the lock held, from the consumer's thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/thread_annotations.h"
#include "http/message.h"

namespace nasd::http {

class BodyPipe final : public BodyReader {
 public:
  static constexpr size_t kBufferBytes = 256 * 1024;
  // A partly filled buffer is pushed to a starving consumer from this size on.
  static constexpr size_t kEagerPushBytes = 64 * 1024;
  static constexpr size_t kMaxBuffers = 4;
  // The server reads a body of at most this many bytes (Content-Length,
  // without Expect: 100-continue) whole into the pipe before the handler
  // starts, so the handler never waits for it.
  static constexpr uint64_t kPrefillBytes = 64 * 1024;

  // notify: called when the producer may be able to proceed: the first
  // Read() or a buffer freed while the body is still arriving, or
  // CloseReader(). (Once the body ended, the producer only waits for
  // CloseReader: waking it for reads would cost a thread switch each.)
  BodyPipe(std::optional<uint64_t> content_length, std::function<void()> notify);

  // --- consumer (the handler's thread) ---
  // Data queued before an error or the end is delivered first. cap == 0 is
  // kInvalidArgument (0 means the end of the body).
  Result<size_t> Read(char* buf, size_t cap) override EXCLUDES(mu_);
  // The view is of the front buffer, which the producer no longer touches.
  Result<std::string_view> Peek() override EXCLUDES(mu_);
  void Consume(size_t n) override EXCLUDES(mu_);
  std::optional<uint64_t> content_length() const override { return content_length_; }
  // The handler returned: nothing will be read any more.
  void CloseReader() EXCLUDES(mu_);

  // --- producer (the I/O strand); never blocks ---
  struct ProducerView {
    bool read_requested = false;  // Read() was called at least once
    bool reader_closed = false;   // CloseReader() was called
  };
  ProducerView View() const EXCLUDES(mu_);
  // A buffer of `size` bytes (1..kBufferBytes) to fill, or nullopt while
  // kMaxBuffers are in use (wait for notify and retry). Its bytes are
  // unspecified: a freed buffer comes back as it was, so a buffer is
  // zero-filled at most once (size it to the body: a 4 KiB upload needs no
  // 256 KiB of zeros).
  std::optional<std::string> AcquireBuffer(size_t size) EXCLUDES(mu_);
  // Queues the first `length` bytes of buffer (from AcquireBuffer; all of it
  // by default) for the consumer. The rest is not read, and buffer returns to
  // AcquireBuffer whole, so a part-filled push costs no zero fill later.
  void Push(std::string buffer, size_t length = std::string::npos) EXCLUDES(mu_);
  // True when the consumer has nothing queued (so a partly filled buffer is
  // worth pushing now rather than when full).
  bool Starving() const EXCLUDES(mu_);
  // The body ended (Read returns 0 once the queue is drained) or failed with
  // status (Read returns it once the queue is drained). The first call wins.
  void Finish() EXCLUDES(mu_);
  void Fail(Status status) EXCLUDES(mu_);

  // Test hook: the most body bytes ever queued and unread at once.
  uint64_t peak_queued_bytes() const EXCLUDES(mu_);

 private:
  const std::optional<uint64_t> content_length_;
  const std::function<void()> notify_;

  mutable std::mutex mu_;
  std::condition_variable readable_;
  struct Queued {
    std::string buffer;
    size_t length;  // bytes of buffer that are body
  };
  std::deque<Queued> queue_ GUARDED_BY(mu_);
  size_t front_offset_ GUARDED_BY(mu_) = 0;  // bytes of queue_.front() already read
  std::vector<std::string> free_ GUARDED_BY(mu_);
  size_t allocated_ GUARDED_BY(mu_) = 0;
  uint64_t queued_bytes_ GUARDED_BY(mu_) = 0;
  uint64_t peak_queued_bytes_ GUARDED_BY(mu_) = 0;
  bool ended_ GUARDED_BY(mu_) = false;  // Finish() or Fail()
  Status error_ GUARDED_BY(mu_);
  bool read_requested_ GUARDED_BY(mu_) = false;
  bool reader_closed_ GUARDED_BY(mu_) = false;
};

}  // namespace nasd::http
