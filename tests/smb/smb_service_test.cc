// SmbService with a real smbd and smbclient, its shares bind-mounted from
// plain folders (the FUSE mount is tested end to end in
// tests/integration/smb_test.sh): shares appearing later, grants becoming
// smb.conf, the passdb following users, and stop leaving nothing behind.
#include "smb/smb_service.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "kv/mem/mem_engine.h"
#include "smb/process.h"
#include "testutil/temp_dir.h"

namespace nasd::smb {
namespace {

// A bind mount of a plain folder; unmounted when destroyed.
class BindMount : public ShareMount {
 public:
  explicit BindMount(std::string target) : target_(std::move(target)) {}
  ~BindMount() override { ::umount2(target_.c_str(), MNT_DETACH); }
  bool mounted() const override { return true; }

 private:
  std::string target_;
};

int FreePort() {
  auto r = Run({"python3", "-c",
                "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"});
  return r.ok() ? std::stoi(r->output) : 0;
}

bool Mounted(const std::string& path) {
  std::ifstream in("/proc/mounts");
  for (std::string line; std::getline(in, line);) {
    if (line.find(" " + path + " ") != std::string::npos) return true;
  }
  return false;
}

class SmbServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::chmod(dir_.str().c_str(), 0711);  // smbd acts as the user below it
    port_ = FreePort();
    ASSERT_GT(port_, 0);
    config_.enabled = true;
    config_.listen = "127.0.0.1:" + std::to_string(port_);
    config_.shares = {{"docs", "docs", false, false, true}, {"Later", "later", false, false, true}};
    ASSERT_TRUE(shares_.Create("docs").ok());
    // nobody (uid 65534) exists on every Debian system, so no account is made.
    ASSERT_TRUE(users_.Add("nobody", "nobody-pw-1", 65534, 65534).ok());
    ASSERT_TRUE(users_.Grant(shares_.Get("docs")->id, "nobody", meta::ShareAccess::kReadWrite).ok());
    mounter_ = [this](const SmbShareConfig& share, const std::string& mountpoint)
        -> Result<std::unique_ptr<ShareMount>> {
      std::string source = dir_.Sub("plain-" + share.share);
      std::filesystem::create_directories(source);
      ::chmod(source.c_str(), 01777);
      if (::mount(source.c_str(), mountpoint.c_str(), nullptr, MS_BIND, nullptr) != 0) {
        return ErrnoStatus(errno, "bind mount " + mountpoint);
      }
      ++mounts_made_;
      return std::unique_ptr<ShareMount>(std::make_unique<BindMount>(mountpoint));
    };
  }

  // smbclient as nobody; true when the commands succeed.
  bool Smb(const std::string& share, const std::string& commands, std::string password = "nobody-pw-1") {
    auto r = smb::Run({"smbclient", "-p", std::to_string(port_), "-m", "SMB3", "//127.0.0.1/" + share, "-U",
                  "nobody%" + password, "-c", commands});
    last_output_ = r.ok() ? r->output : r.status().ToString();
    return r.ok() && r->succeeded();
  }

  testutil::TempDir dir_;
  int port_ = 0;
  SmbConfig config_;
  std::unique_ptr<kv::KvEngine> kv_ = kv::NewMemEngine();
  meta::ShareStore shares_{*kv_};
  meta::UserStore users_{*kv_, meta::UserStoreOptions{meta::PasswordCost::Minimum(), {}}};
  Mounter mounter_;
  int mounts_made_ = 0;
  std::string last_output_;
};

TEST_F(SmbServiceTest, ServesGrantedSharesAndFollowsChanges) {
  SmbService service(config_, dir_.Sub("data"), shares_, users_, mounter_);
  ASSERT_TRUE(service.Start().ok());
  ASSERT_TRUE(service.WaitRunning(std::chrono::seconds(20)));
  SmbStatus st = service.status();
  EXPECT_EQ(st.smbd.state, ChildState::kRunning);
  ASSERT_EQ(st.shares.size(), 2u);
  EXPECT_TRUE(st.shares[0].mounted);
  EXPECT_FALSE(st.shares[1].mounted);
  EXPECT_EQ(st.shares[1].problem, "nasd share 'later' does not exist");
  EXPECT_EQ(mounts_made_, 1);

  const std::string local = dir_.Sub("hello.txt");
  std::ofstream(local) << "hello over smb\n";
  EXPECT_TRUE(Smb("docs", "put " + local + " hello.txt")) << last_output_;
  std::ifstream written(dir_.Sub("plain-docs/hello.txt"));
  std::string line;
  std::getline(written, line);
  EXPECT_EQ(line, "hello over smb");
  EXPECT_FALSE(Smb("docs", "ls", "wrong-password"));
  EXPECT_NE(last_output_.find("NT_STATUS_LOGON_FAILURE"), std::string::npos) << last_output_;

  // A share created later is mounted and served once granted.
  ASSERT_TRUE(shares_.Create("later").ok());
  ASSERT_TRUE(service.Sync().ok());
  EXPECT_TRUE(service.status().shares[1].mounted);
  EXPECT_FALSE(Smb("Later", "ls")) << "served before any grant";
  ASSERT_TRUE(users_.Grant(shares_.Get("later")->id, "nobody", meta::ShareAccess::kReadOnly).ok());
  ASSERT_TRUE(service.Sync().ok());
  EXPECT_TRUE(Smb("Later", "ls")) << last_output_;
  EXPECT_FALSE(Smb("Later", "put " + local + " x.txt")) << "read-only grant";
  EXPECT_NE(last_output_.find("NT_STATUS_ACCESS_DENIED"), std::string::npos) << last_output_;

  // The passdb follows the user store at once.
  ASSERT_TRUE(users_.SetPassword("nobody", "nobody-pw-2").ok());
  ASSERT_TRUE(service.Sync().ok());
  EXPECT_FALSE(Smb("docs", "ls", "nobody-pw-1"));
  EXPECT_TRUE(Smb("docs", "ls", "nobody-pw-2")) << last_output_;

  const pid_t smbd = service.status().smbd.pid;
  const std::string mnt = service.layout().mountpoint("docs");
  EXPECT_TRUE(Mounted(mnt));
  service.Stop();
  EXPECT_TRUE(ProcCmdline(smbd).empty());
  EXPECT_FALSE(Mounted(mnt));
  EXPECT_EQ(service.status().smbd.state, ChildState::kStopped);
}

TEST_F(SmbServiceTest, FilesHoldSecretsOnlyInThePrivateFolder) {
  SmbService service(config_, dir_.Sub("data"), shares_, users_, mounter_);
  ASSERT_TRUE(service.Start().ok());
  struct stat st;
  ASSERT_EQ(::stat(service.layout().passdb().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(service.layout().private_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::ifstream conf(service.layout().conf());
  std::string text((std::istreambuf_iterator<char>(conf)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("valid users = nobody"), std::string::npos) << text;
  EXPECT_EQ(text.find("nobody-pw"), std::string::npos);
  service.Stop();
}

}  // namespace
}  // namespace nasd::smb
