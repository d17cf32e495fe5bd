#include "cli/app.h"

int main(int argc, char** argv) { return nasd::cli::Main(argc, argv); }
