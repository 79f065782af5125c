#include "sim/core/catalog_paths.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <sstream>

#include "sim/core/build_config.hpp"

namespace hwsim {

namespace {
std::vector<std::filesystem::path> split(const std::string& text, char sep) {
  std::vector<std::filesystem::path> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, sep)) {
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

// An install holds its catalog under PREFIX/share/hwsim; a build tree has no such directory beside its binaries.
bool is_install(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::is_directory(dir / "hwmodels" / "catalog", ec);
}

// The prefix data directory of the file this code was loaded from, if it were installed: the Python module (a shared
// object, PREFIX/lib/python3/dist-packages/hwsim/_hwsim...so: python/CMakeLists.txt), else the hwsim executable
// (PREFIX/bin/hwsim). Only that file's own prefix counts: the interpreter that loaded the module is not hwsim's, so a
// module run from its build tree reads the source tree even where a .deb put hwsim in /usr.
std::filesystem::path install_candidate() {
  std::error_code ec;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&install_candidate), &info) != 0 && info.dli_fname != nullptr) {
    const auto object = std::filesystem::weakly_canonical(info.dli_fname, ec);
    if (!ec && object.extension() == ".so") {
      // hwsim/ -> dist-packages/ -> python3/ -> lib/ -> PREFIX
      std::filesystem::path prefix = object.parent_path();
      for (int level = 0; level < 4; ++level) prefix = prefix.parent_path();
      return prefix / HWSIM_INSTALL_DATA_DIR;
    }
  }
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : exe.parent_path().parent_path() / HWSIM_INSTALL_DATA_DIR;
}

std::filesystem::path find_data_root() {
  const std::filesystem::path installed = install_candidate();
  if (!installed.empty() && is_install(installed)) return installed.lexically_normal();
  return HWSIM_SOURCE_ROOT;
}

}  // namespace

std::filesystem::path data_root() {
  static const std::filesystem::path root = find_data_root();
  return root;
}

std::vector<std::filesystem::path> default_catalog_dirs() {
  if (const char* env = std::getenv("HWSIM_CATALOG"); env != nullptr && *env != '\0') return split(env, ':');
  return {data_root() / "hwmodels" / "catalog", data_root() / "workloads" / "catalog"};
}

std::string version_string() { return HWSIM_VERSION; }

std::filesystem::path default_validation_dir() { return data_root() / "scenarios" / "validation"; }

std::filesystem::path default_source_registry() {
  if (const char* env = std::getenv("HWSIM_SOURCES"); env != nullptr && *env != '\0') return env;
  return data_root() / "hwmodels" / "sources.yaml";
}

std::filesystem::path default_profiles_dir() { return data_root() / "calibrate" / "profiles"; }

}  // namespace hwsim
