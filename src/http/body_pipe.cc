#include "http/body_pipe.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace nasd::http {

BodyPipe::BodyPipe(std::optional<uint64_t> content_length, std::function<void()> notify)
    : content_length_(content_length), notify_(std::move(notify)) {}

Result<size_t> BodyPipe::Read(char* buf, size_t cap) {
  if (cap == 0) return InvalidArgument("BodyReader::Read needs a non-empty buffer");
  NASD_ASSIGN_OR_RETURN(std::string_view next, Peek());
  const size_t n = std::min(cap, next.size());
  if (n == 0) return n;  // the end (an empty view may have no data pointer)
  std::memcpy(buf, next.data(), n);
  Consume(n);
  return n;
}

Result<std::string_view> BodyPipe::Peek() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!read_requested_) {
    read_requested_ = true;
    if (!ended_) {
      // The producer may be holding back (Expect: 100-continue) until now.
      lock.unlock();
      notify_();
      lock.lock();
    }
  }
  readable_.wait(lock, [this] { return !queue_.empty() || ended_; });
  if (queue_.empty()) {
    if (!error_.ok()) return error_;
    return std::string_view();
  }
  // Only this (the consumer's) thread pops the queue, and the producer's
  // push_back leaves the front element where it is.
  const Queued& front = queue_.front();
  return std::string_view(front.buffer.data() + front_offset_, front.length - front_offset_);
}

void BodyPipe::Consume(size_t n) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.empty()) return;
    Queued& front = queue_.front();
    n = std::min(n, front.length - front_offset_);
    front_offset_ += n;
    queued_bytes_ -= n;
    if (front_offset_ == front.length) {
      free_.push_back(std::move(front.buffer));  // as it is: AcquireBuffer resizes
      queue_.pop_front();
      front_offset_ = 0;
      wake = !ended_;
    }
  }
  if (wake) notify_();
}

void BodyPipe::CloseReader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    reader_closed_ = true;
  }
  notify_();
}

BodyPipe::ProducerView BodyPipe::View() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {.read_requested = read_requested_, .reader_closed = reader_closed_};
}

std::optional<std::string> BodyPipe::AcquireBuffer(size_t size) {
  size = std::clamp<size_t>(size, 1, kBufferBytes);
  std::string buf;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_.empty()) {
      buf = std::move(free_.back());
      free_.pop_back();
    } else if (allocated_ < kMaxBuffers) {
      ++allocated_;
    } else {
      return std::nullopt;
    }
  }
  buf.resize(size);  // zero-fills only what the buffer never held
  return buf;
}

void BodyPipe::Push(std::string buffer, size_t length) {
  length = std::min(length, buffer.size());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (length == 0) {
      free_.push_back(std::move(buffer));
      return;
    }
    queued_bytes_ += length;
    peak_queued_bytes_ = std::max(peak_queued_bytes_, queued_bytes_);
    queue_.push_back(Queued{std::move(buffer), length});
  }
  readable_.notify_all();
}

bool BodyPipe::Starving() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.empty();
}

void BodyPipe::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
  }
  readable_.notify_all();
}

void BodyPipe::Fail(Status status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_) return;
    ended_ = true;
    error_ = std::move(status);
  }
  readable_.notify_all();
}

uint64_t BodyPipe::peak_queued_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return peak_queued_bytes_;
}

}  // namespace nasd::http
