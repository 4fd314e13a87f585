#include "cli/commands.h"

int main(int argc, char** argv) {
  return netdoctor::cli::run(argc, argv);
}
