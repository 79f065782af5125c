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

// The file this code was loaded from: the hwsim executable, or the Python module (a shared object under
// PREFIX/lib/python3/dist-packages/), and the prefix data directories each would have if installed.
std::vector<std::filesystem::path> install_candidates() {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back(exe.parent_path().parent_path() / HWSIM_INSTALL_DATA_DIR);
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&install_candidates), &info) != 0 && info.dli_fname != nullptr) {
    const auto object = std::filesystem::weakly_canonical(info.dli_fname, ec);
    if (!ec && object.extension() == ".so") {
      // PREFIX/lib/python3/dist-packages/hwsim/_hwsim...so (python/CMakeLists.txt): the prefix is 5 levels up.
      std::filesystem::path dir = object.parent_path();
      for (int level = 0; level < 5 && dir.has_relative_path(); ++level) {
        dir = dir.parent_path();
        out.push_back(dir / HWSIM_INSTALL_DATA_DIR);
      }
    }
  }
  return out;
}

std::filesystem::path find_data_root() {
  for (const auto& dir : install_candidates()) {
    if (is_install(dir)) return dir.lexically_normal();
  }
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
