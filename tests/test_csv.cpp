// CSV cells (sim/report/csv): RFC 4180 quoting, and OWASP's rule against CSV (formula) injection: a text cell a
// spreadsheet would evaluate (opening with = + - @, a tab or a carriage return) is quoted and prefixed with ', while
// numbers, negative ones included, stay as they are.
#include <catch2/catch.hpp>

#include "sim/report/csv.hpp"

TEST_CASE("csv cells: plain text as is, commas, quotes and line breaks quoted with quotes doubled", "[csv]") {
  CHECK(hwsim::csv_cell("dgx-h100") == "dgx-h100");
  CHECK(hwsim::csv_cell("a,b") == "\"a,b\"");
  CHECK(hwsim::csv_cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(hwsim::csv_cell("two\nlines") == "\"two\nlines\"");
  CHECK(hwsim::csv_cell("cr\rhere") == "\"cr\rhere\"");
  CHECK(hwsim::csv_cell("") == "");
}

TEST_CASE("csv cells: text a spreadsheet would run as a formula is neutralised; numbers are not", "[csv]") {
  CHECK(hwsim::csv_cell("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"");
  CHECK(hwsim::csv_cell("+cmd") == "\"'+cmd\"");
  CHECK(hwsim::csv_cell("-2+3") == "\"'-2+3\"");
  CHECK(hwsim::csv_cell("@SUM(A1)") == "\"'@SUM(A1)\"");
  CHECK(hwsim::csv_cell("\tx") == "\"'\tx\"");
  CHECK(hwsim::csv_cell("-5") == "-5");
  CHECK(hwsim::csv_cell("+1e3") == "+1e3");
  CHECK(hwsim::csv_cell("-0.25") == "-0.25");
}
