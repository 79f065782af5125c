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
  return printable(out + message);
}

std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  std::size_t n = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0 && c >= 0xC2) n = 2;
  if ((c & 0xF0) == 0xE0) n = 3;
  if ((c & 0xF8) == 0xF0 && c <= 0xF4) n = 4;
  if (n == 0 || i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = utf8_length(text, i);
    const auto second = n == 2 ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (n == 0) {
      out += fmt::format("\\x{:02X}", c);  // not UTF-8: shown as the byte it is
      i += 1;
    } else if (n == 2 && c == 0xC2 && second <= 0x9F) {
      out += fmt::format("\\u{:04X}", second);  // a C1 control (U+0080..U+009F): a terminal may act on it too
      i += 2;
    } else if (n == 1 && (c < 0x20 || c == 0x7F)) {
      out += c == '\n' ? std::string("\\n") : fmt::format("\\x{:02X}", c);
      i += 1;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
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
  if (items_.size() >= kMaxDiagnostics) {
    ++more_;
    return;
  }
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
  if (items_.empty()) return;
  if (more_ == 0) throw InputError(items_);
  std::vector<Diagnostic> all = items_;
  all.push_back({{}, "", fmt::format("{} more problems not shown (the first {} are above)", more_, kMaxDiagnostics)});
  throw InputError(std::move(all));
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
