// Ends the way its first argument says: "return N", "exit N", "signal N".
// Before that, asks a child for the personality it runs with.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int Argc, char **Argv) {
  if (Argc < 3)
    return 2;
  system("echo child personality $(cat /proc/self/personality)");
  int N = atoi(Argv[2]);
  if (!strcmp(Argv[1], "exit"))
    exit(N);
  if (!strcmp(Argv[1], "signal"))
    raise(N);
  return N;
}
