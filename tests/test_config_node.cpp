// ConfigNode (sim/core/config_node.hpp): every value and key remembers file, 1-based line and 1-based column
// (yaml-cpp marks are 0-based: STYLE.md rule 4); duplicate keys and broken YAML are InputErrors naming file:line;
// merge_config merges maps key by key, recursively, and lets anything else in the override replace the base.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "sim/core/config_node.hpp"
#include "tests/support/config_node.hpp"

using hwsim::ConfigNode;
using hwsim::InputError;

namespace {

// The diagnostics of the InputError that parsing `text` throws.
std::vector<hwsim::Diagnostic> parse_errors(const std::string& text) {
  try {
    hwsim::parse_yaml_text(text, "t.yaml");
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  return {};
}

}  // namespace

TEST_CASE("values and keys carry 1-based line and column", "[config_node]") {
  //                      col: 123456789
  const std::string text =
      "name: a100\n"                // line 1
      "memory:\n"                   // line 2
      "  hbm:\n"                    // line 3
      "    bandwidth: 1555 GB/s\n"  // line 4: key at col 5, value at col 16
      "list: [1, 22]\n";            // line 5: items at col 8 and col 11
  const ConfigNode root = hwsim::parse_yaml_text(text, "t.yaml");
  REQUIRE(root.is_map());

  const ConfigNode& name = hwsim::test::child(root, "name");
  CHECK(name.scalar == "a100");
  CHECK(name.where.file == "t.yaml");
  CHECK(name.where.line == 1);
  CHECK(name.where.column == 7);  // "name: " is 6 characters
  CHECK(name.key_where.line == 1);
  CHECK(name.key_where.column == 1);

  const ConfigNode& bw = hwsim::test::child(hwsim::test::child(hwsim::test::child(root, "memory"), "hbm"), "bandwidth");
  CHECK(bw.scalar == "1555 GB/s");
  CHECK(bw.where.str() == "t.yaml:4:16");  // 4 spaces + "bandwidth: " = 15 characters before the value
  CHECK(bw.key_where.str() == "t.yaml:4:5");

  const ConfigNode& list = hwsim::test::child(root, "list");
  REQUIRE(list.is_sequence());
  REQUIRE(list.items.size() == 2);
  CHECK(list.items[0].where.str() == "t.yaml:5:8");
  CHECK(list.items[1].scalar == "22");
  CHECK(list.items[1].where.str() == "t.yaml:5:11");
}

TEST_CASE("map entries keep document order", "[config_node]") {
  const ConfigNode root = hwsim::parse_yaml_text("zeta: 1\nalpha: 2\nmid: 3\n", "t.yaml");
  REQUIRE(root.entries.size() == 3);
  CHECK(root.entries[0].key == "zeta");
  CHECK(root.entries[1].key == "alpha");
  CHECK(root.entries[2].key == "mid");
}

TEST_CASE("a key without a value is null and points at its key", "[config_node]") {
  // yaml-cpp marks an empty value at the next token (the next line, or the end of the file); the error about
  // it must point at the key's own line.
  const ConfigNode last = hwsim::parse_yaml_text("a: 1\nprice:\n", "t.yaml");
  CHECK(hwsim::test::child(last, "price").kind == ConfigNode::Kind::null);
  CHECK(hwsim::test::child(last, "price").where.str() == "t.yaml:2:1");

  const ConfigNode middle = hwsim::parse_yaml_text("price:\nb: 1\n", "t.yaml");
  CHECK(hwsim::test::child(middle, "price").where.str() == "t.yaml:1:1");

  const ConfigNode nested = hwsim::parse_yaml_text("x:\n  price:\n  b: 1\n", "t.yaml");
  CHECK(hwsim::test::child(hwsim::test::child(nested, "x"), "price").where.str() == "t.yaml:2:3");
}

TEST_CASE("a duplicate key is an error at the second occurrence", "[config_node]") {
  const auto diags = parse_errors("name: a\ntdp: 400 W\ntdp: 700 W\n");
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].str() == "t.yaml:3:1: tdp: duplicate key (it is already set above)");
}

TEST_CASE("duplicate keys in nested maps are all reported", "[config_node]") {
  // Errors are reported all at once (errors.hpp contract), each with its full key path.
  const auto diags = parse_errors("clock:\n  boost: 1 GHz\n  boost: 2 GHz\nsm:\n  count: 1\n  count: 2\n");
  REQUIRE(diags.size() == 2);
  CHECK(diags[0].str() == "t.yaml:3:3: clock.boost: duplicate key (it is already set above)");
  CHECK(diags[1].str() == "t.yaml:6:3: sm.count: duplicate key (it is already set above)");
}

TEST_CASE("broken YAML is an InputError that names file:line", "[config_node]") {
  const auto diags = parse_errors("name: x\nlist: [1, 2\nother: 3\n");
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].where.file == "t.yaml");
  CHECK(diags[0].where.line >= 2);  // the unclosed flow sequence starts on line 2
  CHECK_THAT(diags[0].message, Catch::Matchers::StartsWith("invalid YAML: "));
  CHECK_THAT(diags[0].str(), Catch::Matchers::StartsWith("t.yaml:" + std::to_string(diags[0].where.line) + ":"));

  const auto tab = parse_errors("a:\n\tb: 1\n");  // a tab is not indentation in YAML
  REQUIRE(tab.size() == 1);
  CHECK(tab[0].where.line == 2);
  CHECK_THAT(tab[0].str(), Catch::Matchers::StartsWith("t.yaml:2:"));
}

TEST_CASE("load_yaml_file reports a missing file by its display name", "[config_node]") {
  try {
    hwsim::load_yaml_file(std::filesystem::path(HWSIM_FIXTURES_DIR) / "no-such-file.yaml", "no-such-file.yaml");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "no-such-file.yaml: cannot open the file");
  }
}

TEST_CASE("merge_config merges maps recursively and replaces everything else", "[config_node]") {
  const ConfigNode base = hwsim::parse_yaml_text(
      "name: parent\n"
      "memory:\n"
      "  l2: {capacity: 40 MiB}\n"
      "  hbm: {type: HBM2, capacity: 40 GiB, bandwidth: 1555 GB/s}\n"
      "dtypes: [fp64, fp32]\n"
      "price: 15000 USD\n",
      "base.yaml");
  const ConfigNode over = hwsim::parse_yaml_text(
      "name: child\n"
      "memory:\n"
      "  hbm: {capacity: 80 GiB}\n"
      "dtypes: [fp16]\n"
      "price: {low: 1}\n"
      "extra: yes\n",
      "over.yaml");
  const ConfigNode merged = hwsim::merge_config(base, over);

  CHECK(hwsim::test::child(merged, "name").scalar == "child");  // scalar replaced
  const ConfigNode& hbm = hwsim::test::child(hwsim::test::child(merged, "memory"), "hbm");
  CHECK(hwsim::test::child(hbm, "capacity").scalar == "80 GiB");         // nested scalar replaced ...
  CHECK(hwsim::test::child(hbm, "capacity").where.file == "over.yaml");  // ... and points at the override
  CHECK(hwsim::test::child(hbm, "type").scalar == "HBM2");               // siblings kept from the base
  CHECK(hwsim::test::child(hbm, "bandwidth").scalar == "1555 GB/s");
  CHECK(hwsim::test::child(hbm, "bandwidth").where.file == "base.yaml");
  CHECK(hwsim::test::child(hwsim::test::child(hwsim::test::child(merged, "memory"), "l2"), "capacity").scalar ==
        "40 MiB");  // untouched subtree kept

  const ConfigNode& dtypes = hwsim::test::child(merged, "dtypes");  // a sequence is replaced, not appended to
  REQUIRE(dtypes.items.size() == 1);
  CHECK(dtypes.items[0].scalar == "fp16");

  CHECK(hwsim::test::child(merged, "price").is_map());         // a map over a scalar replaces it
  CHECK(hwsim::test::child(merged, "extra").scalar == "yes");  // new keys are added

  // Base keys keep their order; new keys come after them.
  REQUIRE(merged.entries.size() == 5);
  CHECK(merged.entries[0].key == "name");
  CHECK(merged.entries[1].key == "memory");
  CHECK(merged.entries[4].key == "extra");

  // The inputs are not modified.
  CHECK(hwsim::test::child(hwsim::test::child(hwsim::test::child(base, "memory"), "hbm"), "capacity").scalar ==
        "40 GiB");
}

TEST_CASE("merge_config: a scalar over a map replaces the map", "[config_node]") {
  const ConfigNode base = hwsim::parse_yaml_text("a: {x: 1, y: 2}\n", "b.yaml");
  const ConfigNode over = hwsim::parse_yaml_text("a: 3\n", "o.yaml");
  const ConfigNode merged = hwsim::merge_config(base, over);
  CHECK(hwsim::test::child(merged, "a").is_scalar());
  CHECK(hwsim::test::child(merged, "a").scalar == "3");
}

TEST_CASE("set and erase edit a map in place", "[config_node]") {
  ConfigNode root = hwsim::parse_yaml_text("a: 1\nb: 2\n", "t.yaml");
  root.set("a", ConfigNode::make_scalar("9", {"<--set>", 0, 0}));
  CHECK(hwsim::test::child(root, "a").scalar == "9");
  CHECK(hwsim::test::child(root, "a").key_where.line == 1);  // the key keeps its place in the file
  root.set("c", ConfigNode::make_scalar("3", {"<--set>", 0, 0}));
  CHECK(root.entries.size() == 3);
  root.erase("b");
  CHECK(root.find("b") == nullptr);
  CHECK(root.entries.size() == 2);
}
