// The Backend contract, staged puts (BeginPut) in particular, run against
// every backend: mem, local, a backend using the default buffered staging,
// and the fault wrapper (no faults armed) over mem and over local.
#include "chunk/backend.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "chunk_test_util.h"

namespace nasd::chunk {
namespace {

using testing::RandomBytes;

// Forwards everything to a mem backend but keeps Backend's default BeginPut.
class DefaultStagingBackend final : public Backend {
 public:
  Status PutObject(std::string_view name, std::string_view data) override {
    return base_->PutObject(name, data);
  }
  Result<std::string> ReadObject(std::string_view name, uint64_t offset, uint64_t length) override {
    return base_->ReadObject(name, offset, length);
  }
  Result<uint64_t> ObjectSize(std::string_view name) override { return base_->ObjectSize(name); }
  Status DeleteObject(std::string_view name) override { return base_->DeleteObject(name); }
  Status ListObjects(const std::function<bool(std::string_view name)>& fn) override {
    return base_->ListObjects(fn);
  }
  BackendUsage Usage() const override { return base_->Usage(); }
  std::string Describe() const override { return "default-staging:" + base_->Describe(); }

 private:
  std::unique_ptr<Backend> base_ = NewMemBackend();
};

// Factories: Make() returns a fresh backend; Temporaries() counts the
// leftovers a staged put could leave (files in a local backend's tmp/).
struct MemFactory {
  static constexpr const char* kName = "mem";
  std::unique_ptr<Backend> Make() { return NewMemBackend(); }
  size_t Temporaries() const { return 0; }
};

struct DefaultStagingFactory {
  static constexpr const char* kName = "default_staging";
  std::unique_ptr<Backend> Make() { return std::make_unique<DefaultStagingBackend>(); }
  size_t Temporaries() const { return 0; }
};

struct LocalFactory {
  static constexpr const char* kName = "local";
  testutil::TempDir dir;
  std::unique_ptr<Backend> Make() {
    auto backend = OpenLocalBackend(dir.Sub("objects"));
    EXPECT_TRUE(backend.ok()) << backend.status().ToString();
    return backend.ok() ? std::move(backend).value() : nullptr;
  }
  size_t Temporaries() const { return testing::CountFiles(dir.path() / "objects" / "tmp"); }
};

struct FaultMemFactory : MemFactory {
  static constexpr const char* kName = "fault_mem";
  std::unique_ptr<Backend> Make() { return std::make_unique<FaultBackend>(MemFactory::Make()); }
};

struct FaultLocalFactory : LocalFactory {
  static constexpr const char* kName = "fault_local";
  std::unique_ptr<Backend> Make() { return std::make_unique<FaultBackend>(LocalFactory::Make()); }
};

template <typename Factory>
class BackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = factory_.Make();
    ASSERT_NE(backend_, nullptr);
  }

  std::unique_ptr<PendingObject> MustBegin() {
    Result<std::unique_ptr<PendingObject>> pending = backend_->BeginPut();
    EXPECT_TRUE(pending.ok()) << pending.status().ToString();
    return pending.ok() ? std::move(pending).value() : nullptr;
  }

  std::set<std::string> Names() {
    std::set<std::string> names;
    EXPECT_TRUE(backend_
                    ->ListObjects([&](std::string_view n) {
                      names.emplace(n);
                      return true;
                    })
                    .ok());
    return names;
  }

  std::string Read(std::string_view name) {
    Result<std::string> got = backend_->ReadObject(name, 0, 1ULL << 40);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : std::string();
  }

  Factory factory_;
  std::unique_ptr<Backend> backend_;
};

struct FactoryName {
  template <typename F>
  static std::string GetName(int) {
    return F::kName;
  }
};

using Factories = ::testing::Types<MemFactory, DefaultStagingFactory, LocalFactory, FaultMemFactory,
                                   FaultLocalFactory>;
TYPED_TEST_SUITE(BackendTest, Factories, FactoryName);

TYPED_TEST(BackendTest, StagedPutIsInvisibleUntilCommit) {
  auto pending = this->MustBegin();
  ASSERT_NE(pending, nullptr);
  const std::string_view first[] = {"hello, ", "", "staged "};
  const std::string_view second[] = {"world"};
  ASSERT_TRUE(pending->Append(first).ok());
  ASSERT_TRUE(pending->Append(second).ok());
  EXPECT_EQ(this->backend_->ObjectSize("obj").status().code(), Code::kNotFound);
  ASSERT_TRUE(pending->Sync().ok());
  EXPECT_EQ(this->backend_->ObjectSize("obj").status().code(), Code::kNotFound);
  EXPECT_TRUE(this->Names().empty());
  EXPECT_EQ(this->backend_->Usage().objects, 0u);

  ASSERT_TRUE(pending->Commit("obj").ok());
  EXPECT_EQ(this->Read("obj"), "hello, staged world");
  EXPECT_EQ(this->Names(), std::set<std::string>{"obj"});
  EXPECT_EQ(this->backend_->Usage().objects, 1u);
  EXPECT_EQ(this->backend_->Usage().bytes, 19u);
  EXPECT_EQ(this->factory_.Temporaries(), 0u);
}

TYPED_TEST(BackendTest, AbortAndDestructionDiscardEverything) {
  auto aborted = this->MustBegin();
  auto dropped = this->MustBegin();
  ASSERT_NE(aborted, nullptr);
  ASSERT_NE(dropped, nullptr);
  const std::string data = RandomBytes(100000, 1);
  const std::string_view parts[] = {data};
  ASSERT_TRUE(aborted->Append(parts).ok());
  ASSERT_TRUE(aborted->Sync().ok());
  ASSERT_TRUE(dropped->Append(parts).ok());
  aborted->Abort();
  aborted->Abort();  // idempotent
  dropped.reset();   // never committed: aborted
  EXPECT_TRUE(this->Names().empty());
  EXPECT_EQ(this->backend_->Usage().objects, 0u);
  EXPECT_EQ(this->backend_->Usage().bytes, 0u);
  EXPECT_EQ(this->factory_.Temporaries(), 0u);
  EXPECT_EQ(aborted->Commit("obj").code(), Code::kFailedPrecondition);
  EXPECT_EQ(this->backend_->ObjectSize("obj").status().code(), Code::kNotFound);
}

TYPED_TEST(BackendTest, FinishedStagedPutRejectsFurtherUse) {
  auto pending = this->MustBegin();
  ASSERT_NE(pending, nullptr);
  ASSERT_TRUE(pending->Commit("empty").ok());
  const std::string_view parts[] = {"late"};
  EXPECT_EQ(pending->Append(parts).code(), Code::kFailedPrecondition);
  EXPECT_EQ(pending->Sync().code(), Code::kFailedPrecondition);
  EXPECT_EQ(pending->Commit("other").code(), Code::kFailedPrecondition);
  pending->Abort();  // a no-op after Commit
  EXPECT_EQ(this->Names(), std::set<std::string>{"empty"});
  EXPECT_EQ(this->Read("empty"), "");
}

TYPED_TEST(BackendTest, CommitReplacesAnExistingObject) {
  ASSERT_TRUE(this->backend_->PutObject("obj", "old bytes").ok());
  auto pending = this->MustBegin();
  ASSERT_NE(pending, nullptr);
  const std::string_view parts[] = {"new"};
  ASSERT_TRUE(pending->Append(parts).ok());
  ASSERT_TRUE(pending->Commit("obj").ok());
  EXPECT_EQ(this->Read("obj"), "new");
  EXPECT_EQ(this->backend_->Usage().objects, 1u);
  EXPECT_EQ(this->backend_->Usage().bytes, 3u);
}

TYPED_TEST(BackendTest, CommitUnderAnInvalidNameLeavesNothing) {
  auto pending = this->MustBegin();
  ASSERT_NE(pending, nullptr);
  const std::string_view parts[] = {"bytes"};
  ASSERT_TRUE(pending->Append(parts).ok());
  EXPECT_EQ(pending->Commit("Not/Valid").code(), Code::kInvalidArgument);
  EXPECT_TRUE(this->Names().empty());
  EXPECT_EQ(this->backend_->Usage().objects, 0u);
  EXPECT_EQ(this->factory_.Temporaries(), 0u);
}

TYPED_TEST(BackendTest, ManySmallPartsMakeOneLargeObject) {
  const std::string data = RandomBytes(5 << 20, 2);
  std::vector<std::string_view> parts;
  for (size_t at = 0; at < data.size(); at += 3000) {
    parts.push_back(std::string_view(data).substr(at, 3000));
  }
  auto pending = this->MustBegin();
  ASSERT_NE(pending, nullptr);
  // More parts than one writev takes (IOV_MAX is 1024 on Linux).
  ASSERT_GT(parts.size(), 1024u);
  ASSERT_TRUE(pending->Append(parts).ok());
  ASSERT_TRUE(pending->Commit("large").ok());
  EXPECT_TRUE(this->Read("large") == data);
}

TYPED_TEST(BackendTest, ConcurrentStagedPuts) {
  const std::string shared = RandomBytes(300000, 3);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (const std::string& name : {"own" + std::to_string(t), std::string("shared")}) {
        auto pending = this->backend_->BeginPut();
        if (!pending.ok()) return;
        const std::string data = name == "shared" ? shared : RandomBytes(1000, t);
        const std::string_view parts[] = {data};
        if ((*pending)->Append(parts).ok() && (*pending)->Commit(name).ok()) ok.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 16);
  EXPECT_EQ(this->Names().size(), 9u);
  EXPECT_TRUE(this->Read("shared") == shared);
  EXPECT_EQ(this->backend_->Usage().objects, 9u);
  EXPECT_EQ(this->backend_->Usage().bytes, 8 * 1000 + shared.size());
  EXPECT_EQ(this->factory_.Temporaries(), 0u);
}

}  // namespace
}  // namespace nasd::chunk
