#include "sim/core/errors.hpp"

#include <fmt/format.h>
#include <algorithm>

namespace hwsim {

std::string SourceLocation::str() const {
  if (line <= 0) return file;
  if (column <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string Diagnostic::str() const {
  std::string out = where.str();
  if (!out.empty()) out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  return out + message;
}

namespace {
std::string join_messages(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += d.str();
  }
  return out;
}
}  // namespace

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join_messages(diagnostics)), diagnostics_(std::move(diagnostics)) {}

void Diagnostics::add(SourceLocation where, std::string key_path, std::string message) {
  // One problem found twice (a key that entries deriving through `base:` inherit is validated with each of them) is
  // reported once.
  for (const auto& d : items_) {
    if (d.where.file == where.file && d.where.line == where.line && d.where.column == where.column &&
        d.key_path == key_path && d.message == message) {
      return;
    }
  }
  items_.push_back({std::move(where), std::move(key_path), std::move(message)});
}

void Diagnostics::throw_if_any() const {
  if (!items_.empty()) throw InputError(items_);
}

namespace {
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = up;
    }
  }
  return row[b.size()];
}
}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  // A candidate that the word begins ("h100" -> "h100-pcie-80gb") is the likeliest intent; the shortest wins.
  std::string prefixed;
  for (const auto& c : candidates) {
    if (!word.empty() && c.size() > word.size() && c.compare(0, word.size(), word) == 0 &&
        (prefixed.empty() || c.size() < prefixed.size())) {
      prefixed = c;
    }
  }
  if (!prefixed.empty()) return prefixed;
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace hwsim
