#include "cli/app.h"

int nasd::cli::Main(int, char**) { return 0; }
