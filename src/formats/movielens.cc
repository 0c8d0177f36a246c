// MovieLens rating files: u.data (user<TAB>item<TAB>rating<TAB>timestamp, the
// 100K set) and ratings.dat (user::item::rating::timestamp, the 1M and 10M
// sets). Ids are interned as strings so predictions speak the file's ids; the
// timestamp must be present and is otherwise ignored.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "formats/id_interner.h"
#include "formats/readers.h"
#include "formats/text_scanner.h"
#include "hogmf/input.h"
#include "util/absl_compat.h"
#include "util/input_stream.h"
#include "util/status_macros.h"

namespace hogmf::formats {

using ::hogmf::internal::InputStream;
using ::hogmf::internal::TextBlock;

namespace {

constexpr size_t kFields = 4;

// Splits `line` at each `separator` into trimmed fields; stores the first
// kFields and returns how many there are.
size_t Split(std::string_view line, std::string_view separator, std::string_view* fields) {
  size_t count = 0;
  size_t start = 0;
  while (true) {
    const size_t stop = line.find(separator, start);
    const std::string_view field =
        line.substr(start, stop == std::string_view::npos ? std::string_view::npos : stop - start);
    if (count < kFields) fields[count] = TrimBlanks(field);
    ++count;
    if (stop == std::string_view::npos) return count;
    start = stop + separator.size();
  }
}

}  // namespace

absl::StatusOr<Ratings> ReadMovielens(InputStream& in, Format format) {
  const bool dat = format == Format::kMovielensDat;
  const std::string_view separator = dat ? "::" : "\t";
  const std::string shape =
      dat ? "'user::item::rating::timestamp'" : "'user<TAB>item<TAB>rating<TAB>timestamp'";
  const std::string_view path = in.path();

  std::vector<Rating> entries;
  if (const std::optional<uint64_t> lines = in.EstimatedLines()) entries.reserve(*lines + 1);
  IdMap users;
  IdMap items;
  IdInterner user_ids(&users);
  IdInterner item_ids(&items);
  // Files are usually grouped by user: remember the last user's index.
  std::string last_user;
  uint32_t last_user_index = 0;
  bool have_last_user = false;

  std::string_view fields[kFields];
  TextBlock block;
  for (;;) {
    HOGMF_ASSIGN_OR_RETURN(const bool more, in.NextBlock(&block));
    if (!more) break;
    LineReader lines(block.offset == 0 ? SkipByteOrderMark(block.text) : block.text,
                     block.first_line);
    std::string_view line;
    while (lines.Next(&line)) {
      if (IsBlankLine(line)) continue;
      const size_t count = Split(line, separator, fields);
      if (count != kFields) {
        return LineError(path, lines.line_number(),
                         absl::StrCat("line has ", count, count == 1 ? " field" : " fields"),
                         absl::StrCat("4 fields ", shape));
      }
      if (fields[0].empty() || fields[1].empty()) {
        return LineError(path, lines.line_number(),
                         fields[0].empty() ? "the user id is empty" : "the item id is empty",
                         absl::StrCat(shape, " with non-empty ids"));
      }
      float value;
      const NumberProblem problem = ParseRating(fields[2], &value);
      if (problem != NumberProblem::kNone) {
        return LineError(path, lines.line_number(), DescribeProblem("rating", fields[2], problem),
                         absl::StrCat(shape, " with a numeric rating"));
      }
      if (!have_last_user || fields[0] != last_user) {
        last_user_index = user_ids.Intern(fields[0]);
        last_user.assign(fields[0]);
        have_last_user = true;
      }
      entries.push_back(Rating{last_user_index, item_ids.Intern(fields[1]), value});
    }
  }
  if (entries.empty()) {
    return FileError(path, "no ratings in the file", absl::StrCat("lines of ", shape));
  }
  return Ratings(std::move(entries), std::move(users), std::move(items));
}

}  // namespace hogmf::formats
