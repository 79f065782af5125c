// CSV cells (RFC 4180) for every CSV hwsim writes: `run --format csv` and sweep rows.
// Contract: a cell holding a comma, a double quote or a line break is quoted, with quotes doubled; a text cell that a
// spreadsheet would run as a formula (opening with = + - @, a tab or a carriage return, and not a number) is quoted
// and prefixed with ' (OWASP's CSV-injection rule); others are as is.
#pragma once

#include <string>
#include <string_view>

namespace hwsim {

void append_csv_cell(std::string& out, std::string_view text);
std::string csv_cell(std::string_view text);

}  // namespace hwsim
