// Process metrics read from /proc at scrape time, named as the official
// Prometheus client libraries name them so stock dashboards work.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "metrics/metrics.h"

namespace nasd::metrics {
namespace {

double NowSeconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// Resident set size: second field of /proc/self/statm (pages).
double ResidentBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size_pages = 0;
  uint64_t resident_pages = 0;
  if (!(in >> size_pages >> resident_pages)) return 0;
  return static_cast<double>(resident_pages) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double OpenFds() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  // The iterator's own descriptor is listed too; it is not the process's.
  return n > 0 ? n - 1 : 0;
}

// Boot time (btime in /proc/stat) plus the process's starttime (field 22 of
// /proc/self/stat, in clock ticks since boot). Falls back to "now".
double ProcessStartSeconds() {
  std::ifstream stat_file("/proc/self/stat");
  std::string line;
  std::getline(stat_file, line);
  // comm (field 2) may contain spaces and parentheses: skip to the last ')'.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return NowSeconds();
  std::istringstream fields(line.substr(close + 1));
  std::string field;
  uint64_t start_ticks = 0;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) start_ticks = std::stoull(field);
  }
  std::ifstream proc_stat("/proc/stat");
  uint64_t btime = 0;
  while (std::getline(proc_stat, line)) {
    if (line.starts_with("btime ")) btime = std::stoull(line.substr(6));
  }
  long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  if (btime == 0 || start_ticks == 0 || ticks_per_second <= 0) return NowSeconds();
  return static_cast<double>(btime) +
         static_cast<double>(start_ticks) / static_cast<double>(ticks_per_second);
}

}  // namespace

void RegisterProcessMetrics(Registry& registry) {
  const double start = ProcessStartSeconds();
  registry.AddGaugeCallback("process_resident_memory_bytes", "Resident memory size in bytes.",
                            ResidentBytes);
  registry.AddGaugeCallback("process_open_fds", "Number of open file descriptors.", OpenFds);
  registry.AddGaugeCallback("process_start_time_seconds",
                            "Start time of the process since unix epoch in seconds.",
                            [start] { return start; });
  registry.AddGaugeCallback("nasd_uptime_seconds", "Seconds since the nasd process started.",
                            [start] { return NowSeconds() - start; });
}

}  // namespace nasd::metrics
