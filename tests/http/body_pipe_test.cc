// BodyPipe on its own: bounded buffering, ordering of data and errors, and
// the wake-ups the server's coroutine relies on.
#include "http/body_pipe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace nasd::http {
namespace {

TEST(BodyPipeTest, AtMostMaxBuffersExistUntilTheReaderFreesOne) {
  std::atomic<int> notified{0};
  BodyPipe pipe(std::nullopt, [&] { ++notified; });
  for (size_t i = 0; i < BodyPipe::kMaxBuffers; ++i) {
    auto buf = pipe.AcquireBuffer(BodyPipe::kBufferBytes);
    ASSERT_TRUE(buf.has_value()) << i;
    EXPECT_EQ(buf->size(), BodyPipe::kBufferBytes);
    buf->assign(10, static_cast<char>('a' + i));
    pipe.Push(std::move(*buf));
  }
  EXPECT_FALSE(pipe.AcquireBuffer(16).has_value());  // back-pressure
  EXPECT_EQ(pipe.peak_queued_bytes(), 10 * BodyPipe::kMaxBuffers);

  char out[4];
  auto n = pipe.Read(out, sizeof(out));  // first read: notifies, frees nothing yet
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(notified.load(), 1);
  EXPECT_TRUE(pipe.View().read_requested);
  EXPECT_FALSE(pipe.AcquireBuffer(16).has_value());
  n = pipe.Read(out, sizeof(out));
  n = pipe.Read(out, sizeof(out));  // the last 2 bytes of the first buffer
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(notified.load(), 2);  // a buffer was freed
  EXPECT_TRUE(pipe.AcquireBuffer(16).has_value());
}

// A part-filled buffer delivers only its filled bytes and comes back whole:
// growing a shrunken string would zero-fill it again (3% of a big upload's
// CPU went to that memset).
TEST(BodyPipeTest, APartFilledBufferComesBackWhole) {
  BodyPipe pipe(std::nullopt, [] {});
  for (size_t i = 0; i < BodyPipe::kMaxBuffers; ++i) {
    auto buf = pipe.AcquireBuffer(BodyPipe::kBufferBytes);
    ASSERT_TRUE(buf.has_value());
    std::fill(buf->begin(), buf->end(), 'x');
    buf->replace(0, 3, "abc");
    pipe.Push(std::move(*buf), 3);
  }
  pipe.Finish();
  char out[16];
  for (size_t i = 0; i < BodyPipe::kMaxBuffers; ++i) {
    auto n = pipe.Read(out, sizeof(out));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(std::string(out, *n), "abc") << i;
  }
  EXPECT_EQ(*pipe.Read(out, sizeof(out)), 0u);
  auto again = pipe.AcquireBuffer(BodyPipe::kBufferBytes);
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(again->size(), BodyPipe::kBufferBytes);
  EXPECT_EQ(again->find_first_not_of('x', 3), std::string::npos) << "zero-filled again";
}

// Peek shows the queued bytes in place; Consume takes them a part at a time
// and frees the buffer (waking the producer) once it is used up.
TEST(BodyPipeTest, PeekAndConsumeReadWithoutACopy) {
  std::atomic<int> notified{0};
  BodyPipe pipe(std::nullopt, [&] { ++notified; });
  auto buf = pipe.AcquireBuffer(16);
  buf->replace(0, 5, "hello");
  const char* where = buf->data();
  pipe.Push(std::move(*buf), 5);
  auto view = pipe.Peek();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(*view, "hello");
  EXPECT_EQ(view->data(), where) << "not a copy";
  EXPECT_EQ(notified.load(), 1);  // the first read request
  pipe.Consume(2);
  view = pipe.Peek();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(*view, "llo");
  pipe.Consume(3);
  EXPECT_EQ(notified.load(), 2);  // a buffer was freed
  pipe.Fail(Unavailable("gone"));
  view = pipe.Peek();
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.status().code(), Code::kUnavailable);
}

TEST(BodyPipeTest, QueuedDataComesBeforeTheEndOrTheError) {
  BodyPipe pipe(uint64_t{3}, [] {});
  EXPECT_EQ(pipe.content_length(), uint64_t{3});
  auto buf = pipe.AcquireBuffer(16);
  *buf = "abc";
  pipe.Push(std::move(*buf));
  pipe.Fail(TooLarge("over"));
  pipe.Finish();  // too late: the first end wins
  char out[8];
  auto n = pipe.Read(out, sizeof(out));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(out, *n), "abc");
  for (int i = 0; i < 2; ++i) {
    n = pipe.Read(out, sizeof(out));
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.status().code(), Code::kTooLarge);
  }
  EXPECT_EQ(pipe.Read(out, 0).status().code(), Code::kInvalidArgument);
}

TEST(BodyPipeTest, ReadBlocksUntilDataOrEnd) {
  BodyPipe pipe(std::nullopt, [] {});
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto buf = pipe.AcquireBuffer(16);
    *buf = "late";
    pipe.Push(std::move(*buf));
    pipe.Finish();
  });
  char out[8];
  auto n = pipe.Read(out, sizeof(out));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(out, *n), "late");
  n = pipe.Read(out, sizeof(out));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  producer.join();
  pipe.CloseReader();
  EXPECT_TRUE(pipe.View().reader_closed);
}

// Bytes read, or 999 on an error.
size_t ReadOk(BodyPipe& pipe, char* out, size_t cap) {
  auto n = pipe.Read(out, cap);
  return n.ok() ? *n : 999;
}

// Buffers are sized as asked (within 1..kBufferBytes), and a freed buffer
// comes back as it was rather than zero-filled again.
TEST(BodyPipeTest, BuffersAreSizedToTheAskAndReusedAsTheyWere) {
  BodyPipe pipe(std::nullopt, [] {});
  EXPECT_EQ(pipe.AcquireBuffer(0)->size(), 1u);
  EXPECT_EQ(pipe.AcquireBuffer(4096)->size(), 4096u);
  EXPECT_EQ(pipe.AcquireBuffer(BodyPipe::kBufferBytes + 1)->size(), BodyPipe::kBufferBytes);
  auto buf = pipe.AcquireBuffer(8);
  ASSERT_TRUE(buf.has_value());
  *buf = "abcdefgh";
  pipe.Push(std::move(*buf));
  EXPECT_FALSE(pipe.AcquireBuffer(8).has_value());  // all kMaxBuffers handed out
  char out[8];
  ASSERT_EQ(ReadOk(pipe, out, sizeof(out)), 8u);
  auto again = pipe.AcquireBuffer(8);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, "abcdefgh");
  pipe.Push(std::move(*again));
  ASSERT_EQ(ReadOk(pipe, out, sizeof(out)), 8u);
  auto bigger = pipe.AcquireBuffer(10);
  ASSERT_TRUE(bigger.has_value());
  EXPECT_EQ(*bigger, std::string("abcdefgh\0\0", 10));
}

// Once the body has ended the producer waits only for CloseReader, so reads
// wake it no more (each wake-up costs the server a thread switch).
TEST(BodyPipeTest, ReadsOfAnEndedBodyDoNotWakeTheProducer) {
  std::atomic<int> notified{0};
  BodyPipe pipe(uint64_t{3}, [&] { ++notified; });
  auto buf = pipe.AcquireBuffer(3);
  *buf = "abc";
  pipe.Push(std::move(*buf));
  pipe.Finish();
  char out[8];
  EXPECT_EQ(ReadOk(pipe, out, sizeof(out)), 3u);
  EXPECT_EQ(ReadOk(pipe, out, sizeof(out)), 0u);
  EXPECT_EQ(notified.load(), 0);
  pipe.CloseReader();
  EXPECT_EQ(notified.load(), 1);
}

}  // namespace
}  // namespace nasd::http
