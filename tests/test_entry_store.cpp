// EntryStore (sim/core/entry_store.hpp): one catalog entry per file, named after the file; names unique across
// directories; `base:` inherits an entry of the same kind (maps merge key by key, the child's values win); unknown
// bases, bases of another kind and cycles are errors, each reported once at the entry that is wrong.
// Fixture directories: tests/fixtures/entry_store/<case>/, each paired below with its exact expected messages.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "hwmodels/hardware_catalog.hpp"
#include "sim/core/config_node.hpp"
#include "sim/core/entry_store.hpp"
#include "tests/support/config_node.hpp"

using hwsim::ConfigNode;
using hwsim::Diagnostics;
using hwsim::EntryStore;

namespace {

namespace fs = std::filesystem;

fs::path case_dir(const std::string& name) { return fs::path(HWSIM_FIXTURES_DIR) / "entry_store" / name; }

// The display path the store uses for a fixture file (the path it was found at).
std::string file_of(const std::string& case_name, const std::string& file) {
  return (case_dir(case_name) / file).string();
}

std::vector<std::string> messages(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags.items()) out.push_back(d.str());
  return out;
}

// Reads and resolves the fixture directories; returns every diagnostic.
std::vector<std::string> load_errors(const std::vector<fs::path>& dirs) {
  EntryStore store;
  Diagnostics diags;
  for (const auto& d : dirs) store.add_directory(d, diags);
  store.resolve(diags);
  return messages(diags);
}

}  // namespace

TEST_CASE("base inheritance: the child overrides one nested key and keeps the rest", "[entry_store]") {
  EntryStore store;
  Diagnostics diags;
  store.add_directory(case_dir("inherit"), diags);
  store.resolve(diags);
  REQUIRE(diags.empty());

  const hwsim::RawEntry* child = store.find("child-net");
  REQUIRE(child != nullptr);
  CHECK(child->kind == "network");
  CHECK(hwsim::test::child(child->node, "name").scalar == "child-net");  // the child's own name, not the parent's
  const ConfigNode& sw = hwsim::test::child(child->node, "switch");
  CHECK(hwsim::test::child(sw, "radix").scalar == "40");             // overridden
  CHECK(hwsim::test::child(sw, "power").scalar == "750 W");          // kept from parent-net
  CHECK(hwsim::test::child(sw, "price").scalar == "43000 USD");      // kept
  CHECK(hwsim::test::child(sw, "model").scalar == "Parent Switch");  // kept
  CHECK(hwsim::test::child(child->node, "link_rate").scalar == "400 Gb/s");
  CHECK(hwsim::test::child(hwsim::test::child(child->node, "cable"), "price").scalar == "1500 USD");
  // An overridden value points at the child's file, an inherited one at the parent's.
  CHECK(hwsim::test::child(sw, "radix").where.str() == file_of("inherit", "child-net.yaml") + ":6:10");
  CHECK(hwsim::test::child(sw, "power").where.str() == file_of("inherit", "parent-net.yaml") + ":9:10");

  // The parent is unchanged.
  CHECK(hwsim::test::child(hwsim::test::child(store.find("parent-net")->node, "switch"), "radix").scalar == "64");

  // A chain of two: the grandchild sees its own link_rate, the child's radix and the parent's switch power.
  const hwsim::RawEntry* grandchild = store.find("grandchild-net");
  REQUIRE(grandchild != nullptr);
  CHECK(hwsim::test::child(grandchild->node, "link_rate").scalar == "200 Gb/s");
  CHECK(hwsim::test::child(hwsim::test::child(grandchild->node, "switch"), "radix").scalar == "40");
  CHECK(hwsim::test::child(hwsim::test::child(grandchild->node, "switch"), "power").scalar == "750 W");

  // The merged entries build typed specs: 40 ports, 750 W, 400 Gb/s = 50e9 B/s (200 Gb/s = 25e9 B/s).
  const auto hw = hwsim::HardwareCatalog::build(store);
  CHECK(hw.networks().at("child-net").switch_radix == 40);
  CHECK(hw.networks().at("child-net").switch_power.value() == 750.0);
  CHECK(hw.networks().at("child-net").link_rate.value() == Approx(400e9 / 8).epsilon(1e-12));
  CHECK(hw.networks().at("grandchild-net").link_rate.value() == Approx(200e9 / 8).epsilon(1e-12));
  CHECK(hw.networks().at("grandchild-net").switch_radix == 40);
}

TEST_CASE("a base of another kind is an error", "[entry_store]") {
  CHECK(load_errors({case_dir("base_wrong_kind")}) ==
        std::vector<std::string>{file_of("base_wrong_kind", "net-b.yaml") +
                                 ":4:7: base: 'rack-a' is a rack, but 'net-b' is a network"});
}

TEST_CASE("an unknown base is an error that suggests the closest entry of the same kind", "[entry_store]") {
  CHECK(load_errors({case_dir("unknown_base")}) ==
        std::vector<std::string>{file_of("unknown_base", "rack-b.yaml") +
                                 ":4:7: base: unknown rack 'rack-aa' (did you mean 'rack-a'?)"});
  // The entry itself is never suggested as its own base.
  CHECK(load_errors({case_dir("unknown_base_self")}) ==
        std::vector<std::string>{file_of("unknown_base_self", "rack-x.yaml") + ":4:7: base: unknown rack 'rack-y'"});
}

TEST_CASE("an inheritance cycle is an error naming the cycle, reported once", "[entry_store]") {
  // rack-a -> rack-b -> rack-a, and rack-c derives from rack-a: one message, at the first entry of the cycle.
  CHECK(load_errors({case_dir("cycle")}) ==
        std::vector<std::string>{file_of("cycle", "rack-a.yaml") +
                                 ":4:7: base: inheritance cycle: rack-a -> rack-b -> rack-a"});
  // An entry that is its own base.
  EntryStore store;
  Diagnostics diags;
  store.add_entry(hwsim::parse_yaml_text("name: self\nkind: rack\nbase: self\n", "self.yaml"), "self.yaml", diags,
                  true);
  store.resolve(diags);
  CHECK(messages(diags) == std::vector<std::string>{"self.yaml:3:7: base: inheritance cycle: self -> self"});
}

TEST_CASE("an error in a base is reported once, not again for every entry deriving from it", "[entry_store]") {
  CHECK(load_errors({case_dir("broken_parent")}) ==
        std::vector<std::string>{file_of("broken_parent", "rack-a.yaml") + ":4:7: base: unknown rack 'missing-rack'"});
}

TEST_CASE("an entry lives in a file named after it", "[entry_store]") {
  CHECK(load_errors({case_dir("name_mismatch")}) ==
        std::vector<std::string>{file_of("name_mismatch", "rack-file.yaml") +
                                 ":2:7: name: entry 'rack-entry' must live in a file named rack-entry.yaml (one entry "
                                 "per file, named after it)"});
}

TEST_CASE("a name defined in two directories is an error naming the first definition", "[entry_store]") {
  CHECK(load_errors({case_dir("duplicate/dir_a"), case_dir("duplicate/dir_b")}) ==
        std::vector<std::string>{file_of("duplicate/dir_b", "rack-a.yaml") +
                                 ":2:7: name: entry 'rack-a' is already "
                                 "defined in " +
                                 file_of("duplicate/dir_a", "rack-a.yaml") +
                                 "; give this one another name (use `base: rack-a` to derive from it)"});
}

TEST_CASE("a missing catalog directory is an error", "[entry_store]") {
  const fs::path missing = case_dir("no-such-directory");
  CHECK(load_errors({missing}) == std::vector<std::string>{missing.string() + ": catalog directory does not exist"});
}

TEST_CASE("an entry needs a name and a known kind", "[entry_store]") {
  const auto errors_of = [](const std::string& text) {
    EntryStore store;
    Diagnostics diags;
    store.add_entry(hwsim::parse_yaml_text(text, "e.yaml"), "e.yaml", diags, false);
    return messages(diags);
  };
  CHECK(errors_of("kind: rack\n") == std::vector<std::string>{"e.yaml:1:1: missing required key 'name'"});
  CHECK(errors_of("name: r\n") ==
        std::vector<std::string>{"e.yaml:1:1: r: missing required key 'kind' (one of: gpu, cpu, node, network, "
                                 "cluster, rack, facility, model)"});
  CHECK(errors_of("name: r\nkind: rak\n") ==
        std::vector<std::string>{"e.yaml:2:7: kind: unknown kind \"rak\" (one of: gpu, cpu, node, network, cluster, "
                                 "rack, facility, model) (did you mean 'rack'?)"});
  CHECK(errors_of("- a\n- b\n") ==
        std::vector<std::string>{"e.yaml:1:1: a catalog entry is a map starting with `name:` and `kind:`"});
}

TEST_CASE("of_kind and names_of_kind list entries of one kind, sorted by name", "[entry_store]") {
  EntryStore store;
  Diagnostics diags;
  store.add_directory(case_dir("inherit"), diags);
  store.add_directory(case_dir("unknown_base"), diags);
  CHECK(store.names_of_kind("network") == std::vector<std::string>{"child-net", "grandchild-net", "parent-net"});
  CHECK(store.names_of_kind("rack") == std::vector<std::string>{"rack-a", "rack-b"});
  CHECK(store.of_kind("gpu").empty());
  CHECK(store.find("rack-q") == nullptr);
}
