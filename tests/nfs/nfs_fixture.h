// An in-process NFS server over in-memory shares, and clients for it:
// libnfs contexts (the real client library) and a raw RPC client for the
// calls libnfs cannot make (forged handles, UNSTABLE writes, READDIR).
//
// Shares: "s" (127.0.0.0/8, no_root_squash), "sq" (root_squash), "ro"
// (read-only), "far" (10.0.0.0/8 only: this client is refused).
#pragma once

#include <gtest/gtest.h>
#include <nfsc/libnfs.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "chunk/chunk_store.h"
#include "chunk/local/local_backend.h"
#include "chunk/mem/mem_backend.h"
#include "kv/mem/mem_engine.h"
#include "meta/share_store.h"
#include "nfs/nfs_server.h"
#include "nfs/rpc_test_util.h"
#include "vfs/share_mounts.h"

namespace nasd::nfs::testing {

struct NfsContextDeleter {
  void operator()(nfs_context* c) const { nfs_destroy_context(c); }
};
using NfsContext = std::unique_ptr<nfs_context, NfsContextDeleter>;

class NfsFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = kv::NewMemEngine();
    std::unique_ptr<chunk::Backend> backend = chunk::NewMemBackend();
    if (local_chunks_) {
      // Chunk files on disk, as in production.
      chunk_dir_ = std::filesystem::path(::testing::TempDir()) /
                   ("nfs-chunks-" + std::to_string(::getpid()) + "-" + std::to_string(++dir_seq_));
      auto local = chunk::OpenLocalBackend(chunk_dir_.string());
      ASSERT_TRUE(local.ok()) << local.status().ToString();
      backend = std::move(*local);
    }
    chunks_ = std::make_unique<chunk::ChunkStore>(std::move(backend), chunk::ChunkStoreOptions{.hash_threads = 0});
    meta::ShareStore shares(*kv_);
    for (const char* name : {"s", "sq", "ro", "far"}) ASSERT_TRUE(shares.Create(name).ok());
    vfs::ShareMountsOptions mo;
    mo.filesystem.block_size = 128 << 10;
    mounts_ = std::make_unique<vfs::ShareMounts>(*kv_, *chunks_, mo);
    StartServer();
  }

  void TearDown() override {
    server_.reset();
    mounts_.reset();
    if (!chunk_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(chunk_dir_, ec);
    }
  }

  static Export MakeExport(std::string share, std::string net, Squash squash, bool read_only) {
    Export e;
    e.share = std::move(share);
    e.rules.networks.push_back(*Cidr::Parse(net));
    e.network_text = {net};
    e.rules.squash = squash;
    e.rules.read_only = read_only;
    return e;
  }

  void StartServer() {
    NfsServerOptions o;
    o.rpc.host = "127.0.0.1";
    o.rpc.port = 0;
    o.exports = {MakeExport("s", "127.0.0.0/8", Squash::kNone, false),
                 MakeExport("sq", "127.0.0.0/8", Squash::kRoot, false),
                 MakeExport("ro", "127.0.0.1/32", Squash::kNone, true),
                 MakeExport("far", "10.0.0.0/8", Squash::kNone, false)};
    o.mount = [this](std::string_view share) { return mounts_->Get(share); };
    o.portmap_port = 0;  // a second listener answering portmap only, on a free port
    server_ = std::make_unique<NfsServer>(std::move(o));
    ASSERT_TRUE(server_->Start().ok());
  }

  // A new server process, as far as clients can tell: same data, new verifier.
  void RestartServer() {
    server_.reset();
    StartServer();
  }

  std::string Url(std::string_view share, int uid, int gid) const {
    return "nfs://127.0.0.1/" + std::string(share) + "?version=3&nfsport=" + std::to_string(server_->port()) +
           "&mountport=" + std::to_string(server_->port()) + "&uid=" + std::to_string(uid) +
           "&gid=" + std::to_string(gid);
  }

  // A mounted libnfs context, or null (with the error in *error).
  NfsContext Mount(std::string_view share, int uid = 0, int gid = 0, std::string* error = nullptr) {
    NfsContext ctx(nfs_init_context());
    nfs_url* url = nfs_parse_url_dir(ctx.get(), Url(share, uid, gid).c_str());
    if (url == nullptr) {
      if (error) *error = nfs_get_error(ctx.get());
      return nullptr;
    }
    int rc = nfs_mount(ctx.get(), url->server, url->path);
    nfs_destroy_url(url);
    if (rc != 0) {
      if (error) *error = nfs_get_error(ctx.get());
      return nullptr;
    }
    return ctx;
  }

  std::shared_ptr<vfs::Filesystem> Fs(std::string_view share) { return *mounts_->Get(share); }

  std::unique_ptr<kv::KvEngine> kv_;
  bool local_chunks_ = false;  // set before SetUp: chunks in files under chunk_dir_
  std::filesystem::path chunk_dir_;
  static inline int dir_seq_ = 0;
  std::unique_ptr<chunk::ChunkStore> chunks_;
  std::unique_ptr<vfs::ShareMounts> mounts_;
  std::unique_ptr<NfsServer> server_;
};

}  // namespace nasd::nfs::testing
