// Property checks for libFuzzer targets: a violated property prints what
// failed and aborts, which libFuzzer reports as a crash with the input saved.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <initializer_list>

#include "common/status.h"

#define FUZZ_CHECK(cond)                                                                        \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "fuzz property violated at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                             \
    }                                                                                           \
  } while (false)

namespace nasd::fuzz {

// A refusal must carry one of the documented codes and say why.
inline void CheckError(const Status& st, std::initializer_list<Code> allowed) {
  FUZZ_CHECK(!st.ok());
  FUZZ_CHECK(!st.message().empty());
  bool known = false;
  for (Code c : allowed) known = known || st.code() == c;
  if (!known) std::fprintf(stderr, "unexpected code for: %s\n", st.message().c_str());
  FUZZ_CHECK(known);
}

}  // namespace nasd::fuzz
