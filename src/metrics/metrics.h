// A small Prometheus metrics registry: counters, gauges and histograms with
// labels, rendered in the text exposition format 0.0.4 (what `promtool check
// metrics` validates).
//
// Thread safety: every method may be called from any thread. Metric objects
// returned by a family live as long as the Registry; updates (Inc, Add, Set,
// Observe) are lock-free atomics. Family::With takes the family's mutex for
// the lookup, so hot paths with fixed labels should keep the returned
// reference.
//
// Misuse that the type system cannot catch (invalid or duplicate names, wrong
// label count, unsorted histogram bounds) is a programming error: it prints a
// message to stderr and aborts.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/thread_annotations.h"

namespace nasd::metrics {

using LabelValues = std::vector<std::string>;

// Monotonic counter. REQUIRES: v >= 0 (a negative or NaN increment aborts).
class Counter {
 public:
  void Inc(double v = 1.0);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Histogram with fixed upper bounds (a sample v lands in the first bucket with
// v <= bound, else in +Inf). REQUIRES: bounds finite and strictly increasing.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double v);
  // Cumulative counts per bound (last entry is +Inf), sum and count.
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;
    double sum = 0;
    uint64_t count = 0;
  };
  // count equals the +Inf cumulative bucket even while observations race.
  Snapshot Snap() const;

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (+Inf)
  std::atomic<double> sum_{0.0};
};

// Default latency buckets in seconds: 100 µs .. 10 s.
std::vector<double> LatencyBuckets();

template <typename M>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<M>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}
  // Returns the metric for these label values (created on first use).
  // REQUIRES: values.size() == number of label names.
  M& With(const LabelValues& values);
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Calls fn for every label combination, in sorted order. fn runs without
  // the family's mutex held, so it may call With().
  void ForEach(const std::function<void(const LabelValues&, const M&)>& fn) const;

 private:
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<M>()> make_;
  mutable std::mutex mu_;
  std::map<LabelValues, std::unique_ptr<M>> metrics_ GUARDED_BY(mu_);
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Names must be valid Prometheus names; counters must end in "_total".
  // Registering the same name twice is a programming error (aborts).
  Family<Counter>& AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names,
                                  std::vector<double> upper_bounds);
  // A gauge whose value is computed at scrape time (e.g. RSS, chunk count).
  void AddGaugeCallback(const std::string& name, const std::string& help,
                        std::function<double()> fn);
  // A counter read at scrape time from a monotonic source (e.g. a service's
  // own statistics). fn must never decrease. Name must end in "_total".
  void AddCounterCallback(const std::string& name, const std::string& help,
                          std::function<double()> fn);

  // Text exposition format, every family with HELP and TYPE lines, families
  // sorted by name. A family without samples yet renders HELP and TYPE only
  // (accepted by promtool). Callbacks run on the calling thread.
  std::string Render() const;

 private:
  struct Entry;
  // Aborts if any sample name of entry collides with a registered one.
  Entry& AddEntry(std::unique_ptr<Entry> entry);
  static void RenderEntry(const Entry& e, std::string& out);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_ GUARDED_BY(mu_);
};

// Registers process_resident_memory_bytes, process_open_fds,
// process_start_time_seconds and nasd_uptime_seconds (read from /proc at scrape;
// uptime counts from the process start time). Call once per Registry.
void RegisterProcessMetrics(Registry& registry);

namespace internal {
// Prints "nasd metrics: <message>" to stderr and aborts.
[[noreturn]] void Fail(const std::string& message);
}  // namespace internal

template <typename M>
M& Family<M>::With(const LabelValues& values) {
  if (values.size() != label_names_.size()) {
    internal::Fail("label value count " + std::to_string(values.size()) + " != label count " +
                   std::to_string(label_names_.size()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = metrics_.find(values);
  if (it == metrics_.end()) it = metrics_.emplace(values, make_()).first;
  return *it->second;
}

template <typename M>
void Family<M>::ForEach(const std::function<void(const LabelValues&, const M&)>& fn) const {
  // Metrics are never removed, so the pointers stay valid after unlocking.
  std::vector<std::pair<const LabelValues*, const M*>> items;
  {
    std::lock_guard<std::mutex> lock(mu_);
    items.reserve(metrics_.size());
    for (const auto& [values, metric] : metrics_) items.emplace_back(&values, metric.get());
  }
  for (const auto& [values, metric] : items) fn(*values, *metric);
}

}  // namespace nasd::metrics
