// Samba's view of nasd's users. nasd owns the passdb outright: it writes
// Samba's smbpasswd file (backend "smbpasswd:", read by smbd at every logon)
// from the user store, whole and atomically, at start and after every user
// change, so the two can never drift. Samba also needs a Unix account per
// user with the nasd uid/gid; it is created when missing.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "meta/user_store.h"

namespace nasd::smb {

// The smbpasswd file for users ("name:uid:LM:NT:[U          ]:LCT-...:"; no
// LM hash). Users without an NT hash (password set before nasd kept it) are
// left out and named in skipped.
std::string RenderSmbPasswd(const std::vector<meta::UserRecord>& users, std::vector<std::string>* skipped);

// Makes sure a Unix account user.name exists (useradd -M -s
// /usr/sbin/nologin with user.uid, and a group with user.gid if none has
// it). An existing account with another uid is used as it is and reported
// (kFailedPrecondition) so the operator can fix it: Samba would act under
// that uid. Needs root to create.
Status EnsureUnixAccount(const meta::UserRecord& user);

}  // namespace nasd::smb
