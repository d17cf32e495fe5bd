// The client side of bench/nfs.sh's small-file phase: creates COUNT files of
// SIZE bytes in DIR of an NFSv3 export through libnfs (one mount, one
// connection, synchronous calls: create, write, close), and prints files/s.
// Usage: bench_nfs_files URL COUNT SIZE   (URL: nfs://HOST/EXPORT/DIR?...)
#include <fcntl.h>
#include <nfsc/libnfs.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s URL COUNT SIZE\n", argv[0]);
    return 2;
  }
  const int count = std::atoi(argv[2]);
  const size_t size = std::strtoull(argv[3], nullptr, 10);
  nfs_context* nfs = nfs_init_context();
  nfs_url* url = nfs_parse_url_dir(nfs, argv[1]);
  if (url == nullptr || nfs_mount(nfs, url->server, url->path) != 0) {
    std::fprintf(stderr, "mount %s: %s\n", argv[1], nfs_get_error(nfs));
    return 1;
  }
  const std::string dir = url->file ? url->file : "/";
  std::string data(size, 'x');
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    std::string path = dir + "/f" + std::to_string(i);
    nfsfh* fh = nullptr;
    if (nfs_creat(nfs, path.c_str(), 0644, &fh) != 0 ||
        nfs_pwrite(nfs, fh, 0, data.size(), data.data()) != static_cast<int>(data.size()) ||
        nfs_fsync(nfs, fh) != 0 || nfs_close(nfs, fh) != 0) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), nfs_get_error(nfs));
      return 1;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.0f\n", count / secs);
  nfs_destroy_url(url);
  nfs_destroy_context(nfs);
  return 0;
}
