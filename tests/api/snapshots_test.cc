// /api/v1/shares/{name}/snapshots over a real server.
#include <nlohmann/json.hpp>

#include "api/api_fixture.h"
#include "kv/retry.h"
#include "meta/share_fs.h"
#include "meta/share_txn.h"
#include "meta/snapshot_store.h"

namespace nasd::api::testing {
namespace {

class SnapshotsApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ctx_.flush_share = [this](std::string_view share) {
      flushed_.emplace_back(share);
      return Status::Ok();
    };
    ASSERT_EQ(Call("POST", "/api/v1/shares", R"({"name":"docs"})").status, 201);
  }
  std::vector<std::string> flushed_;
};

TEST_F(SnapshotsApiTest, Lifecycle) {
  auto made = Call("POST", "/api/v1/shares/docs/snapshots", R"({"name":"before"})");
  ASSERT_EQ(made.status, 201) << made.body;
  auto j = nlohmann::json::parse(made.body);
  EXPECT_EQ(j["name"], "before");
  EXPECT_EQ(j["epoch"], 1);
  EXPECT_EQ(made.headers.Get("location").value_or(""), "/api/v1/shares/docs/snapshots/before");
  EXPECT_EQ(flushed_, std::vector<std::string>{"docs"});  // buffered writes land first

  auto unnamed = Call("POST", "/api/v1/shares/docs/snapshots");
  ASSERT_EQ(unnamed.status, 201) << unnamed.body;
  const std::string stamp = nlohmann::json::parse(unnamed.body)["name"];
  EXPECT_EQ(stamp.size(), 20u) << stamp;  // 2026-11-26T11:00:00Z
  EXPECT_EQ(stamp.back(), 'Z');

  EXPECT_EQ(ErrorCode(Call("POST", "/api/v1/shares/docs/snapshots", R"({"name":"before"})")),
            "already_exists");
  EXPECT_EQ(Call("POST", "/api/v1/shares/docs/snapshots", R"({"name":".x"})").status, 400);
  EXPECT_EQ(Call("POST", "/api/v1/shares/docs/snapshots", R"({"nam":"x"})").status, 400);
  EXPECT_EQ(Call("POST", "/api/v1/shares/nope/snapshots", R"({"name":"x"})").status, 404);

  auto list = Call("GET", "/api/v1/shares/docs/snapshots");
  ASSERT_EQ(list.status, 200);
  auto l = nlohmann::json::parse(list.body);
  EXPECT_EQ(l["share"], "docs");
  ASSERT_EQ(l["snapshots"].size(), 2u);
  EXPECT_EQ(l["snapshots"][0]["name"], "before");
  EXPECT_EQ(Call("GET", "/api/v1/shares/docs/snapshots/before").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/shares/docs/snapshots/none").status, 404);

  auto restored = Call("POST", "/api/v1/shares/docs/snapshots/before/restore");
  ASSERT_EQ(restored.status, 200) << restored.body;
  auto r = nlohmann::json::parse(restored.body);
  const std::string safety = r["safety_snapshot"]["name"];
  EXPECT_EQ(safety.rfind("pre-restore-", 0), 0u) << safety;
  EXPECT_EQ(Call("GET", "/api/v1/shares/docs/snapshots/" + safety).status, 200);
  EXPECT_EQ(Call("POST", "/api/v1/shares/docs/snapshots/none/restore").status, 404);

  EXPECT_EQ(Call("DELETE", "/api/v1/shares/docs/snapshots/before").status, 204);
  EXPECT_EQ(Call("DELETE", "/api/v1/shares/docs/snapshots/before").status, 404);
  EXPECT_EQ(nlohmann::json::parse(Call("GET", "/api/v1/shares/docs/snapshots").body)["snapshots"].size(), 2u);
  EXPECT_EQ(Call("GET", "/api/v1/shares/docs/snapshots", "", /*auth=*/false).status, 401);
}

TEST_F(SnapshotsApiTest, Schedules) {
  auto empty = Call("GET", "/api/v1/shares/docs/snapshot-schedules");
  ASSERT_EQ(empty.status, 200);
  EXPECT_TRUE(nlohmann::json::parse(empty.body)["schedules"].empty());
  auto put = Call("PUT", "/api/v1/shares/docs/snapshot-schedules",
                  R"({"schedules":["hourly:1h:24","daily:1d:7"]})");
  ASSERT_EQ(put.status, 200) << put.body;
  auto got = nlohmann::json::parse(Call("GET", "/api/v1/shares/docs/snapshot-schedules").body);
  EXPECT_EQ(got["schedules"], nlohmann::json::parse(R"(["hourly:1h:24","daily:1d:7"])"));
  EXPECT_EQ(Call("PUT", "/api/v1/shares/docs/snapshot-schedules", R"({"schedules":["x:1s:1"]})").status, 400);
  EXPECT_EQ(Call("PUT", "/api/v1/shares/docs/snapshot-schedules", R"({"schedules":["a:1h:1","a:1d:1"]})").status, 400);
  EXPECT_EQ(Call("PUT", "/api/v1/shares/docs/snapshot-schedules", R"({"other":[]})").status, 400);
  EXPECT_EQ(Call("PUT", "/api/v1/shares/nope/snapshot-schedules", R"({"schedules":[]})").status, 404);
  ASSERT_EQ(Call("PUT", "/api/v1/shares/docs/snapshot-schedules", R"({"schedules":[]})").status, 200);
  EXPECT_TRUE(nlohmann::json::parse(Call("GET", "/api/v1/shares/docs/snapshot-schedules").body)["schedules"].empty());
}

TEST_F(SnapshotsApiTest, SpaceHeldByTheLiveViewAndBySnapshots) {
  const uint64_t id = shares_.Get("docs")->id;
  ASSERT_TRUE(meta::EnsureShareFs(*kv_, id, 1).ok());
  auto put_block = [&](uint64_t block, char chunk, uint32_t length) {
    ASSERT_TRUE(kv::RunTransaction(*kv_, [&](kv::Transaction& t) -> Status {
                  NASD_ASSIGN_OR_RETURN(meta::ShareTxn txn, meta::ShareTxn::Open(t, id));
                  return txn.PutBlock(10, block, meta::BlockRecord{std::string(32, chunk), length});
                }).ok());
  };
  put_block(0, 'a', 4 << 20);
  put_block(1, 'b', 4 << 20);
  ASSERT_EQ(Call("POST", "/api/v1/shares/docs/snapshots", R"({"name":"one"})").status, 201);
  put_block(1, 'c', 1 << 20);  // overwrite: 'b' is now the snapshot's alone
  ASSERT_EQ(Call("POST", "/api/v1/shares/docs/snapshots", R"({"name":"two"})").status, 201);

  auto list = nlohmann::json::parse(Call("GET", "/api/v1/shares/docs/snapshots").body);
  EXPECT_EQ(list["live_bytes"], (4 << 20) + (1 << 20));
  EXPECT_EQ(list["snapshot_bytes"], 4 << 20);
  ASSERT_EQ(list["snapshots"].size(), 2u);
  EXPECT_EQ(list["snapshots"][0]["name"], "one");
  EXPECT_EQ(list["snapshots"][0]["exclusive_bytes"], 4 << 20);
  EXPECT_EQ(list["snapshots"][1]["exclusive_bytes"], 0);  // sees what live sees

  auto detail = nlohmann::json::parse(Call("GET", "/api/v1/shares/docs").body);
  EXPECT_EQ(detail["live_bytes"], (4 << 20) + (1 << 20));
  EXPECT_EQ(detail["snapshot_bytes"], 4 << 20);
  EXPECT_EQ(detail["snapshots"], 2);
  auto shares = nlohmann::json::parse(Call("GET", "/api/v1/shares").body);
  EXPECT_EQ(shares["shares"][0]["snapshot_bytes"], 4 << 20);
  auto status = nlohmann::json::parse(Call("GET", "/api/v1/status").body);
  ASSERT_EQ(status["share_usage"].size(), 1u);
  EXPECT_EQ(status["share_usage"][0]["name"], "docs");
  EXPECT_EQ(status["share_usage"][0]["live_bytes"], (4 << 20) + (1 << 20));
  EXPECT_EQ(status["share_usage"][0]["snapshot_bytes"], 4 << 20);
}

TEST_F(SnapshotsApiTest, GcWithoutACollectorIsNotSupported) {
  EXPECT_EQ(Call("POST", "/api/v1/gc?dry_run=true").status, 501);
  ctx_.run_gc = [](bool dry_run) -> Result<std::string> {
    return nlohmann::json{{"dry_run", dry_run}}.dump();
  };
  auto r = Call("POST", "/api/v1/gc?dry_run=true");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["dry_run"], true);
}

}  // namespace
}  // namespace nasd::api::testing
