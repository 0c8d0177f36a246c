// csv and tsv ratings: a header row, then one rating per row, with the user,
// item and rating columns chosen by header name or position; a header of only
// a user and an item column is implicit feedback, every row read with value 1.
// Ids are arbitrary strings. csv fields may be double-quoted ("" inside quotes is one quote, and
// quoted fields may hold commas and line breaks); tsv has no quoting.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

// Splits a block of text into records of fields, one record per line except
// where a quoted field spans lines. Blank lines are skipped. Fields are views
// into the text, or into scratch storage for quoted fields holding "" escapes;
// they stay valid until the next call to Next.
class RecordParser {
 public:
  enum class Result {
    kRecord,    // a record was read
    kEnd,       // the block holds no more records
    kError,     // *status says what is wrong
    kNeedMore,  // a quoted field runs past the block: Rebase on a longer one
  };

  RecordParser(std::string_view path, char delimiter, bool quoting)
      : path_(path), delimiter_(delimiter), quoting_(quoting) {}

  // Starts on a block whose first line is `first_line`.
  void Start(std::string_view text, uint64_t first_line) {
    pos_ = text.data();
    end_ = text.data() + text.size();
    line_ = first_line;
  }
  // Moves to `text`, a longer copy of the block (starting where it started),
  // to read again the record that needed more; `last` when no more input
  // follows it.
  void Rebase(std::string_view text, size_t record_offset, bool last) {
    pos_ = text.data() + record_offset;
    end_ = text.data() + text.size();
    line_ = record_line_;
    last_ = last;
  }
  // The offset of the record Next read last (or started to) from the block's
  // start `text`.
  size_t record_offset(std::string_view text) const {
    return static_cast<size_t>(record_start_ - text.data());
  }

  // Reads the next record.
  Result Next(absl::Status* status) {
    while (true) {
      if (pos_ == end_) return Result::kEnd;
      const char* p = pos_;
      while (p < end_ && IsBlank(*p)) ++p;
      if (p == end_) {
        pos_ = end_;
        return Result::kEnd;
      }
      if (*p != '\n') break;
      pos_ = p + 1;
      ++line_;
    }
    record_line_ = line_;
    record_start_ = pos_;
    fields_.clear();
    scratch_used_ = 0;
    while (true) {
      const char* stop = nullptr;
      if (quoting_) {
        const char* s = pos_;
        while (s < end_ && (*s == ' ' || *s == '\t')) ++s;
        if (s < end_ && *s == '"') {
          stop = ReadQuoted(s, status);
          if (stop == nullptr) return need_more_ ? Result::kNeedMore : Result::kError;
        }
      }
      if (stop == nullptr) {
        stop = pos_;
        while (stop < end_ && *stop != delimiter_ && *stop != '\n') ++stop;
        fields_.push_back(Field{TrimBlanks(std::string_view(pos_, stop - pos_)), -1});
      }
      if (stop == end_) {
        pos_ = end_;
        return Result::kRecord;
      }
      pos_ = stop + 1;
      if (*stop == '\n') {
        ++line_;
        return Result::kRecord;
      }
    }
  }

  size_t size() const { return fields_.size(); }
  std::string_view field(size_t i) const {
    const Field& f = fields_[i];
    return f.scratch < 0 ? f.view : std::string_view(scratch_[f.scratch]);
  }
  // The 1-based line on which the last record started.
  uint64_t line_number() const { return record_line_; }

 private:
  struct Field {
    std::string_view view;
    int scratch;  // index into scratch_, or -1 for `view`
  };

  // Reads the quoted field whose opening quote is at `quote`. Returns the
  // position of the delimiter, newline or end that follows it, or nullptr with
  // *status set, or with need_more_ set when the field runs past the block.
  const char* ReadQuoted(const char* quote, absl::Status* status) {
    need_more_ = false;
    const uint64_t start_line = line_;
    const char* content = quote + 1;
    const char* p = content;
    bool escaped = false;
    const char* close = nullptr;
    while (close == nullptr) {
      const void* found = std::memchr(p, '"', end_ - p);
      if (found == nullptr) {
        if (!last_) {
          need_more_ = true;
          return nullptr;
        }
        *status = LineError(path_, start_line, "a quoted field is not closed",
                            "a closing '\"' (write a quote inside a quoted field as \"\")");
        return nullptr;
      }
      const char* q = static_cast<const char*>(found);
      line_ += static_cast<uint64_t>(std::count(p, q, '\n'));
      if (q + 1 < end_ && q[1] == '"') {
        escaped = true;
        p = q + 2;
      } else {
        close = q;
      }
    }
    if (escaped) {
      if (scratch_used_ == scratch_.size()) scratch_.emplace_back();
      std::string& out = scratch_[scratch_used_];
      out.clear();
      for (const char* c = content; c < close; ++c) {
        out.push_back(*c);
        if (*c == '"') ++c;  // the second quote of a "" pair
      }
      fields_.push_back(Field{{}, static_cast<int>(scratch_used_)});
      ++scratch_used_;
    } else {
      fields_.push_back(Field{std::string_view(content, close - content), -1});
    }
    const char* after = close + 1;
    while (after < end_ && IsBlank(*after)) ++after;
    if (after < end_ && *after != delimiter_ && *after != '\n') {
      *status = LineError(path_, line_,
                          absl::StrCat("unexpected ", Quote(std::string_view(after, 1)),
                                       " after the closing quote of a field"),
                          "a delimiter or the end of the line after a quoted field");
      return nullptr;
    }
    return after;
  }

  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  std::string_view path_;
  char delimiter_;
  bool quoting_;
  bool last_ = false;
  bool need_more_ = false;
  uint64_t line_ = 1;
  uint64_t record_line_ = 1;
  const char* record_start_ = nullptr;
  std::vector<Field> fields_;
  std::vector<std::string> scratch_;
  size_t scratch_used_ = 0;
};

std::string ListHeader(const std::vector<std::string>& header) {
  std::string out;
  for (size_t i = 0; i < header.size(); ++i) {
    if (i > 0) out += ", ";
    out += Quote(header[i]);
  }
  return out;
}

struct ColumnRole {
  const char* role;                             // "user", "item", "rating"
  std::vector<std::string_view> default_names;  // tried in order, any case
  size_t default_position;
};

// The first column whose header is one of `names` (tried in order, any case),
// or npos.
size_t FindNamed(const std::vector<std::string>& header,
                 const std::vector<std::string_view>& names) {
  for (std::string_view name : names) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (EqualsIgnoreCase(header[i], name)) return i;
    }
  }
  return std::string_view::npos;
}

absl::Status NoColumnNamed(std::string_view path, size_t columns, const ColumnRole& role,
                           std::string_view expected) {
  return LineError(path, 1,
                   absl::StrCat("the header has ", columns, columns == 1 ? " column" : " columns",
                                " and none is named as ", role.role[0] == 'i' ? "an " : "a ",
                                role.role, " column"),
                   expected);
}

// The 0-based column for `role`: the option (a position or a header name)
// when given, else the first default name the header has, else the default
// position.
absl::StatusOr<size_t> ResolveColumn(std::string_view path, const std::vector<std::string>& header,
                                     const std::string& option, const ColumnRole& role) {
  const std::string expected = absl::StrCat("a column name from the header (", ListHeader(header),
                                            ") or a 0-based position below ", header.size());
  if (!option.empty()) {
    uint32_t position;
    if (ParseIndex(option, &position) == NumberProblem::kNone) {
      if (position < header.size()) return position;
      return LineError(path, 1,
                       absl::StrCat("the ", role.role, " column is position ", position,
                                    " but the header has ", header.size(), " columns"),
                       expected);
    }
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == option) return i;
    }
    for (size_t i = 0; i < header.size(); ++i) {
      if (EqualsIgnoreCase(header[i], option)) return i;
    }
    return LineError(path, 1,
                     absl::StrCat("the header has no ", role.role, " column named ", Quote(option)),
                     expected);
  }
  const size_t named = FindNamed(header, role.default_names);
  if (named != std::string_view::npos) return named;
  if (role.default_position < header.size()) return role.default_position;
  return NoColumnNamed(path, header.size(), role,
                       absl::StrCat("at least ", role.default_position + 1, " columns, or the ",
                                    role.role, " column chosen by name"));
}

}  // namespace

absl::StatusOr<Ratings> ReadDelimited(InputStream& in, char delimiter, const ReadOptions& options) {
  const std::string_view path = in.path();
  const std::string format_name = delimiter == ',' ? "csv" : "tsv";
  RecordParser records(path, delimiter, /*quoting=*/delimiter == ',');
  absl::Status status;
  // Feeds the parser block after block; a record that runs past its block
  // is read again from a longer one.
  TextBlock block;
  std::string_view text;  // the block without a leading byte order mark
  bool have_block = false;
  auto next_record = [&]() -> absl::StatusOr<bool> {
    for (;;) {
      if (have_block) {
        switch (records.Next(&status)) {
          case RecordParser::Result::kRecord:
            return true;
          case RecordParser::Result::kError:
            return status;
          case RecordParser::Result::kNeedMore: {
            const size_t offset = records.record_offset(text);
            const size_t skipped = static_cast<size_t>(text.data() - block.text.data());
            HOGMF_ASSIGN_OR_RETURN(const bool grown, in.ExtendBlock(&block));
            text = block.text.substr(skipped);
            records.Rebase(text, offset, /*last=*/!grown);
            continue;
          }
          case RecordParser::Result::kEnd:
            break;
        }
      }
      HOGMF_ASSIGN_OR_RETURN(const bool more, in.NextBlock(&block));
      if (!more) return false;
      text = block.offset == 0 ? SkipByteOrderMark(block.text) : block.text;
      records.Start(text, block.first_line);
      have_block = true;
    }
  };

  HOGMF_ASSIGN_OR_RETURN(bool found, next_record());
  if (!found) {
    return FileError(path, "no header row",
                     absl::StrCat(format_name, " with a header row naming the columns"));
  }
  std::vector<std::string> header;
  for (size_t i = 0; i < records.size(); ++i) header.emplace_back(records.field(i));

  static const ColumnRole kUser{"user", {"userId", "user_id", "user", "uid"}, 0};
  static const ColumnRole kItem{"item", {"itemId", "movieId", "item_id", "item", "iid"}, 1};
  static const ColumnRole kRating{"rating", {"rating", "value", "score"}, 2};
  size_t columns[3];
  const ColumnRole* roles[3] = {&kUser, &kItem, &kRating};
  const std::string* chosen[3] = {&options.user_column, &options.item_column,
                                  &options.rating_column};
  for (int k = 0; k < 2; ++k) {
    absl::StatusOr<size_t> column = ResolveColumn(path, header, *chosen[k], *roles[k]);
    if (!column.ok()) return column.status();
    columns[k] = *column;
  }
  // The rating column when not chosen: a rating name; else, for a header of
  // two columns, none (implicit feedback); else column 2 unless the user or
  // item column is there, which leaves no column that is clearly the rating.
  bool implicit = false;
  if (!options.rating_column.empty()) {
    absl::StatusOr<size_t> column = ResolveColumn(path, header, options.rating_column, kRating);
    if (!column.ok()) return column.status();
    columns[2] = *column;
  } else if (const size_t named = FindNamed(header, kRating.default_names);
             named != std::string_view::npos) {
    columns[2] = named;
  } else if (header.size() == 2) {
    implicit = true;
  } else if (kRating.default_position != columns[0] && kRating.default_position != columns[1]) {
    columns[2] = kRating.default_position;
  } else {
    return NoColumnNamed(
        path, header.size(), kRating,
        "a column named rating, value or score, or --rating-column naming one (a header of "
        "only a user and an item column is read with value 1 for every row)");
  }
  const int roles_used = implicit ? 2 : 3;
  for (int a = 0; a < roles_used; ++a) {
    for (int b = a + 1; b < roles_used; ++b) {
      if (columns[a] == columns[b]) {
        return LineError(path, records.line_number(),
                         absl::StrCat("the ", roles[a]->role, " and ", roles[b]->role,
                                      " columns are both column ", columns[a], " (",
                                      Quote(header[columns[a]]), ")"),
                         implicit ? "two different columns for user and item"
                                  : "three different columns for user, item and rating");
      }
    }
  }
  const size_t user_column = columns[0];
  const size_t item_column = columns[1];
  const size_t rating_column = implicit ? 0 : columns[2];
  const size_t needed = std::max({user_column, item_column, rating_column}) + 1;
  const std::string expected_width =
      implicit ? absl::StrCat("at least ", needed, " columns (user in column ", user_column,
                              ", item in column ", item_column, ")")
               : absl::StrCat("at least ", needed, " columns (user in column ", user_column,
                              ", item in column ", item_column, ", rating in column ",
                              rating_column, ")");

  std::vector<Rating> entries;
  if (const std::optional<uint64_t> lines = in.EstimatedLines()) entries.reserve(*lines);
  IdMap users;
  IdMap items;
  IdInterner user_ids(&users);
  IdInterner item_ids(&items);
  // Files are usually grouped by user: remember the last user's index.
  std::string last_user;
  uint32_t last_user_index = 0;
  bool have_last_user = false;
  for (;;) {
    HOGMF_ASSIGN_OR_RETURN(found, next_record());
    if (!found) break;
    const uint64_t line = records.line_number();
    if (records.size() < needed) {
      return LineError(path, line,
                       absl::StrCat("row has ", records.size(),
                                    records.size() == 1 ? " column" : " columns"),
                       expected_width);
    }
    const std::string_view user = records.field(user_column);
    const std::string_view item = records.field(item_column);
    if (user.empty() || item.empty()) {
      return LineError(path, line,
                       absl::StrCat("the ", user.empty() ? "user" : "item", " id in column ",
                                    user.empty() ? user_column : item_column, " is empty"),
                       "a non-empty id");
    }
    float value = 1.0f;
    if (!implicit) {
      const std::string_view rating = records.field(rating_column);
      const NumberProblem problem = ParseRating(rating, &value);
      if (problem != NumberProblem::kNone) {
        return LineError(path, line, DescribeProblem("rating", rating, problem),
                         absl::StrCat("a numeric rating in column ", rating_column, " (",
                                      Quote(header[rating_column]), ")"));
      }
    }
    if (!have_last_user || user != last_user) {
      last_user_index = user_ids.Intern(user);
      last_user.assign(user);
      have_last_user = true;
    }
    entries.push_back(Rating{last_user_index, item_ids.Intern(item), value});
  }
  if (entries.empty()) {
    return FileError(path, "no ratings after the header row",
                     absl::StrCat("one rating per row after the header"));
  }
  return Ratings(std::move(entries), std::move(users), std::move(items));
}

}  // namespace hogmf::formats
