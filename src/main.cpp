// The hull executable: everything happens in hull::cli::main_entry (src/cli/dispatch.cpp).
#include "cli/cli.hpp"

int main(int argc, char** argv)
{
    return hull::cli::main_entry(argc, argv);
}
