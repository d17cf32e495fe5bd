// Properties of a resource: the live DAV: properties computed from its
// attributes and locks, and dead properties stored as xattrs on its inode.
//
// Dead property storage: xattr "user.dav.<localname>@<namespace URI>"
// (a local name cannot contain '@', so the split is unambiguous), value the
// property element serialized as a self-contained XML fragment.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vfs/types.h"
#include "webdav/dav_path.h"
#include "webdav/lock_table.h"
#include "webdav/multistatus.h"

namespace nasd::webdav {

struct ResourceView {
  vfs::Attr attr;
  std::string name;         // display name ("" for the share root: the share name)
  std::vector<Lock> locks;  // covering it
  std::string share;
};

// Live properties defined for this resource, in allprop order.
std::vector<PropName> LivePropNames(const ResourceView& r);
bool IsLiveProp(const PropName& p);
// The rendered property element, or nullopt when not defined here.
std::optional<std::string> RenderLiveProp(const PropName& p, const ResourceView& r);
// <D:activelock> for one lock.
std::string ActiveLockXml(const Lock& l, std::string_view share);

inline constexpr std::string_view kDeadPropPrefix = "user.dav.";
std::string DeadPropXattr(const PropName& p);
std::optional<PropName> ParseDeadPropXattr(std::string_view xattr);

}  // namespace nasd::webdav
