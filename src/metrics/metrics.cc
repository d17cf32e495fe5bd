#include "metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "metrics/text_format.h"

namespace nasd::metrics {
namespace internal {

void Fail(const std::string& message) {
  std::fprintf(stderr, "nasd metrics: %s\n", message.c_str());
  std::abort();
}

}  // namespace internal

namespace {

void AtomicAdd(std::atomic<double>& target, double v) {
  double old = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
}

}  // namespace

void Counter::Inc(double v) {
  if (!(v >= 0)) internal::Fail("counter increment must be >= 0, got " + text::FormatValue(v));
  AtomicAdd(value_, v);
}

void Gauge::Add(double v) { AtomicAdd(value_, v); }

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i])) internal::Fail("histogram bounds must be finite");
    if (i > 0 && !(bounds_[i - 1] < bounds_[i])) {
      internal::Fail("histogram bounds must be strictly increasing");
    }
  }
}

void Histogram::Observe(double v) {
  // First bound >= v. NaN goes to +Inf explicitly: lower_bound would put it
  // in the first bucket, since "bound < NaN" is false for every bound.
  size_t i = std::isnan(v) ? bounds_.size()
                           : static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                                 bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
}

Histogram::Snapshot Histogram::Snap() const {
  Snapshot snap;
  snap.bounds = bounds_;
  snap.cumulative.resize(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    snap.cumulative[i] = total;
  }
  snap.count = total;
  snap.sum = sum_.load(std::memory_order_relaxed);
  return snap;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,   10.0};
}

// ---------------------------------------------------------------------------
// Registry

struct Registry::Entry {
  enum class Kind { kCounter, kGauge, kHistogram, kGaugeCallback, kCounterCallback };

  std::string name;
  std::string help;
  Kind kind;
  std::unique_ptr<Family<Counter>> counters;
  std::unique_ptr<Family<Gauge>> gauges;
  std::unique_ptr<Family<Histogram>> histograms;
  std::function<double()> callback;

  // Every sample name this family can emit (a histogram emits three).
  std::vector<std::string> SampleNames() const {
    if (kind != Kind::kHistogram) return {name};
    return {name, name + "_bucket", name + "_sum", name + "_count"};
  }
  const char* TypeName() const {
    switch (kind) {
      case Kind::kCounter:
      case Kind::kCounterCallback: return "counter";
      case Kind::kHistogram: return "histogram";
      default: return "gauge";
    }
  }
};

namespace {

void ValidateNames(const std::string& name, const std::vector<std::string>& labels,
                   bool histogram) {
  if (!text::IsValidMetricName(name)) internal::Fail("invalid metric name '" + name + "'");
  std::set<std::string> seen;
  for (const auto& label : labels) {
    if (!text::IsValidLabelName(label)) {
      internal::Fail("invalid label name '" + label + "' on " + name);
    }
    if (histogram && label == "le") internal::Fail("label 'le' is reserved on histogram " + name);
    if (!seen.insert(label).second) internal::Fail("duplicate label '" + label + "' on " + name);
  }
}

// {a="x",b="y"} with an optional extra trailing label (le for buckets).
std::string LabelSet(const std::vector<std::string>& names, const LabelValues& values,
                     const std::string& extra_name = "", const std::string& extra_value = "") {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i] + "=\"" + text::EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name + "=\"" + extra_value + "\"";
  }
  out += '}';
  return out;
}
}  // namespace

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Entry& Registry::AddEntry(std::unique_ptr<Entry> entry) {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> taken;
  for (const auto& e : entries_) {
    for (auto& n : e->SampleNames()) taken.insert(std::move(n));
  }
  for (const auto& n : entry->SampleNames()) {
    if (taken.count(n) != 0) internal::Fail("metric '" + n + "' registered twice");
  }
  entries_.push_back(std::move(entry));
  return *entries_.back();
}

Family<Counter>& Registry::AddCounter(const std::string& name, const std::string& help,
                                      std::vector<std::string> label_names) {
  ValidateNames(name, label_names, false);
  if (!name.ends_with("_total")) internal::Fail("counter '" + name + "' must end in _total");
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->kind = Entry::Kind::kCounter;
  e->counters = std::make_unique<Family<Counter>>(std::move(label_names),
                                                  [] { return std::make_unique<Counter>(); });
  return *AddEntry(std::move(e)).counters;
}

Family<Gauge>& Registry::AddGauge(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names) {
  ValidateNames(name, label_names, false);
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->kind = Entry::Kind::kGauge;
  e->gauges = std::make_unique<Family<Gauge>>(std::move(label_names),
                                              [] { return std::make_unique<Gauge>(); });
  return *AddEntry(std::move(e)).gauges;
}

Family<Histogram>& Registry::AddHistogram(const std::string& name, const std::string& help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> upper_bounds) {
  ValidateNames(name, label_names, true);
  Histogram probe(upper_bounds);  // validates the bounds now rather than on first use
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->kind = Entry::Kind::kHistogram;
  e->histograms = std::make_unique<Family<Histogram>>(
      std::move(label_names),
      [bounds = std::move(upper_bounds)] { return std::make_unique<Histogram>(bounds); });
  return *AddEntry(std::move(e)).histograms;
}

void Registry::AddGaugeCallback(const std::string& name, const std::string& help,
                                std::function<double()> fn) {
  ValidateNames(name, {}, false);
  if (!fn) internal::Fail("gauge callback '" + name + "' is empty");
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->kind = Entry::Kind::kGaugeCallback;
  e->callback = std::move(fn);
  AddEntry(std::move(e));
}

void Registry::AddCounterCallback(const std::string& name, const std::string& help,
                                  std::function<double()> fn) {
  ValidateNames(name, {}, false);
  if (!name.ends_with("_total")) internal::Fail("counter '" + name + "' must end in _total");
  if (!fn) internal::Fail("counter callback '" + name + "' is empty");
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->kind = Entry::Kind::kCounterCallback;
  e->callback = std::move(fn);
  AddEntry(std::move(e));
}

std::string Registry::Render() const {
  // Entries are never removed, so the pointers stay valid after unlocking;
  // rendering (and running callbacks) happens without the registry lock.
  std::vector<const Entry*> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : entries_) entries.push_back(e.get());
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry* a, const Entry* b) { return a->name < b->name; });
  std::string out;
  for (const Entry* e : entries) RenderEntry(*e, out);
  return out;
}

void Registry::RenderEntry(const Entry& e, std::string& out) {
  using Kind = Entry::Kind;
  out += "# HELP " + e.name + " " + text::EscapeHelp(e.help) + "\n";
  out += "# TYPE " + e.name + " " + e.TypeName() + "\n";
  switch (e.kind) {
    case Kind::kCounter:
      e.counters->ForEach([&](const LabelValues& values, const Counter& c) {
        out += e.name + LabelSet(e.counters->label_names(), values) + " " +
               text::FormatValue(c.Value()) + "\n";
      });
      break;
    case Kind::kGauge:
      e.gauges->ForEach([&](const LabelValues& values, const Gauge& g) {
        out += e.name + LabelSet(e.gauges->label_names(), values) + " " +
               text::FormatValue(g.Value()) + "\n";
      });
      break;
    case Kind::kGaugeCallback:
    case Kind::kCounterCallback:
      out += e.name + " " + text::FormatValue(e.callback()) + "\n";
      break;
    case Kind::kHistogram: {
      const auto& names = e.histograms->label_names();
      e.histograms->ForEach([&](const LabelValues& values, const Histogram& h) {
        Histogram::Snapshot s = h.Snap();
        for (size_t i = 0; i < s.cumulative.size(); ++i) {
          std::string le = i < s.bounds.size() ? text::FormatValue(s.bounds[i]) : "+Inf";
          out += e.name + "_bucket" + LabelSet(names, values, "le", le) + " " +
                 std::to_string(s.cumulative[i]) + "\n";
        }
        out += e.name + "_sum" + LabelSet(names, values) + " " + text::FormatValue(s.sum) + "\n";
        out += e.name + "_count" + LabelSet(names, values) + " " + std::to_string(s.count) + "\n";
      });
      break;
    }
  }
}

}  // namespace nasd::metrics
