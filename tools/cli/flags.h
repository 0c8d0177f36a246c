// FlagSet: the command line's per-subcommand flags, in Abseil's --name=value
// form (also --name value, --bool, --nobool), with generated --help text.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace hogmf::cli {

class FlagSet {
 public:
  // `usage` is the synopsis line, e.g. "hogmf eval MODEL FILE".
  FlagSet(std::string usage, std::string description);

  void AddString(std::string name, std::string* value, std::string help);
  void AddInt(std::string name, int* value, std::string help);
  void AddUint32(std::string name, uint32_t* value, std::string help);
  void AddUint64(std::string name, uint64_t* value, std::string help);
  void AddFloat(std::string name, float* value, std::string help);
  void AddDouble(std::string name, double* value, std::string help);
  void AddBool(std::string name, bool* value, std::string help);

  // Parses args (the subcommand's arguments). Positional arguments go to
  // `positional`. kInvalidArgument for an unknown flag or a bad value.
  absl::Status Parse(const std::vector<std::string>& args, std::vector<std::string>* positional);
  bool help_requested() const { return help_requested_; }
  // True when the flag was given on the command line.
  bool WasSet(std::string_view name) const;
  std::string Help() const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    bool* bool_value = nullptr;
    std::function<absl::Status(std::string_view)> set;
    bool was_set = false;
  };
  Flag* Find(std::string_view name);
  Flag& Add(std::string name, std::string help, std::string default_text);

  std::string usage_;
  std::string description_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
};

}  // namespace hogmf::cli
