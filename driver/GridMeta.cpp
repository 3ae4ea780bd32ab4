//===- GridMeta.cpp - Read the grid_meta section of a binary --------------===//
//
// ELF is read with <elf.h> alone (both classes, little-endian): the tools
// need one section's bytes, not a general object-file library.
//===----------------------------------------------------------------------===//
#include "GridMeta.h"

#include "grid/abi.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <elf.h>
#include <fstream>
#include <iterator>
#include <sys/stat.h>

namespace grid::driver {

namespace {

template <class Ehdr, class Shdr>
std::vector<uint8_t> findSection(const std::string &Path,
                                 const std::vector<uint8_t> &Image,
                                 const std::string &SectionName) {
  auto Truncated = [&]() {
    return MetaError("'" + Path + "' is a truncated or corrupt ELF file");
  };
  if (Image.size() < sizeof(Ehdr))
    throw Truncated();
  Ehdr Header;
  std::memcpy(&Header, Image.data(), sizeof Header);
  uint64_t NumSections = Header.e_shnum;
  uint64_t StringIndex = Header.e_shstrndx;
  auto SectionAt = [&](uint64_t Index) {
    uint64_t Offset = Header.e_shoff + Index * sizeof(Shdr);
    if (Header.e_shoff == 0 || Offset + sizeof(Shdr) > Image.size())
      throw Truncated();
    Shdr Section;
    std::memcpy(&Section, Image.data() + Offset, sizeof Section);
    return Section;
  };
  if (Header.e_shoff == 0)
    throw MetaError("'" + Path +
                    "' has no section headers (stripped with "
                    "--strip-sections?); its Grid metadata cannot be read");
  // Extended numbering: the real counts live in section 0 (ELF gABI).
  if (NumSections == 0)
    NumSections = SectionAt(0).sh_size;
  if (StringIndex == SHN_XINDEX)
    StringIndex = SectionAt(0).sh_link;
  Shdr Strings = SectionAt(StringIndex);
  if (Strings.sh_offset + Strings.sh_size > Image.size())
    throw Truncated();
  for (uint64_t I = 0; I < NumSections; ++I) {
    Shdr Section = SectionAt(I);
    if (Section.sh_name >= Strings.sh_size)
      throw Truncated();
    const char *Name = reinterpret_cast<const char *>(Image.data()) +
                       Strings.sh_offset + Section.sh_name;
    size_t MaxLength = Strings.sh_size - Section.sh_name;
    if (strnlen(Name, MaxLength) == MaxLength || SectionName != Name)
      continue;
    if (Section.sh_type == SHT_NOBITS)
      return {};
    if (Section.sh_offset + Section.sh_size > Image.size())
      throw Truncated();
    return std::vector<uint8_t>(Image.begin() + Section.sh_offset,
                                Image.begin() + Section.sh_offset +
                                    Section.sh_size);
  }
  throw MetaError("'" + Path + "' is not a Grid binary: no " + SectionName +
                  " section; build it with grid-clang -fgrid");
}

std::optional<int> readTolerance(const nlohmann::json &Frame, const char *Key) {
  auto It = Frame.find(Key);
  if (It == Frame.end() || It->is_null())
    return std::nullopt;
  if (!It->is_number_integer() || *It < 0 || *It > 3)
    throw MetaError(std::string("\"") + Key + "\" is " + It->dump() +
                    ", not null or 0-3");
  return It->get<int>();
}

template <class T>
T require(const nlohmann::json &Object, const char *Key, const char *Where) {
  auto It = Object.find(Key);
  if (It == Object.end())
    throw MetaError(std::string(Where) + " has no \"" + Key + "\"");
  try {
    return It->get<T>();
  } catch (const nlohmann::json::exception &) {
    throw MetaError(std::string(Where) + ": \"" + Key +
                    "\" has the wrong type (" + It->dump() + ")");
  }
}

MetaModule parseFrame(const nlohmann::json &Frame) {
  if (!Frame.is_object())
    throw MetaError("the payload is not a JSON object");
  MetaModule Module;
  Module.AbiVersion = require<uint32_t>(Frame, "abi", "the module record");
  Module.Name = require<std::string>(Frame, "module", "the module record");
  Module.ThreadTolerance = readTolerance(Frame, "thread_tolerance");
  Module.ProcessTolerance = readTolerance(Frame, "process_tolerance");
  auto Sites = Frame.find("sites");
  if (Sites == Frame.end() || !Sites->is_array())
    throw MetaError("the module record has no \"sites\" array");
  for (const nlohmann::json &Entry : *Sites) {
    if (!Entry.is_object())
      throw MetaError("a call-site record is not a JSON object");
    MetaSite Site;
    Site.File = require<std::string>(Entry, "file", "a call-site record");
    Site.Line = require<uint32_t>(Entry, "line", "a call-site record");
    Site.Column = Entry.contains("column")
                      ? require<uint32_t>(Entry, "column", "a call-site record")
                      : 0;
    Site.Function =
        require<std::string>(Entry, "function", "a call-site record");
    Site.Kind = require<std::string>(Entry, "kind", "a call-site record");
    Site.Module = Module.Name;
    Module.Sites.push_back(std::move(Site));
  }
  return Module;
}

} // namespace

std::vector<uint8_t> readElfSection(const std::string &Path,
                                    const std::string &SectionName) {
  struct stat St;
  if (::stat(Path.c_str(), &St) != 0)
    throw MetaError("cannot open '" + Path + "': " + std::strerror(errno));
  if (S_ISDIR(St.st_mode))
    throw MetaError("cannot read '" + Path + "': it is a directory");
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    throw MetaError("cannot open '" + Path + "': " + std::strerror(errno));
  std::vector<uint8_t> Image((std::istreambuf_iterator<char>(In)),
                             std::istreambuf_iterator<char>());
  if (Image.size() < EI_NIDENT || std::memcmp(Image.data(), ELFMAG, SELFMAG))
    throw MetaError("'" + Path +
                    "' is not an ELF file (executable, shared "
                    "object or object file)");
  if (Image[EI_DATA] != ELFDATA2LSB)
    throw MetaError("'" + Path +
                    "' is a big-endian ELF file; Grid binaries "
                    "are little-endian");
  if (Image[EI_CLASS] == ELFCLASS64)
    return findSection<Elf64_Ehdr, Elf64_Shdr>(Path, Image, SectionName);
  if (Image[EI_CLASS] == ELFCLASS32)
    return findSection<Elf32_Ehdr, Elf32_Shdr>(Path, Image, SectionName);
  throw MetaError("'" + Path + "' has an unknown ELF class");
}

std::vector<MetaModule> parseGridMeta(const std::vector<uint8_t> &Section) {
  constexpr size_t MagicSize = sizeof(GRID_META_MAGIC) - 1;
  std::vector<MetaModule> Modules;
  size_t Offset = 0;
  while (Offset < Section.size()) {
    if (Section[Offset] == 0) { // padding between frames
      ++Offset;
      continue;
    }
    auto Malformed = [&](const std::string &What) {
      return MetaError("malformed " GRID_META_SECTION
                       " section: frame at byte " +
                       std::to_string(Offset) + ": " + What);
    };
    if (Section.size() - Offset < MagicSize + 4 ||
        std::memcmp(Section.data() + Offset, GRID_META_MAGIC, MagicSize))
      throw Malformed("does not start with " GRID_META_MAGIC
                      " and a 4-byte length");
    const uint8_t *L = Section.data() + Offset + MagicSize;
    uint64_t Length = uint64_t(L[0]) | uint64_t(L[1]) << 8 |
                      uint64_t(L[2]) << 16 | uint64_t(L[3]) << 24;
    size_t Payload = Offset + MagicSize + 4;
    if (Length > Section.size() - Payload)
      throw Malformed("its length " + std::to_string(Length) +
                      " runs past the end of the section (" +
                      std::to_string(Section.size()) + " bytes)");
    try {
      Modules.push_back(parseFrame(nlohmann::json::parse(
          Section.begin() + Payload, Section.begin() + Payload + Length)));
    } catch (const nlohmann::json::parse_error &E) {
      throw Malformed(std::string("invalid JSON: ") + E.what());
    } catch (const MetaError &E) {
      throw Malformed(E.what());
    }
    Offset = Payload + Length;
  }
  if (Modules.empty())
    throw MetaError("the " GRID_META_SECTION " section holds no module "
                    "record");
  return Modules;
}

std::vector<MetaModule> readGridMeta(const std::string &Path) {
  std::vector<uint8_t> Section = readElfSection(Path, GRID_META_SECTION);
  try {
    return parseGridMeta(Section);
  } catch (const MetaError &E) {
    throw MetaError("'" + Path + "': " + E.what());
  }
}

} // namespace grid::driver
