#include "http/router.h"

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string_view>

namespace nasd::http {
namespace {

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "nasd router: %s\n", message.c_str());
  std::abort();
}

// "/a/b/" -> {"a", "b", ""}; "/" -> {}. REQUIRES: path starts with '/'.
std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.size() <= 1) return out;
  size_t start = 1;
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(start));
      return out;
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

bool IsCapture(std::string_view seg) {
  return seg.size() >= 3 && seg.front() == '{' && seg.back() == '}';
}

bool IsRestCapture(std::string_view seg) {
  return IsCapture(seg) && seg.size() > 5 && seg.substr(seg.size() - 4) == "...}";
}

// Name inside "{name}" or "{name...}".
std::string CaptureName(std::string_view seg) {
  seg = seg.substr(1, seg.size() - 2);
  if (seg.ends_with("...")) seg.remove_suffix(3);
  return std::string(seg);
}

// Per-segment rank used to prefer the most specific pattern: a literal beats
// a capture, which beats the rest capture; longer patterns beat shorter ones.
std::vector<int> Specificity(const std::vector<std::string>& segments, bool rest) {
  std::vector<int> rank;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (rest && i + 1 == segments.size()) {
      rank.push_back(0);
    } else {
      rank.push_back(IsCapture(segments[i]) ? 1 : 2);
    }
  }
  return rank;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler,
                 RouteOptions options) {
  if (method.empty()) Fail("empty method for " + pattern);
  for (char c : method) {
    if (c < 'A' || c > 'Z') Fail("method must be upper case: '" + method + "'");
  }
  if (!pattern.starts_with('/')) Fail("pattern must start with '/': '" + pattern + "'");
  if (!handler) Fail("empty handler for " + method + " " + pattern);
  if (options.quick && options.stream_body) Fail("a stream_body route cannot be quick: " + pattern);
  Route route;
  route.method = std::move(method);
  std::set<std::string> names;
  auto segs = Split(pattern);
  for (size_t i = 0; i < segs.size(); ++i) {
    std::string_view seg = segs[i];
    if (IsCapture(seg)) {
      std::string name = CaptureName(seg);
      if (name.empty() || name.find_first_of("{}./") != std::string::npos) {
        Fail("bad capture '" + std::string(seg) + "' in " + pattern);
      }
      if (!names.insert(name).second) Fail("capture '" + name + "' repeated in " + pattern);
      if (IsRestCapture(seg)) {
        if (i + 1 != segs.size()) Fail("'{name...}' must be last in " + pattern);
        route.rest = true;
      }
    } else if (seg.find_first_of("{}") != std::string_view::npos) {
      Fail("bad segment '" + std::string(seg) + "' in " + pattern);
    } else if (seg.empty() && i + 1 != segs.size()) {
      Fail("empty segment in " + pattern);
    }
    route.segments.emplace_back(seg);
  }
  for (const Route& other : routes_) {
    if (other.method != route.method || other.segments.size() != route.segments.size() ||
        other.rest != route.rest) {
      continue;
    }
    bool same_shape = true;
    for (size_t i = 0; i < route.segments.size() && same_shape; ++i) {
      bool cap = IsCapture(route.segments[i]);
      same_shape = cap == IsCapture(other.segments[i]) &&
                   (cap || route.segments[i] == other.segments[i]);
    }
    if (same_shape) Fail("route " + route.method + " " + pattern + " registered twice");
  }
  if (options.metric_name.empty()) options.metric_name = pattern;
  route.handler = std::move(handler);
  route.options = std::move(options);
  routes_.push_back(std::move(route));
}

RouteMatch Router::Match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  result.error_status = 404;
  if (!path.starts_with('/')) return result;
  const auto segs = Split(path);

  auto matches = [&](const Route& route) {
    size_t fixed = route.rest ? route.segments.size() - 1 : route.segments.size();
    if (route.rest ? segs.size() < fixed : segs.size() != fixed) return false;
    for (size_t i = 0; i < fixed; ++i) {
      if (IsCapture(route.segments[i]) ? segs[i].empty() : route.segments[i] != segs[i]) return false;
    }
    return true;
  };
  // Only routes of the method (or GET for HEAD) are ranked: a request pays
  // for the other methods' routes of its path only when none of them fits.
  const Route* best = nullptr;
  const Route* best_get = nullptr;  // HEAD falls back to GET
  std::vector<int> best_rank;
  std::vector<int> best_get_rank;
  for (const Route& route : routes_) {
    const bool same = route.method == method;
    const bool head_get = !same && method == "HEAD" && route.method == "GET";
    if ((!same && !head_get) || !matches(route)) continue;
    auto rank = Specificity(route.segments, route.rest);
    if (same && (best == nullptr || rank > best_rank)) {
      best = &route;
      best_rank = std::move(rank);
    } else if (head_get && (best_get == nullptr || rank > best_get_rank)) {
      best_get = &route;
      best_get_rank = std::move(rank);
    }
  }
  if (best == nullptr) best = best_get;
  if (best == nullptr) {
    std::set<std::string> allowed;
    for (const Route& route : routes_) {
      if (matches(route)) allowed.insert(route.method);
    }
    if (allowed.empty()) return result;
    if (allowed.count("GET") != 0) allowed.insert("HEAD");
    result.error_status = 405;
    for (const auto& m : allowed) {
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += m;
    }
    return result;
  }

  result.error_status = 0;
  result.handler = &best->handler;
  result.options = &best->options;
  result.metric_name = best->options.metric_name;
  size_t fixed = best->rest ? best->segments.size() - 1 : best->segments.size();
  for (size_t i = 0; i < fixed; ++i) {
    if (IsCapture(best->segments[i])) {
      result.params[CaptureName(best->segments[i])] = std::string(segs[i]);
    }
  }
  if (best->rest) {
    std::string rest;
    for (size_t i = fixed; i < segs.size(); ++i) {
      if (i > fixed) rest += '/';
      rest += segs[i];
    }
    result.params[CaptureName(best->segments.back())] = std::move(rest);
  }
  return result;
}

}  // namespace nasd::http
