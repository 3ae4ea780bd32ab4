#include <cstdio>
#include <thread>

int main() {
  int Answer = 0;
  std::thread Worker([&] { Answer = 42; });
  Worker.join();
  std::printf("answer %d\n", Answer);
}
