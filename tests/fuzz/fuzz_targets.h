// The fuzz targets' checks as plain functions, so that the libFuzzer
// executables (fuzz_main.cc) and the GoogleTest suite (which replays the seed
// corpus and every crash once found, tests/formats/fuzz_regressions_test.cc)
// run the same code. A target returns normally for any input: errors must be
// statuses; a broken invariant aborts.
#pragma once

#include <string_view>
#include <vector>

namespace hogmf::fuzz {

// The targets' names: libmf pairs movielens csv tsv dense binary_ratings sniff
// gzip hogmf_model libmf_model train_flags.
const std::vector<std::string_view>& TargetNames();

using TargetFunction = void (*)(std::string_view input);
// The target called `name`; nullptr for an unknown name.
TargetFunction FindTarget(std::string_view name);

}  // namespace hogmf::fuzz
