// RenderConfig: the documented config.yaml that `nasd init` writes (the
// loader is config.cc).
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "common/config.h"
#include "common/schedule_spec.h"
#include "common/units.h"

namespace nasd {

namespace {

// A YAML double-quoted scalar: safe for any path or token text.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(ch));
    } else if (ch < 0x20) {
      out += fmt::format("\\x{:02x}", ch);
    } else {
      out.push_back(static_cast<char>(ch));
    }
  }
  out.push_back('"');
  return out;
}

// The storage.s3 section (only for backend s3; credentials only when set).
std::string RenderS3(const S3Config& s, const std::string& backend) {
  if (backend != "s3") return "";
  std::string out = fmt::format(
      R"(  s3:
    # The S3-compatible service (http(s)://host[:port]), its region and the bucket.
    endpoint: {}
    region: {}
    bucket: {}
    # Objects are named PREFIX/<chunk>; "" keeps them at the bucket root.
    prefix: {}
    # true: http://endpoint/bucket/key (MinIO, Ceph, s3rver); false: http://bucket.endpoint/key.
    path_style: {}
    # Requests in flight at once; one attempt's timeout; an operation's deadline, retries included.
    concurrency: {}
    timeout: {}
    deadline: {}
    # Recently read chunks kept on local disk (storage.path/s3-cache, LRU); 0 turns it off.
    read_cache: {}
)",
      Quote(s.endpoint), Quote(s.region), Quote(s.bucket), Quote(s.prefix), s.path_style ? "true" : "false",
      s.concurrency, FormatDuration(s.timeout), FormatDuration(s.deadline), FormatSize(s.read_cache));
  if (!s.ca_file.empty()) out += fmt::format("    # PEM bundle that signs the endpoint's certificate.\n    ca_file: {}\n", Quote(s.ca_file));
  if (!s.access_key.empty()) {
    out += "    # Credentials (else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then ~/.aws/credentials).\n";
    out += fmt::format("    access_key: {}\n    secret_key: {}\n", Quote(s.access_key), Quote(s.secret_key));
    if (!s.session_token.empty()) out += fmt::format("    session_token: {}\n", Quote(s.session_token));
  }
  return out;
}

// The gc, scrub and snapshots sections.
std::string RenderMaintenance(const Config& c) {
  std::string out = fmt::format(
      R"(
gc:
  # A chunk no file or snapshot names any more is deleted after this grace
  # period; the collector runs every interval (`nasd gc --dry-run` explains).
  grace: {}
  interval: {}

scrub:
  # The background scrub re-reads every chunk and checks its SHA-256, at most
  # rate bytes per second, one pass every interval.
  rate: {}
  interval: {}

snapshots:
  # List /.snapshots in each share's root (it is always reachable by name).
  visible: {}
  # Scheduled snapshots, applied at every start: a share named here gets
  # exactly these schedules (replacing any set with `nasd snapshot schedule`).
  # Snapshots are named LABEL-<UTC time>; the oldest beyond keep are deleted.
)",
      FormatDuration(c.gc.grace), FormatDuration(c.gc.interval), FormatSize(c.scrub.rate),
      FormatDuration(c.scrub.interval), c.snapshots.visible ? "true" : "false");
  if (c.snapshots.schedules.empty()) {
    out += "  # schedules:\n  #   - {share: docs, label: hourly, every: 1h, keep: 24}\n"
           "  #   - {share: docs, label: daily, every: 1d, keep: 7}\n";
  } else {
    out += "  schedules:\n";
    for (const ShareSnapshotSchedule& s : c.snapshots.schedules) {
      const std::string spec = FormatSchedule(s.schedule);  // label:every:keep
      const size_t a = spec.find(':'), b = spec.rfind(':');
      out += fmt::format("    - {{share: {}, label: {}, every: {}, keep: {}}}\n", Quote(s.share),
                         s.schedule.label, spec.substr(a + 1, b - a - 1), s.schedule.keep);
    }
  }
  return out;
}

}  // namespace

std::string RenderConfig(const Config& c) {
  return fmt::format(
      R"(# nasd configuration, written by `nasd init`.
# This file holds the admin token: keep it private (mode 0600).
# Sizes take B, KiB, MiB, GiB; durations take ms, s, m, h.

storage:
  # Where chunks and metadata live (relative paths resolve against this file's folder).
  path: {}
  # Where chunk data is kept: local (a directory on this machine) or s3 (a bucket).
  backend: {}
  # Files are split into blocks of this size; fixed when the volume is created.
  block_size: {}
  # Memory for written data not yet committed (all shares together); writers
  # that find it full commit their own data first.
  write_buffer: {}
  # Memory for recently read blocks (all shares together).
  block_cache: {}
{}{}
api:
  # Address of the HTTP server (health, metrics, management API, file access).
  listen: {}
  # Bearer token for /api/v1 (Authorization: Bearer <token>). At least 16 characters.
  admin_token: {}

http:
  # Connections beyond this are answered 503 and closed.
  max_connections: {}
  # Threads for network I/O, which also answer quick requests (small GETs)
  # themselves (0: one per CPU core), and for the other request handlers
  # (storage work that may wait: uploads, fsync, big reads).
  io_threads: {}
  worker_threads: {}
  # A client must send a whole request header within header_timeout and a body
  # within body_timeout; idle keep-alive connections close after idle_timeout.
  header_timeout: {}
  body_timeout: {}
  idle_timeout: {}
  # On SIGTERM, in-flight requests get this long to finish.
  drain_timeout: {}
  # Largest request body accepted by /api/v1.
  max_api_body: {}

webdav:
  # File access over WebDAV and plain HTTP at /dav/<share>/ on api.listen.
  enabled: {}
  # PROPFIND with Depth: infinity walks a whole tree; refused (403) unless true.
  allow_depth_infinity: {}
  # Largest XML body of PROPFIND, PROPPATCH and LOCK.
  max_xml_body: {}
  # GET of data on the local backend: verified (each chunk's crc32c is checked
  # in place, then sent with sendfile), unverified (sendfile only; the
  # background scrub checks) or copy (read through memory).
  sendfile: {}

nfs:
  # NFSv3 and MOUNT v3 on one TCP port (mount -t nfs -o vers=3,tcp,nolock,port=P,mountport=P).
  enabled: {}
  listen: {}
  # Answer portmap v2 on port 111 of the listen address (when no rpcbind runs
  # here), so that clients need no port options.
  portmap: {}
  # Each exported share: the client networks allowed, read-write or read-only,
  # and root_squash (uid 0 becomes anonuid), no_root_squash or all_squash.
  # exports:
  #   - share: media
  #     networks: [192.168.1.0/24]
  #     access: read-write
  #     squash: root_squash

smb:
  # SMB2/3 through Samba's smbd, which nasd starts and supervises (Debian
  # package samba); each share below is mounted under storage.path/smb/mnt.
  enabled: {}
  listen: {}
  # signing: default, mandatory or disabled; encryption: off, if_required,
  # desired or required; protocols SMB2_10, SMB3_00, SMB3_02, SMB3_11.
  signing: {}
  encryption: {}
  min_protocol: {}
  max_protocol: {}
  # shares:
  #   - name: media
  #     share: media
  #     read_only: false
  #     guest_ok: false
  #     browseable: true
  #     # false: no oplocks or leases, so SMB clients cache nothing that
  #     # WebDAV or NFS could change behind their back
  #     oplocks: true

log:
  # debug, info, warn or error.
  level: {}
  # text (for people) or json (one object per line, for collectors).
  format: {}
)",
      Quote(c.storage.path), c.storage.backend, FormatSize(c.storage.block_size),
      FormatSize(c.storage.write_buffer), FormatSize(c.storage.block_cache), RenderS3(c.storage.s3,
                                                                                       c.storage.backend),
      RenderMaintenance(c),
      Quote(c.api.listen), Quote(c.api.admin_token), c.http.max_connections, c.http.io_threads, c.http.worker_threads,
      FormatDuration(c.http.header_timeout), FormatDuration(c.http.body_timeout),
      FormatDuration(c.http.idle_timeout), FormatDuration(c.http.drain_timeout),
      FormatSize(c.http.max_api_body), c.webdav.enabled ? "true" : "false",
      c.webdav.allow_depth_infinity ? "true" : "false", FormatSize(c.webdav.max_xml_body), c.webdav.sendfile,
      c.nfs.enabled ? "true" : "false", Quote(c.nfs.listen), c.nfs.portmap ? "true" : "false",
      c.smb.enabled ? "true" : "false", Quote(c.smb.listen), c.smb.signing, c.smb.encryption, c.smb.min_protocol,
      c.smb.max_protocol, c.log.level,
      c.log.format);
}

}  // namespace nasd
