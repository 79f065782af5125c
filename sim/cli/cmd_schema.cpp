// `hwsim schema KIND [--format text|json-schema]`: the declared keys of a file kind, as text or as the JSON Schema
// an editor validates and completes the file with.
#include "calibrate/profile.hpp"
#include "sim/cli/cli.hpp"
#include "sim/plan/json_text.hpp"
#include "sim/scenario/file_schemas.hpp"
#include "sim/scenario/scenario_schema.hpp"

namespace hwsim::cli {

void add_schema_command(CLI::App& app, Common& common, Action& action) {
  static std::string kind;
  CLI::App* schema = app.add_subcommand("schema",
                                        "print the declared YAML keys of a file kind (or their JSON Schema, for "
                                        "editors)\n"
                                        "Example: hwsim schema gpu; hwsim schema scenario --format json-schema");
  schema
      ->add_option("kind", kind,
                   "gpu, cpu, node, network, cluster, rack, facility, model, scenario, training, inference, profile, "
                   "sources (the source registry, hwmodels/sources.yaml)")
      ->required()
      ->check(CLI::IsMember(file_kinds()));
  add_output_options(schema, common, {"text", "json-schema"});
  schema->callback([&] {
    action = [&] {
      if (common.format == "json-schema") {
        emit(common, json_text(file_json_schema(kind)) + "\n");
        return 0;
      }
      const Schema* s = nullptr;
      if (kind == "scenario") s = &scenario_schema();
      if (kind == "training") s = &training_workload_schema();
      if (kind == "inference") s = &inference_workload_schema();
      if (kind == "profile") s = &calib::profile_schema();
      if (kind == "sources") s = &source_registry_schema();
      // A catalog kind: its keys and, for hardware, the provenance `sources:` kept beside them (common_schema.hpp).
      emit(common, describe_schema(s != nullptr ? *s : catalog_file_schema(kind)));
      return 0;
    };
  });
}

}  // namespace hwsim::cli
