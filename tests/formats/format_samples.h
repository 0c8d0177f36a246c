// Sample ratings text in every text format, with a bad line placed where a
// test wants it, for the tests that read the formats from compressed files
// and from streams.
#pragma once

#include <string>
#include <vector>

#include "hogmf/input.h"

namespace hogmf::testing {

struct FormatSample {
  Format format;
  std::string text;
  uint64_t bad_line = 0;  // the line with the error, 0 when there is none
};

// `rows` ratings in `format`; when bad_row >= 0, that data row is malformed.
// csv samples quote some ids, a few of them holding a line break.
inline FormatSample MakeSample(Format format, int rows, int bad_row = -1) {
  FormatSample sample{format, "", 0};
  uint64_t line = 1;
  std::string& text = sample.text;
  auto value = [](int r) { return std::to_string(1 + r % 5) + (r % 2 ? ".5" : ""); };
  switch (format) {
    case Format::kCsv:
      text += "userId,movieId,rating,timestamp\n";
      ++line;
      break;
    case Format::kTsv:
      text += "user\titem\trating\n";
      ++line;
      break;
    default:
      break;
  }
  for (int r = 0; r < rows; ++r) {
    const std::string u = std::to_string(r / 7);
    const std::string i = std::to_string((r * 13) % 101);
    if (r == bad_row) sample.bad_line = line;
    const std::string v = r == bad_row ? "x" : value(r);
    switch (format) {
      case Format::kLibmf:
        text += u + " " + i + " " + v + "\n";
        break;
      case Format::kPairs:
        text += u + " " + (r == bad_row ? "x" : i) + "\n";
        break;
      case Format::kMovielensTsv:
        text += u + "\t" + i + "\t" + v + "\t881250949\n";
        break;
      case Format::kMovielensDat:
        text += u + "::" + i + "::" + v + "::978300760\n";
        break;
      case Format::kCsv:
        if (r % 11 == 3) {
          // A quoted item id spanning two lines.
          text += u + ",\"item " + i + "\nsecond line\"," + v + ",1\n";
          ++line;
        } else if (r % 5 == 0) {
          text += "\"" + u + "\",\"" + i + "\"\"\"," + v + ",1\n";
        } else {
          text += u + "," + i + "," + v + ",1\n";
        }
        break;
      case Format::kTsv:
        text += u + "\t" + i + "\t" + v + "\n";
        break;
      case Format::kDense: {
        // One row per data row: 5 columns, one of them set.
        for (int c = 0; c < 5; ++c) {
          text += (c ? " " : "") + (c == r % 5 ? v : std::string("0"));
        }
        text += "\n";
        break;
      }
      default:
        break;
    }
    ++line;
    if (r % 17 == 5) {
      text += "\n";  // blank lines count in line numbers
      ++line;
    }
  }
  return sample;
}

inline std::vector<Format> TextFormats() {
  return {Format::kLibmf, Format::kPairs, Format::kMovielensTsv, Format::kMovielensDat,
          Format::kCsv,   Format::kTsv,   Format::kDense};
}

}  // namespace hogmf::testing
