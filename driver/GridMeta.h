//===- GridMeta.h - Read the grid_meta section of a binary -------*- C++
//-*-===//
//
// The metadata the Grid plugin embeds in every module it compiles (format in
// runtime/include/grid/abi.h): frames of "GRIDMETA", a 4-byte little-endian
// length and that many bytes of JSON, possibly separated by zero bytes where
// the linker concatenated and aligned them. Read without running the program,
// from an executable, a shared object or a relocatable object.
//===----------------------------------------------------------------------===//
#ifndef GRID_DRIVER_GRIDMETA_H
#define GRID_DRIVER_GRIDMETA_H

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace grid::driver {

/// Any reason the metadata cannot be read; the message is for the user.
class MetaError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct MetaSite {
  std::string File; // "" when the module had no debug info
  std::string Function;
  uint32_t Line = 0;
  uint32_t Column = 0;
  std::string Kind; // the user-visible kind name, e.g. "pthread_create"
  std::string Module;
};

struct MetaModule {
  std::string Name;
  uint32_t AbiVersion = 0;
  std::optional<int> ThreadTolerance; // unset when absent
  std::optional<int> ProcessTolerance;
  std::vector<MetaSite> Sites;
};

/// The raw contents of section SectionName of the ELF file at Path.
/// Throws MetaError for a missing or unreadable file, a file that is not ELF,
/// and an ELF file without that section.
std::vector<uint8_t> readElfSection(const std::string &Path,
                                    const std::string &SectionName);

/// Splits a grid_meta section into its modules. Throws MetaError naming the
/// byte offset of a malformed frame.
std::vector<MetaModule> parseGridMeta(const std::vector<uint8_t> &Section);

/// Reads and parses the grid_meta section of Path.
std::vector<MetaModule> readGridMeta(const std::string &Path);

} // namespace grid::driver

#endif // GRID_DRIVER_GRIDMETA_H
