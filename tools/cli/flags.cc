// FlagSet: parsing and help text.
#include "cli/flags.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "cli/string_views.h"

namespace hogmf::cli {
namespace {

absl::Status BadValue(std::string_view name, std::string_view text, std::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", ToAbsl(name), "=", ToAbsl(text), ": expected ", ToAbsl(expected)));
}

template <typename T>
absl::Status ParseInteger(std::string_view name, std::string_view text, T* out) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return BadValue(name, text, "an integer");
  }
  *out = value;
  return absl::OkStatus();
}

absl::Status ParseReal(std::string_view name, std::string_view text, double* out) {
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size()) return BadValue(name, text, "a number");
  *out = value;
  return absl::OkStatus();
}

std::string FormatDefault(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

FlagSet::FlagSet(std::string usage, std::string description)
    : usage_(std::move(usage)), description_(std::move(description)) {}

FlagSet::Flag& FlagSet::Add(std::string name, std::string help, std::string default_text) {
  if (Find(name) != nullptr) {
    std::fprintf(stderr, "internal error: flag --%s registered twice\n", name.c_str());
    std::abort();
  }
  Flag flag;
  flag.name = std::move(name);
  flag.help = std::move(help);
  flag.default_text = std::move(default_text);
  flags_.push_back(std::move(flag));
  return flags_.back();
}

void FlagSet::AddString(std::string name, std::string* value, std::string help) {
  Flag& flag = Add(name, std::move(help), value->empty() ? "" : "\"" + *value + "\"");
  flag.set = [value](std::string_view text) {
    *value = std::string(text);
    return absl::OkStatus();
  };
}

void FlagSet::AddInt(std::string name, int* value, std::string help) {
  Flag& flag = Add(name, std::move(help), std::to_string(*value));
  flag.set = [value, name](std::string_view text) { return ParseInteger(name, text, value); };
}

void FlagSet::AddUint32(std::string name, uint32_t* value, std::string help) {
  Flag& flag = Add(name, std::move(help), std::to_string(*value));
  flag.set = [value, name](std::string_view text) { return ParseInteger(name, text, value); };
}

void FlagSet::AddUint64(std::string name, uint64_t* value, std::string help) {
  Flag& flag = Add(name, std::move(help), std::to_string(*value));
  flag.set = [value, name](std::string_view text) { return ParseInteger(name, text, value); };
}

void FlagSet::AddFloat(std::string name, float* value, std::string help) {
  Flag& flag = Add(name, std::move(help), FormatDefault(*value));
  flag.set = [value, name](std::string_view text) {
    double parsed = 0;
    absl::Status status = ParseReal(name, text, &parsed);
    if (status.ok()) *value = static_cast<float>(parsed);
    return status;
  };
}

void FlagSet::AddDouble(std::string name, double* value, std::string help) {
  Flag& flag = Add(name, std::move(help), FormatDefault(*value));
  flag.set = [value, name](std::string_view text) { return ParseReal(name, text, value); };
}

void FlagSet::AddBool(std::string name, bool* value, std::string help) {
  Flag& flag = Add(name, std::move(help), *value ? "true" : "false");
  flag.is_bool = true;
  flag.bool_value = value;
  flag.set = [value, name](std::string_view text) {
    if (text == "true" || text == "1" || text == "yes") {
      *value = true;
    } else if (text == "false" || text == "0" || text == "no") {
      *value = false;
    } else {
      return BadValue(name, text, "true or false");
    }
    return absl::OkStatus();
  };
}

FlagSet::Flag* FlagSet::Find(std::string_view name) {
  for (Flag& flag : flags_) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

bool FlagSet::Remove(std::string_view name) {
  for (auto it = flags_.begin(); it != flags_.end(); ++it) {
    if (it->name == name) {
      flags_.erase(it);
      return true;
    }
  }
  return false;
}

std::vector<std::pair<std::string, std::string>> FlagSet::SetFlags() const {
  std::vector<std::pair<std::string, std::string>> set;
  for (const Flag& flag : flags_) {
    if (flag.was_set) set.emplace_back(flag.name, flag.text);
  }
  return set;
}

bool FlagSet::WasSet(std::string_view name) const {
  for (const Flag& flag : flags_) {
    if (flag.name == name) return flag.was_set;
  }
  return false;
}

absl::Status FlagSet::Parse(const std::vector<std::string>& args,
                            std::vector<std::string>* positional) {
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-' || arg == "-") {
      positional->push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    std::string_view body(arg);
    body.remove_prefix(body.starts_with("--") ? 2 : 1);
    if (body == "help" || body == "h") {
      help_requested_ = true;
      continue;
    }
    const size_t eq = body.find('=');
    std::string_view name = body.substr(0, eq);
    Flag* flag = Find(name);
    if (flag == nullptr && eq == std::string_view::npos && name.starts_with("no")) {
      Flag* negated = Find(name.substr(2));
      if (negated != nullptr && negated->is_bool) {
        *negated->bool_value = false;
        negated->was_set = true;
        negated->text = "false";
        continue;
      }
    }
    if (flag == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", ToAbsl(name), " (see --help)"));
    }
    std::string_view value;
    if (eq != std::string_view::npos) {
      value = body.substr(eq + 1);
    } else if (flag->is_bool) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("flag --", ToAbsl(name), " needs a value"));
    }
    absl::Status status = flag->set(value);
    if (!status.ok()) return status;
    flag->was_set = true;
    flag->text = flag->is_bool ? (*flag->bool_value ? "true" : "false") : std::string(value);
  }
  return absl::OkStatus();
}

std::string FlagSet::Help() const {
  std::string text = absl::StrCat("usage: ", usage_, "\n\n", description_, "\n");
  if (!flags_.empty()) text += "\nflags:\n";
  for (const Flag& flag : flags_) {
    std::string left = absl::StrCat("  --", flag.name);
    if (!flag.is_bool) left += "=VALUE";
    if (left.size() < 26) left.resize(26, ' ');
    absl::StrAppend(&text, left, " ", flag.help);
    if (!flag.default_text.empty()) absl::StrAppend(&text, " (default ", flag.default_text, ")");
    text += "\n";
  }
  return text;
}

}  // namespace hogmf::cli
