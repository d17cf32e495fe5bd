// Scheduled snapshots: parsing, the due/expired policy, and the scheduler
// taking and retiring snapshots as a fake clock moves.
#include "meta/snapshot_schedule.h"

#include "meta/share_store.h"
#include "meta/snapshot_fixture.h"
#include "meta/snapshot_scheduler.h"

namespace nasd::meta {
namespace {

constexpr int64_t kHourNs = 3600LL * 1'000'000'000;

TEST(SnapshotScheduleTest, ParsesAndFormats) {
  auto s = ParseSchedule("hourly:1h:24");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->label, "hourly");
  EXPECT_EQ(s->every, std::chrono::hours(1));
  EXPECT_EQ(s->keep, 24u);
  for (const char* spec : {"daily:1d:7", "weekly:1w:4", "q:15m:4", "daily:2d:1"})
    EXPECT_EQ(FormatSchedule(*ParseSchedule(spec)), spec);
  for (const char* bad : {"", "hourly", "hourly:1h", "hourly:1h:0", "Hourly:1h:2", "h:30s:2",
                          "h:0h:2", "h:1x:2", "h:1h:2x", "a-b:1h:1"})
    EXPECT_EQ(ParseSchedule(bad).status().code(), Code::kInvalidArgument) << bad;
  EXPECT_FALSE(ValidateSchedules({*ParseSchedule("a:1h:1"), *ParseSchedule("a:1d:1")}).ok());
}

TEST(SnapshotScheduleTest, DueOncePerAlignedPeriodAndKeepsTheNewest) {
  const SnapshotSchedule h = *ParseSchedule("hourly:1h:2");
  const int64_t t = 1764154800LL * 1'000'000'000 + 5 * 60 * 1'000'000'000LL;  // 2025-11-26T11:05Z
  EXPECT_EQ(ScheduledName(h, t), "hourly-2025-11-26T11:00:00Z");
  std::vector<SnapshotInfo> snaps{{"hourly-2025-11-26T11:00:00Z", 3, t}, {"manual", 4, t}};
  EXPECT_FALSE(Due(h, snaps, t + 50LL * 60 * 1'000'000'000));
  EXPECT_TRUE(Due(h, snaps, t + kHourNs));
  snaps.push_back({"hourly-2025-11-26T09:00:00Z", 1, t});
  snaps.push_back({"hourly-2025-11-26T10:00:00Z", 2, t});
  EXPECT_EQ(Expired(h, snaps), std::vector<std::string>{"hourly-2025-11-26T09:00:00Z"});
}

template <typename Factory>
class SchedulerTest : public testing::SnapshotFixture<Factory> {};
TYPED_TEST_SUITE(SchedulerTest, testing::SnapshotFactories, kv::testing::FactoryNames);

TYPED_TEST(SchedulerTest, TakesDueSnapshotsAndRetiresOldOnes) {
  ShareStore shares(*this->kv_);
  auto share = shares.Create("docs");
  ASSERT_TRUE(share.ok());
  ASSERT_TRUE(PutSchedules(*this->kv_, share->id,
                           {*ParseSchedule("hourly:1h:2"), *ParseSchedule("daily:1d:1")})
                  .ok());
  EXPECT_EQ(GetSchedules(*this->kv_, share->id)->size(), 2u);
  int64_t now = 1764154800LL * 1'000'000'000;
  std::vector<std::string> flushed;
  SnapshotScheduler scheduler(
      *this->kv_, [&](std::string_view s) { flushed.emplace_back(s); return Status::Ok(); },
      [&] { return now; });
  auto r = scheduler.RunOnce();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->taken, 2u);
  EXPECT_EQ(flushed, (std::vector<std::string>{"docs", "docs"}));
  EXPECT_EQ(scheduler.RunOnce()->taken, 0u);  // nothing more this hour
  for (int h = 1; h <= 3; ++h) {
    now += kHourNs;
    ASSERT_TRUE(scheduler.RunOnce().ok());
  }
  SnapshotStore store(*this->kv_, share->id);
  std::vector<std::string> names;
  auto list = store.List();
  ASSERT_TRUE(list.ok());
  for (const SnapshotInfo& s : *list) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"daily-2025-11-26T00:00:00Z", "hourly-2025-11-26T13:00:00Z",
                                             "hourly-2025-11-26T14:00:00Z"}));
  ASSERT_TRUE(PutSchedules(*this->kv_, share->id, {}).ok());
  EXPECT_TRUE(GetSchedules(*this->kv_, share->id)->empty());
}

}  // namespace
}  // namespace nasd::meta
