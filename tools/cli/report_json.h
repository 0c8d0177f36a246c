// JSON pieces of the reports the commands write (--report).
#pragma once

#include <string>

#include "hogmf/trainer.h"

namespace hogmf::cli {

// A number as JSON: %.10g, or null when not finite.
std::string JsonNumber(double value);

// The fields of a training report, one "  \"name\": value,\n" line each
// (the last ends with a comma too), for a caller that opens the object and
// adds its own fields.
std::string TrainReportFields(const TrainReport& report);

}  // namespace hogmf::cli
