// JSON as hwsim writes it (reports, baselines, sweeps, `validate`, `hw`/`model` listings): one home for the dump
// settings. Bytes that are not UTF-8 (a path or `--set` value given on the command line) are replaced by U+FFFD
// instead of making nlohmann throw.
#pragma once

#include <string>

namespace hwsim {

// `indent` as nlohmann takes it: -1 compact, otherwise spaces per level.
template <class Json>
std::string json_text(const Json& json, int indent = 2) {
  return json.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace hwsim
