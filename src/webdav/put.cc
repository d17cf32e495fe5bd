// PUT: the body streams into an anonymous temp file that replaces the target
// in one durable step only once the whole body arrived; an aborted upload
// drops the temp file and leaves the old content as it was.
#include <fmt/format.h>

#include "webdav/conditional.h"
#include "webdav/methods.h"

namespace nasd::webdav {
namespace {

// Reads the body (streamed or buffered) into tmp; returns the byte count.
Result<uint64_t> FillTemp(DavRequest& r, uint64_t tmp) {
  if (r.http.body_reader == nullptr) {
    if (!r.http.body.empty())
      NASD_RETURN_IF_ERROR(r.fs->Write(r.caller(), tmp, 0, r.http.body).status());
    return r.http.body.size();
  }
  // Each piece is written from the server's own buffer (Peek/Consume): no
  // copy into one of ours first.
  uint64_t offset = 0;
  for (;;) {
    NASD_ASSIGN_OR_RETURN(std::string_view piece, r.http.body_reader->Peek());
    if (piece.empty()) break;
    NASD_RETURN_IF_ERROR(r.fs->Write(r.caller(), tmp, offset, piece).status());
    r.http.body_reader->Consume(piece.size());
    offset += piece.size();
  }
  if (auto announced = r.http.body_reader->content_length(); announced && *announced != offset) {
    return Unavailable(fmt::format("the body ended after {} of {} bytes", offset, *announced));
  }
  return offset;
}

}  // namespace

http::Response HandlePut(DavRequest& r) {
  if (r.path.is_root() || r.trailing_slash)
    return ErrorResponse(Status(Code::kIsDirectory, "cannot PUT a collection"));
  if (r.http.headers.Get("content-range"))
    return ErrorResponse(InvalidArgument("partial PUT (Content-Range) is not supported"));
  auto place = ResolvePlacement(r, r.path);
  if (!place.ok()) return ErrorResponse(place.status());
  const uint64_t parent = place->parent.ino;
  const std::string name = r.path.Name();
  const std::optional<vfs::Attr>& existing = place->existing;
  if (existing) {
    if (existing->type == vfs::FileType::kDirectory) {
      http::Response resp =
          ErrorResponse(Status(Code::kIsDirectory, "a collection exists at this URL"));
      resp.status = 405;
      return resp;
    }
    // Replacing is writing the file, not just renaming over it: the caller
    // needs write permission on the old file as for open(O_TRUNC).
    Status writable = r.fs->Access(r.caller(), existing->ino, vfs::kAccessWrite);
    if (!writable.ok()) return ErrorResponse(writable);
  }
  Validators v;
  if (existing) v = {true, MakeEtag(*existing), existing->mtime_ns / 1'000'000'000};
  if (EvaluatePreconditions(r.http, v) != Precondition::kProceed) return Empty(412);
  std::vector<WriteTarget> targets{{r.path, false}};
  if (!existing) targets.push_back({r.path.Parent(), false});
  if (auto refused = CheckWrite(r, targets)) return *refused;

  auto tmp = r.fs->CreateTemp(r.caller(), place->parent, existing ? (existing->mode & 07777) : 0644);
  if (!tmp.ok()) return ErrorResponse(tmp.status());
  auto upload = [&]() -> Result<vfs::Attr> {
    NASD_RETURN_IF_ERROR(FillTemp(r, tmp->ino).status());
    NASD_RETURN_IF_ERROR(r.fs->Fsync(tmp->ino));
    return r.fs->PublishTemp(r.caller(), tmp->ino, parent, name);
  };
  auto published = upload();
  if (!published.ok()) {
    r.fs->DropTemp(tmp->ino).IgnoreError();  // the upload's failure is what the client needs
    if (published.status().code() == Code::kIsDirectory) return Empty(405);
    return ErrorResponse(published.status());
  }
  http::Response resp = Empty(existing ? 204 : 201);
  resp.headers.Set("etag", MakeEtag(*published));
  return resp;
}

}  // namespace nasd::webdav
