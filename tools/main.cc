// hogmf command line: placeholder entry until the subcommands land.
int main() { return 1; }
