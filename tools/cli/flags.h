// FlagSet: the command line's per-subcommand flags, in Abseil's --name=value
// form (also --name value, --bool, --nobool), with generated --help text.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
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
  // Registering a name twice is a programming error and aborts; to give a
  // flag that a shared helper registered (AddTrainFlags) another meaning,
  // Remove it first and add the new one. Returns false when there was none.
  bool Remove(std::string_view name);

  // Parses args (the subcommand's arguments). Positional arguments go to
  // `positional`. kInvalidArgument for an unknown flag or a bad value.
  absl::Status Parse(const std::vector<std::string>& args, std::vector<std::string>* positional);
  bool help_requested() const { return help_requested_; }
  // True when the flag was given on the command line.
  bool WasSet(std::string_view name) const;
  // The flags given on the command line, as (name, value text) in the order
  // they were registered (a bool's text is "true" or "false").
  std::vector<std::pair<std::string, std::string>> SetFlags() const;
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
    std::string text;  // the value last given on the command line
  };
  Flag* Find(std::string_view name);
  Flag& Add(std::string name, std::string help, std::string default_text);

  std::string usage_;
  std::string description_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
};

}  // namespace hogmf::cli
