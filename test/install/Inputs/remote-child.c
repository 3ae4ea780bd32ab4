// Two children, one per node of a two-rank job under spread.
#include <stdlib.h>

int main(void) {
  system("echo child on node $GRID_NODE");
  system("echo child on node $GRID_NODE");
  return 0;
}
