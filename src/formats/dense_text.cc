// Dense text matrices: one row per user, one whitespace-separated column per
// item, 0 for a missing rating. Indices are the row and column positions
// (identity id maps); an all-zero row or column still counts. A matrix of
// two columns whose first row is two integers sniffs as "user item" pairs, so
// it is read here only with --format=dense.
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "formats/readers.h"
#include "formats/text_scanner.h"
#include "util/absl_compat.h"
#include "util/input_stream.h"
#include "util/status_macros.h"

namespace hogmf::formats {

using ::hogmf::internal::InputStream;
using ::hogmf::internal::TextBlock;

absl::StatusOr<Ratings> ReadDenseText(InputStream& in) {
  constexpr std::string_view kExpected =
      "a matrix of numbers separated by spaces or tabs, one row per line, 0 for a missing rating";
  const std::string_view path = in.path();
  std::vector<Rating> entries;
  uint64_t rows = 0;
  uint64_t columns = 0;
  uint64_t first_row_line = 0;
  TextBlock block;
  for (;;) {
    HOGMF_ASSIGN_OR_RETURN(const bool more, in.NextBlock(&block));
    if (!more) break;
    LineReader lines(block.offset == 0 ? SkipByteOrderMark(block.text) : block.text,
                     block.first_line);
    std::string_view line;
    while (lines.Next(&line)) {
      if (IsBlankLine(line)) continue;
      if (rows > kMaxIndex) {
        return LineError(path, lines.line_number(), "the matrix has too many rows",
                         absl::StrCat("at most ", uint64_t{kMaxIndex} + 1, " rows"));
      }
      uint64_t column = 0;
      std::string_view rest = line;
      std::string_view token;
      while (NextToken(rest, &token)) {
        if (column > kMaxIndex) {
          return LineError(path, lines.line_number(), "the row has too many columns",
                           absl::StrCat("at most ", uint64_t{kMaxIndex} + 1, " columns"));
        }
        float value;
        const NumberProblem problem = ParseRating(token, &value);
        if (problem != NumberProblem::kNone) {
          return LineError(
              path, lines.line_number(),
              DescribeProblem(absl::StrCat("value in column ", column), token, problem), kExpected);
        }
        if (value != 0.0f) {
          entries.push_back(
              Rating{static_cast<uint32_t>(rows), static_cast<uint32_t>(column), value});
        }
        ++column;
      }
      if (rows == 0) {
        columns = column;
        first_row_line = lines.line_number();
      } else if (column != columns) {
        return LineError(path, lines.line_number(),
                         absl::StrCat("row has ", column, column == 1 ? " column" : " columns"),
                         absl::StrCat(columns, " columns like the first row (line ", first_row_line,
                                      ")"));
      }
      ++rows;
    }
  }
  if (entries.empty()) {
    return FileError(path, rows == 0 ? "no rows in the file" : "no ratings: every value is 0",
                     kExpected);
  }
  return Ratings(std::move(entries), IdMap::Identity(static_cast<uint32_t>(rows)),
                 IdMap::Identity(static_cast<uint32_t>(columns)));
}

}  // namespace hogmf::formats
