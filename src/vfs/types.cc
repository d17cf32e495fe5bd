#include "vfs/types.h"

#include <sys/stat.h>

namespace nasd::vfs {

uint32_t Attr::st_mode() const {
  switch (type) {
    case FileType::kDirectory:
      return S_IFDIR | mode;
    case FileType::kSymlink:
      return S_IFLNK | mode;
    case FileType::kRegular:
      break;
  }
  return S_IFREG | mode;
}

}  // namespace nasd::vfs
