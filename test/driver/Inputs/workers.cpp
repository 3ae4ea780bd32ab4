#include <iostream>
#include <thread>
#include <vector>

int main() {
  std::vector<long> Squares(4);
  std::vector<std::thread> Threads;
  for (long I = 0; I < 4; ++I)
    Threads.emplace_back([&Squares, I] { Squares[I] = I * I; });
  for (std::thread &T : Threads)
    T.join();
  std::cout << "total " << Squares[0] + Squares[1] + Squares[2] + Squares[3]
            << "\n";
}
