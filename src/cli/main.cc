#include <malloc.h>

#include "cli/app.h"

namespace {

// Chunk-sized buffers (4 MiB blocks, 1 MiB NFS calls) are allocated and freed
// all the time. Above glibc's mmap threshold each one is a fresh mapping whose
// every page faults in zeroed (a third of a cold NFS READ's CPU went to that),
// and glibc's self-tuning raises the threshold only past the size already
// freed, so buffers of one size stay mapped anew forever. Serve them from the
// heap instead, and keep freed memory for reuse rather than trimming it.
void TuneAllocator() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  TuneAllocator();
  return nasd::cli::Main(argc, argv);
}
