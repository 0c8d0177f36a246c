// The training flags that `train`, `cv` and `tune` share: every TrainParams
// field as a flag, and the step that turns the named choices into params.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "cli/flags.h"
#include "hogmf/params.h"

namespace hogmf::cli {

struct TrainFlags {
  TrainParams params;
  // Named choices, parsed by ResolveTrainFlags.
  std::string lr_schedule = "constant";
  std::string order = "auto";
  std::string schedule = "auto";
};

// Registers every training flag on `flags`, writing into `train_flags`.
void AddTrainFlags(FlagSet& flags, TrainFlags* train_flags);

// Parses the named choices into train_flags->params and validates the params.
// kInvalidArgument naming the flag for a bad value.
absl::Status ResolveTrainFlags(TrainFlags* train_flags);

}  // namespace hogmf::cli
