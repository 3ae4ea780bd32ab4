// Phases of a control test, shared by the programs its driver renices
// (spawner.c, looper.c). The driver creates DIR/BEGIN<N> before renice N
// and DIR/PHASE<N> once that renice has returned; a creation that saw
// phase N before it started and phaseAfter() N after it ended ran wholly
// between renice N and renice N+1.
#include <stdio.h>
#include <unistd.h>

static const char *Dir; // set by main

static int exists(const char *Name) {
  char Path[4096];
  snprintf(Path, sizeof Path, "%s/%s", Dir, Name);
  return access(Path, F_OK) == 0;
}

// The highest N for which DIR/<Prefix><N> exists, 0 if none.
static int highest(const char *Prefix) {
  int P = 0;
  char Name[32];
  for (int I = 1; I < 10; ++I) {
    snprintf(Name, sizeof Name, "%s%d", Prefix, I);
    if (exists(Name))
      P = I;
  }
  return P;
}

static int phase(void) { return highest("PHASE"); }
static int phaseAfter(void) {
  int Begun = highest("BEGIN"), Done = highest("PHASE");
  return Begun > Done ? Begun : Done;
}
