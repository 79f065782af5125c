// `hwsim merge`: shard outputs of one sweep (CSV or JSON, as sim/report/sweep_writer.cpp writes them) back into
// the unsharded output.
// Contract: each shard's rows are in point order, a point's rows are contiguous and in one shard only; the merge
// streams (one row per shard in memory) and checks that the shards share their header and cover every point once.
#include <fmt/format.h>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <ostream>

#include "sim/core/errors.hpp"
#include "sim/report/sweep_merge.hpp"

namespace hwsim {

namespace {

struct ShardReader {
  std::string file;
  std::ifstream in;
  std::string header;
  bool json = false;
  std::string row;          // the current row (JSON: without its trailing comma)
  std::int64_t point = -1;  // of `row`; -1 at the end
  int line = 1;

  [[noreturn]] void fail(const std::string& message) const {
    throw InputError(Diagnostic{{file, line, 0}, "", message});
  }

  void open() {
    in.open(file, std::ios::binary);
    if (!in) throw InputError(Diagnostic{{file, 0, 0}, "", "cannot read the shard file"});
    if (!std::getline(in, header)) fail("empty file; expected the output of hwsim sweep --shard");
    json = !header.empty() && header[0] == '{';
    if (json ? header.rfind("\"rows\":[") != header.size() - 8 : header.rfind("point,", 0) != 0) {
      fail("not the output of hwsim sweep (CSV or JSON)");
    }
    next();
  }

  void next() {
    ++line;
    if (!std::getline(in, row)) {
      if (json) fail("the JSON rows do not end with ]}");
      point = -1;
      return;
    }
    if (json) {
      if (row == "]}") {
        point = -1;
        return;
      }
      if (!row.empty() && row.back() == ',') row.pop_back();
      if (row.rfind("{\"point\":", 0) != 0) fail("expected a row {\"point\":N,...}");
      row_point(9);
    } else {
      row_point(0);
    }
  }

  void row_point(std::size_t at) {
    char* end = nullptr;
    const long long p = std::strtoll(row.c_str() + at, &end, 10);
    if (end == row.c_str() + at || p < 0) fail("expected the point number first in each row");
    if (p < point) fail("rows out of point order");
    point = p;
  }
};

}  // namespace

void merge_shards(const std::vector<std::string>& files, std::ostream& out) {
  if (files.empty()) throw InputError(Diagnostic{{"merge", 0, 0}, "", "give the shard files to merge"});
  std::vector<std::unique_ptr<ShardReader>> shards;
  for (const auto& f : files) {
    auto r = std::make_unique<ShardReader>();
    r->file = f;
    r->open();
    if (!shards.empty() && r->header != shards.front()->header) {
      r->line = 1;
      r->fail(fmt::format("its header differs from {}'s: shards of different sweeps", shards.front()->file));
    }
    shards.push_back(std::move(r));
  }
  const bool json = shards.front()->json;
  out << shards.front()->header << (json ? "" : "\n");
  std::int64_t expected = 0;
  bool first = true;
  for (;;) {
    ShardReader* best = nullptr;
    for (auto& s : shards) {
      if (s->point >= 0 && (best == nullptr || s->point < best->point)) best = s.get();
    }
    if (best == nullptr) break;
    if (best->point != expected) {
      if (best->point < expected) best->fail(fmt::format("point {} is in more than one shard", best->point));
      throw InputError(Diagnostic{
          {"merge", 0, 0},
          "",
          fmt::format("point{} {} in none of the shards (is a shard missing?)", best->point - 1 > expected ? "s" : "",
                      best->point - 1 > expected ? fmt::format("{}..{} are", expected, best->point - 1)
                                                 : fmt::format("{} is", expected))});
    }
    const std::int64_t p = best->point;
    while (best->point == p) {
      out << (json ? (first ? "\n" : ",\n") : "") << best->row << (json ? "" : "\n");
      first = false;
      best->next();
    }
    ++expected;
  }
  if (json) {
    const auto at = shards.front()->header.find("\"points\":");
    const long long total = at == std::string::npos ? -1 : std::atoll(shards.front()->header.c_str() + at + 9);
    if (total != expected) {
      throw InputError(Diagnostic{
          {"merge", 0, 0},
          "",
          fmt::format("the sweep has {} points, the shards hold {} (is a shard missing?)", total, expected)});
    }
    out << "\n]}\n";
  }
  out.flush();
}

}  // namespace hwsim
