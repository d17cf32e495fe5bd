// BodyPipe on its own: bounded buffering, ordering of data and errors, and
// the wake-ups the server's coroutine relies on.
#include "http/body_pipe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace nasd::http {
namespace {

TEST(BodyPipeTest, AtMostMaxBuffersExistUntilTheReaderFreesOne) {
  std::atomic<int> notified{0};
  BodyPipe pipe(std::nullopt, [&] { ++notified; });
  for (size_t i = 0; i < BodyPipe::kMaxBuffers; ++i) {
    auto buf = pipe.AcquireBuffer();
    ASSERT_TRUE(buf.has_value()) << i;
    EXPECT_GE(buf->capacity(), BodyPipe::kBufferBytes);
    buf->assign(10, static_cast<char>('a' + i));
    pipe.Push(std::move(*buf));
  }
  EXPECT_FALSE(pipe.AcquireBuffer().has_value());  // back-pressure
  EXPECT_EQ(pipe.peak_queued_bytes(), 10 * BodyPipe::kMaxBuffers);

  char out[4];
  auto n = pipe.Read(out, sizeof(out));  // first read: notifies, frees nothing yet
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(notified.load(), 1);
  EXPECT_TRUE(pipe.View().read_requested);
  EXPECT_FALSE(pipe.AcquireBuffer().has_value());
  n = pipe.Read(out, sizeof(out));
  n = pipe.Read(out, sizeof(out));  // the last 2 bytes of the first buffer
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(notified.load(), 2);  // a buffer was freed
  EXPECT_TRUE(pipe.AcquireBuffer().has_value());
}

TEST(BodyPipeTest, QueuedDataComesBeforeTheEndOrTheError) {
  BodyPipe pipe(uint64_t{3}, [] {});
  EXPECT_EQ(pipe.content_length(), uint64_t{3});
  auto buf = pipe.AcquireBuffer();
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
    auto buf = pipe.AcquireBuffer();
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

}  // namespace
}  // namespace nasd::http
