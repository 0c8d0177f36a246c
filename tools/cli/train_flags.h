// The training flags that `train`, `cv` and `tune` share: every TrainParams
// field as a flag, and the step that turns the named choices into params.
//
//   TrainFlags train_flags = InitialTrainFlags(args);   // --model=seed starts from the seed
//   AddTrainFlags(flags, &train_flags);
//   ... flags.Parse(args, &positional) ...
//   absl::Status valid = ResolveTrainFlags(&train_flags);
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/flags.h"
#include "hogmf/params.h"

namespace hogmf::cli {

struct TrainFlags {
  TrainParams params;
  // Named choices and lists, parsed by ResolveTrainFlags.
  std::string model = "default";
  std::string loss;
  std::string biases;
  std::string l2;
  std::string l1;
  std::string l2_bias;
  std::string epochs;
  std::string lr_schedule;
  std::string order = "auto";
  std::string schedule = "auto";
  std::string max_memory = "auto";
};

// The flags' starting values: TrainParams' defaults, or TrainParams::Seed()
// when `args` hold --model=seed (then every other flag still applies on top).
TrainFlags InitialTrainFlags(const std::vector<std::string>& args);

// Registers every training flag on `flags`, writing into `train_flags`.
void AddTrainFlags(FlagSet& flags, TrainFlags* train_flags);

// Parses the named choices into train_flags->params and validates the params.
// kInvalidArgument naming the flag for a bad value.
absl::Status ResolveTrainFlags(TrainFlags* train_flags);

}  // namespace hogmf::cli
