#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "metrics/promtool_check.h"

namespace nasd::metrics {
namespace {

// Value of the first sample line that starts with `series ` in text.
double SampleValue(const std::string& text, const std::string& series) {
  size_t pos = text.find("\n" + series + " ");
  if (pos == std::string::npos) return std::nan("");
  size_t start = pos + series.size() + 2;
  return std::stod(text.substr(start, text.find('\n', start) - start));
}

TEST(CounterTest, IncrementsAndRejectsNegative) {
  Counter c;
  c.Inc();
  c.Inc(2.5);
  EXPECT_DOUBLE_EQ(c.Value(), 3.5);
  EXPECT_DEATH(c.Inc(-1), "counter increment must be >= 0");
}

TEST(CounterTest, ConcurrentIncrementsAreNotLost) {
  Counter c;
  Gauge g;
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      // Start together so that the updates really race.
      ready.fetch_add(1);
      while (ready.load() < 4) {
      }
      for (int i = 0; i < 200000; ++i) {
        c.Inc(0.5);
        g.Add(-0.25);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_DOUBLE_EQ(c.Value(), 400000.0);
  EXPECT_DOUBLE_EQ(g.Value(), -200000.0);
}

TEST(GaugeTest, SetAndAdd) {
  Gauge g;
  g.Set(10);
  g.Add(-3);
  EXPECT_DOUBLE_EQ(g.Value(), 7);
}

TEST(HistogramTest, BucketsAreCumulativeAndBoundsInclusive) {
  Histogram h({1, 5, 10});
  h.Observe(0.5);
  h.Observe(1);  // le="1" is inclusive
  h.Observe(3);
  h.Observe(10);
  h.Observe(100);
  Histogram::Snapshot s = h.Snap();
  EXPECT_EQ(s.bounds, (std::vector<double>{1, 5, 10}));
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{2, 3, 4, 5}));
  EXPECT_EQ(s.count, 5u);
  EXPECT_DOUBLE_EQ(s.sum, 114.5);
}

TEST(HistogramTest, NanLandsInTheInfBucketOnly) {
  Histogram h({1, 5, 10});
  h.Observe(std::nan(""));
  Histogram::Snapshot s = h.Snap();
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{0, 0, 0, 1}));
  EXPECT_EQ(s.count, 1u);
}

TEST(HistogramTest, RejectsBadBounds) {
  EXPECT_DEATH(Histogram({1, 1}), "strictly increasing");
  EXPECT_DEATH(Histogram({2, 1}), "strictly increasing");
  EXPECT_DEATH(Histogram({1, std::numeric_limits<double>::infinity()}), "finite");
}

TEST(HistogramTest, LatencyBucketsSpan100usTo10s) {
  auto b = LatencyBuckets();
  ASSERT_FALSE(b.empty());
  EXPECT_DOUBLE_EQ(b.front(), 0.0001);
  EXPECT_DOUBLE_EQ(b.back(), 10.0);
  Histogram h(b);  // must be valid bounds
  h.Observe(0.003);
  EXPECT_EQ(h.Snap().count, 1u);
}

TEST(FamilyTest, WithCreatesOnceAndForEachIsSorted) {
  Registry r;
  auto& f = r.AddCounter("x_total", "x", {"a", "b"});
  Counter& c1 = f.With({"z", "1"});
  Counter& c2 = f.With({"z", "1"});
  EXPECT_EQ(&c1, &c2);
  f.With({"a", "2"}).Inc(3);
  f.With({"m", "0"});
  std::vector<LabelValues> seen;
  f.ForEach([&](const LabelValues& v, const Counter&) { seen.push_back(v); });
  EXPECT_EQ(seen, (std::vector<LabelValues>{{"a", "2"}, {"m", "0"}, {"z", "1"}}));
  EXPECT_DEATH(f.With({"only-one"}), "label value count 1 != label count 2");
}

TEST(RegistryTest, RejectsBadRegistrations) {
  Registry r;
  r.AddGauge("g", "g");
  r.AddHistogram("h_seconds", "h", {}, {1});
  EXPECT_DEATH(r.AddGauge("g", "again"), "registered twice");
  EXPECT_DEATH(r.AddCounter("g_total", "c", {"bad-label"}), "invalid label name");
  EXPECT_DEATH(r.AddCounter("requests", "c"), "must end in _total");
  EXPECT_DEATH(r.AddGauge("1abc", "g"), "invalid metric name");
  EXPECT_DEATH(r.AddGauge("a-b", "g"), "invalid metric name");
  EXPECT_DEATH(r.AddGauge("x", "g", {"__reserved"}), "invalid label name");
  EXPECT_DEATH(r.AddGauge("x", "g", {"a", "a"}), "duplicate label");
  EXPECT_DEATH(r.AddHistogram("y", "h", {"le"}, {1}), "reserved");
  EXPECT_DEATH(r.AddHistogram("y", "h", {}, {3, 2}), "strictly increasing");
  EXPECT_DEATH(r.AddGauge("h_seconds_count", "g"), "registered twice");
  EXPECT_DEATH(r.AddGaugeCallback("cb", "g", nullptr), "empty");
}

TEST(RegistryTest, RendersTextFormat) {
  Registry r;
  auto& req = r.AddCounter("app_requests_total", "Requests served.", {"method"});
  req.With({"GET"}).Inc(3);
  req.With({"DELETE"}).Inc();
  r.AddGauge("app_temperature_celsius", "Temp.").With({}).Set(-1.5);
  auto& h = r.AddHistogram("app_latency_seconds", "Latency.", {"route"}, {0.1, 1});
  h.With({"/a"}).Observe(0.05);
  h.With({"/a"}).Observe(2);
  r.AddGaugeCallback("app_answer", "The answer.", [] { return 42.0; });

  const std::string expected =
      "# HELP app_answer The answer.\n"
      "# TYPE app_answer gauge\n"
      "app_answer 42\n"
      "# HELP app_latency_seconds Latency.\n"
      "# TYPE app_latency_seconds histogram\n"
      "app_latency_seconds_bucket{route=\"/a\",le=\"0.1\"} 1\n"
      "app_latency_seconds_bucket{route=\"/a\",le=\"1\"} 1\n"
      "app_latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 2\n"
      "app_latency_seconds_sum{route=\"/a\"} 2.05\n"
      "app_latency_seconds_count{route=\"/a\"} 2\n"
      "# HELP app_requests_total Requests served.\n"
      "# TYPE app_requests_total counter\n"
      "app_requests_total{method=\"DELETE\"} 1\n"
      "app_requests_total{method=\"GET\"} 3\n"
      "# HELP app_temperature_celsius Temp.\n"
      "# TYPE app_temperature_celsius gauge\n"
      "app_temperature_celsius -1.5\n";
  EXPECT_EQ(r.Render(), expected);
}

TEST(RegistryTest, EscapesLabelValuesAndHelp) {
  Registry r;
  r.AddCounter("esc_total", "line one\nback\\slash \"quoted\"", {"v"})
      .With({"a\\b\"c\nd"})
      .Inc();
  std::string text = r.Render();
  EXPECT_NE(text.find("# HELP esc_total line one\\nback\\\\slash \"quoted\"\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("esc_total{v=\"a\\\\b\\\"c\\nd\"} 1\n"), std::string::npos) << text;
  auto check = testutil::PromtoolCheckMetrics(text);
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

TEST(RegistryTest, EmptyFamilyRendersHelpAndTypeOnly) {
  Registry r;
  r.AddCounter("never_total", "Never incremented.", {"x"});
  EXPECT_EQ(r.Render(), "# HELP never_total Never incremented.\n# TYPE never_total counter\n");
}

TEST(RegistryTest, SpecialValues) {
  Registry r;
  r.AddGauge("g_inf", "g").With({}).Set(std::numeric_limits<double>::infinity());
  r.AddGauge("g_nan", "g").With({}).Set(std::nan(""));
  r.AddGauge("g_small", "g").With({}).Set(1e-7);
  std::string text = r.Render();
  EXPECT_NE(text.find("g_inf +Inf\n"), std::string::npos);
  EXPECT_NE(text.find("g_nan NaN\n"), std::string::npos);
  EXPECT_DOUBLE_EQ(SampleValue(text, "g_small"), 1e-7);
  auto check = testutil::PromtoolCheckMetrics(text);
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

TEST(ProcessMetricsTest, ReportsPlausibleValues) {
  Registry r;
  RegisterProcessMetrics(r);
  std::string text = r.Render();
  EXPECT_GT(SampleValue(text, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GE(SampleValue(text, "process_open_fds"), 3);
  double start = SampleValue(text, "process_start_time_seconds");
  double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 24 * 3600);
  double uptime = SampleValue(text, "nasd_uptime_seconds");
  EXPECT_GE(uptime, 0);
  EXPECT_NEAR(uptime, now - start, 2.0);
  EXPECT_DEATH(RegisterProcessMetrics(r), "registered twice");
}

TEST(PromtoolTest, EveryMetricKindPassesPromtool) {
  Registry r;
  RegisterProcessMetrics(r);
  auto& c = r.AddCounter("nasd_test_ops_total", "Operations.", {"op", "result"});
  c.With({"read", "ok"}).Inc(10);
  c.With({"write", "error \"disk\"\n"}).Inc();
  r.AddCounter("nasd_test_plain_total", "A counter without labels.").With({}).Inc(0.5);
  r.AddCounter("nasd_test_unused_total", "Nothing yet.", {"op"});
  r.AddGauge("nasd_test_queue_depth", "Queue depth.", {"queue"}).With({"a\\b"}).Set(4);
  auto& h = r.AddHistogram("nasd_test_duration_seconds", "Durations.", {"op"}, LatencyBuckets());
  for (double v : {0.00005, 0.002, 0.3, 7.0, 30.0}) h.With({"read"}).Observe(v);
  r.AddHistogram("nasd_test_size_bytes", "Sizes.", {}, {1024, 65536}).With({}).Observe(4096);
  r.AddHistogram("nasd_test_empty_seconds", "Unused histogram.", {}, {1});
  r.AddGaugeCallback("nasd_test_chunks", "Chunk count.", [] { return 17.0; });

  auto check = testutil::PromtoolCheckMetrics(r.Render());
  EXPECT_EQ(check.exit_code, 0) << check.output << "\n" << r.Render();
  EXPECT_EQ(check.output, "");
}

TEST(PromtoolTest, HarnessDetectsInvalidExposition) {
  // A counter TYPE'd under a name that its samples do not use: promtool must
  // reject it, which proves the check above can fail.
  auto check = testutil::PromtoolCheckMetrics("# HELP x A.\n# TYPE x counter\nx_total 1\n");
  EXPECT_NE(check.exit_code, 0);
}

}  // namespace
}  // namespace nasd::metrics
