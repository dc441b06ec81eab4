// ghharvest: the thin entry point; everything else is in the library (src/cli/).
#include "ghharvest/cli/cli.hpp"

int main(int argc, char** argv) { return ghharvest::cli::Main(argc, argv); }
