#include <stdlib.h>

int spawn_echo(void) { return system("echo child says hello") == 0 ? 0 : 1; }
