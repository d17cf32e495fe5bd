// GET and HEAD: files with validators, conditionals and byte ranges;
// collections as a listing.
#include <fmt/format.h>

#include "common/random.h"
#include "webdav/conditional.h"
#include "webdav/content_type.h"
#include "vfs/data/layout.h"
#include "webdav/file_source.h"
#include "webdav/methods.h"
#include "webdav/range.h"

namespace nasd::webdav {
namespace {

// The bytes a GET of a file with attributes a sends first, as HandleGet
// chooses them below: the first range asked for when the Range header
// applies, else the file's start; at most what FileSource maps at a time.
// A guess is harmless: FileSource uses a plan only for the bytes it maps.
std::optional<vfs::PathRead::Span> FirstBytes(const http::Request& req, const vfs::Attr& a) {
  vfs::PathRead::Span span{0, a.size};
  if (auto header = req.headers.Get("range");
      header && IfRangeAllows(req, {true, req.headers.Get("if-range") ? MakeEtag(a) : "",
                                    a.mtime_ns / 1'000'000'000})) {
    auto range = ParseRange(*header, a.size);
    if (!range.ok() || range->kind == RangeRequest::Kind::kUnsatisfiable) return std::nullopt;
    if (range->kind == RangeRequest::Kind::kRanges) {
      span = {range->ranges[0].offset, range->ranges[0].length};
    }
  }
  if (span.length == 0) return std::nullopt;
  span.length = std::min(span.length, FileSource::kWindow);
  return span;
}

}  // namespace

http::Response HandleGet(DavRequest& r) {
  // The first bytes to send are planned with the attributes, in one
  // transaction (not for HEAD, and not in copy mode, whose reads go
  // through vfs Read).
  vfs::PathRead read;
  read.want = [&r](const vfs::Attr& a) { return FirstBytes(r.http, a); };
  const bool want_bytes = r.http.method == "GET" && r.ctx.send_mode != SendMode::kCopy;
  auto attr = Resolve(r, r.path, want_bytes ? &read : nullptr);
  if (!attr.ok()) {
    if (attr.status().code() == Code::kNotDirectory)
      return ErrorResponse(NotFound("no such resource"));
    return ErrorResponse(attr.status());
  }
  if (attr->type == vfs::FileType::kDirectory) return CollectionListing(r, *attr);
  if (attr->type != vfs::FileType::kRegular) return ErrorResponse(NotFound("not a file"));
  // What opening it for reading would check, on the attributes just looked up.
  if (Status st = vfs::Filesystem::AccessOf(r.caller(), *attr, vfs::kAccessRead); !st.ok()) {
    return ErrorResponse(st);
  }
  const vfs::Attr& a = *attr;

  Validators v{true, MakeEtag(a), a.mtime_ns / 1'000'000'000};
  http::Response resp;
  resp.headers.Set("etag", v.etag);
  resp.headers.Set("last-modified", FormatHttpDate(v.mtime_s));
  resp.headers.Set("accept-ranges", "bytes");
  switch (EvaluatePreconditions(r.http, v)) {
    case Precondition::kNotModified:
      resp.status = 304;
      return resp;
    case Precondition::kFailed:
      resp.status = 412;
      return resp;
    case Precondition::kProceed:
      break;
  }
  const std::string type(ContentTypeFor(r.path.Name()));
  std::vector<FileSource::Segment> segments;
  resp.status = 200;
  auto range_header = r.http.headers.Get("range");
  if (range_header && IfRangeAllows(r.http, v)) {
    auto range = ParseRange(*range_header, a.size);
    if (!range.ok()) return ErrorResponse(range.status());
    if (range->kind == RangeRequest::Kind::kUnsatisfiable) {
      http::Response bad = ErrorResponse(OutOfRange("no requested range lies within the file"));
      bad.headers.Set("content-range", fmt::format("bytes */{}", a.size));
      return bad;
    }
    if (range->kind == RangeRequest::Kind::kRanges) {
      resp.status = 206;
      if (range->ranges.size() == 1) {
        const ByteRange& br = range->ranges[0];
        resp.headers.Set("content-range", fmt::format("bytes {}-{}/{}", br.offset,
                                                      br.offset + br.length - 1, a.size));
        segments.push_back({"", br.offset, br.length});
      } else {
        const std::string boundary = RandomHex(12);
        resp.headers.Set("content-type", "multipart/byteranges; boundary=" + boundary);
        for (const ByteRange& br : range->ranges) {
          segments.push_back(
              {fmt::format("\r\n--{}\r\nContent-Type: {}\r\nContent-Range: bytes {}-{}/{}\r\n\r\n",
                           boundary, type, br.offset, br.offset + br.length - 1, a.size),
               0, 0});
          segments.push_back({"", br.offset, br.length});
        }
        segments.push_back({fmt::format("\r\n--{}--\r\n", boundary), 0, 0});
      }
    }
  }
  if (resp.status == 200) segments.push_back({"", 0, a.size});
  if (!resp.headers.Get("content-type")) resp.headers.Set("content-type", type);
  auto source = std::make_shared<FileSource>(r.fs, a.ino, std::move(segments), r.ctx.send_mode);
  source->set_quick(a.size <= vfs::data::kInlineMax);
  if (read.plan) source->Prime(std::move(*read.plan));
  resp.source = std::move(source);
  return resp;
}

}  // namespace nasd::webdav
