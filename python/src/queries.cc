// What a trained model answers, for batches of ids already turned into
// indices (ids.h): predictions, top-N recommendations (with or without the
// items each user rated), similar items, rating and ranking metrics, and
// fold-in of new users.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "absl/strings/str_cat.h"
#include "binding.h"
#include "hogmf/fold_in.h"
#include "hogmf/metrics.h"
#include "hogmf/ranking_metrics.h"
#include "hogmf/recommend.h"
#include "status.h"

namespace hogmf::python {
namespace {

using Indices = py::array_t<uint32_t, py::array::c_style | py::array::forcecast>;
using Values = py::array_t<float, py::array::c_style | py::array::forcecast>;

std::span<const uint32_t> SpanOf(const Indices& a) {
  return {a.data(), static_cast<size_t>(a.size())};
}

py::array_t<float> Predict(const ModelHandle& h, const Indices& users, const Indices& items,
                           bool clip) {
  if (users.size() != items.size()) {
    throw py::value_error(
        absl::StrCat("users and items differ in length: ", users.size(), " and ", items.size()));
  }
  py::array_t<float> out(users.size());
  float* data = out.mutable_data();
  const uint32_t* u = users.data();
  const uint32_t* i = items.data();
  const py::ssize_t n = users.size();
  py::gil_scoped_release release;
  for (py::ssize_t j = 0; j < n; ++j) {
    data[j] = clip ? h.model.Predict(u[j], i[j]) : h.model.Score(u[j], i[j]);
  }
  return out;
}

// A ranked list's slot: an item index and its score.
using Scored = std::pair<float, uint32_t>;

// The best n of `scored` (higher score first, ties to the lower index).
void TopN(std::vector<Scored>& scored, size_t n) {
  const auto better = [](const Scored& a, const Scored& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  n = std::min(n, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                    better);
  scored.resize(n);
}

// (items as int64 indices, -1 past a short list; scores, NaN past it).
py::tuple Recommend(const ModelHandle& h, const Indices& users, int n, bool exclude_seen,
                    int threads) {
  if (n < 1) throw py::value_error(absl::StrCat("n = ", n, "; expected n >= 1"));
  const size_t rows = static_cast<size_t>(users.size());
  py::array_t<int64_t> items({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(n)});
  py::array_t<float> scores({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(n)});
  int64_t* item_out = items.mutable_data();
  float* score_out = scores.mutable_data();
  std::fill(item_out, item_out + rows * n, int64_t{-1});
  std::fill(score_out, score_out + rows * n, std::numeric_limits<float>::quiet_NaN());
  const Model& model = h.model;
  absl::Status status;
  {
    py::gil_scoped_release release;
    if (exclude_seen) {
      RecommendOptions options;
      options.top_n = n;
      options.threads = threads;
      size_t row = 0;
      status = RecommendForUsers(model, SpanOf(users), options,
                                 [&](std::span<const UserRecommendations> block) {
                                   for (const UserRecommendations& list : block) {
                                     for (size_t r = 0; r < list.items.size(); ++r) {
                                       item_out[row * n + r] = list.items[r].item;
                                       score_out[row * n + r] = list.items[r].score;
                                     }
                                     ++row;
                                   }
                                 });
    } else {
      std::vector<Scored> scored;
      for (size_t row = 0; row < rows && status.ok(); ++row) {
        const uint32_t user = users.data()[row];
        if (user >= model.num_users()) {
          status = absl::InvalidArgumentError(absl::StrCat("users[", row, "]: unknown user"));
        } else if (!model.user_seen(user) && model.cold_user().empty()) {
          status = absl::FailedPreconditionError(absl::StrCat("users[", row, "]: user '",
                                                              model.users().Name(user),
                                                              "' had no ratings in training"));
        }
        if (!status.ok()) break;
        scored.clear();
        for (uint32_t item = 0; item < model.num_items(); ++item) {
          if (!model.item_seen(item)) continue;
          const float score = model.Score(user, item);
          if (std::isnan(score) || score == -std::numeric_limits<float>::infinity()) continue;
          scored.emplace_back(score, item);
        }
        TopN(scored, static_cast<size_t>(n));
        for (size_t r = 0; r < scored.size(); ++r) {
          item_out[row * n + r] = scored[r].second;
          score_out[row * n + r] = scored[r].first;
        }
      }
    }
  }
  ThrowIfError(status);
  return py::make_tuple(items, scores);
}

// Cosine similarity over the item factors, the item itself left out.
py::tuple SimilarItems(const ModelHandle& h, const Indices& queries, int n) {
  if (n < 1) throw py::value_error(absl::StrCat("n = ", n, "; expected n >= 1"));
  const Model& model = h.model;
  const FactorMatrix& q = model.item_factors();
  const size_t rows = static_cast<size_t>(queries.size());
  py::array_t<int64_t> items({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(n)});
  py::array_t<float> scores({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(n)});
  int64_t* item_out = items.mutable_data();
  float* score_out = scores.mutable_data();
  std::fill(item_out, item_out + rows * n, int64_t{-1});
  std::fill(score_out, score_out + rows * n, std::numeric_limits<float>::quiet_NaN());
  for (size_t row = 0; row < rows; ++row) {
    if (queries.data()[row] >= model.num_items()) {
      throw py::value_error(absl::StrCat("items[", row, "]: unknown item"));
    }
  }
  {
    py::gil_scoped_release release;
    const auto view = q.AsEigen();
    Eigen::VectorXf norms = view.rowwise().norm();
    std::vector<Scored> scored;
    for (size_t row = 0; row < rows; ++row) {
      const uint32_t query = queries.data()[row];
      scored.clear();
      if (norms[query] > 0) {
        const Eigen::VectorXf dots = view * view.row(query).transpose();
        for (uint32_t item = 0; item < model.num_items(); ++item) {
          if (item == query || !model.item_seen(item) || norms[item] == 0) continue;
          scored.emplace_back(dots[item] / (norms[item] * norms[query]), item);
        }
      }
      TopN(scored, static_cast<size_t>(n));
      for (size_t r = 0; r < scored.size(); ++r) {
        item_out[row * n + r] = scored[r].second;
        score_out[row * n + r] = scored[r].first;
      }
    }
  }
  return py::make_tuple(items, scores);
}

std::vector<Rating> Aligned(const Indices& users, const Indices& items, const Values& values) {
  if (users.size() != items.size() || users.size() != values.size()) {
    throw py::value_error(absl::StrCat("arrays of different lengths: ", users.size(), " users, ",
                                       items.size(), " items, ", values.size(),
                                       " values; expected equal lengths"));
  }
  std::vector<Rating> entries(static_cast<size_t>(users.size()));
  for (size_t j = 0; j < entries.size(); ++j) {
    if (!std::isfinite(values.data()[j])) {
      throw py::value_error(
          absl::StrCat("values[", j, "]: ", values.data()[j], "; expected a finite rating"));
    }
    entries[j] = {users.data()[j], items.data()[j], values.data()[j]};
  }
  return entries;
}

// The metrics of `entries` (in the model's index space) as {name: value}.
py::dict MetricsOf(const ModelHandle& h, const std::vector<Rating>& entries,
                   std::vector<int> cutoffs, bool ranking, std::optional<float> relevant,
                   int threads) {
  py::dict out;
  EvalResult result;
  absl::StatusOr<RankingResult> ranked;
  {
    py::gil_scoped_release release;
    result = EvaluateAligned(h.model, entries);
    if (ranking) {
      RankingOptions options;
      options.cutoffs = cutoffs.empty() ? std::vector<int>{10} : cutoffs;
      options.relevant_threshold = relevant;
      options.threads = threads;
      ranked = EvaluateRankingAligned(h.model, entries, options);
    }
  }
  out["rmse"] = result.rmse;
  out["mae"] = result.mae;
  out["unseen_pairs"] = result.unknown;
  if (ranking) {
    const RankingResult r = ValueOrThrow(std::move(ranked));
    out["auc"] = r.auc;
    out["mpr"] = r.mpr;
    for (const CutoffMetrics& c : r.at) {
      out[py::str(absl::StrCat("precision@", c.n))] = c.precision;
      out[py::str(absl::StrCat("recall@", c.n))] = c.recall;
      out[py::str(absl::StrCat("ndcg@", c.n))] = c.ndcg;
      out[py::str(absl::StrCat("map@", c.n))] = c.map;
    }
  }
  return out;
}

py::dict Evaluate(const ModelHandle& h, const Indices& users, const Indices& items,
                  const Values& values, std::vector<int> cutoffs, bool ranking,
                  std::optional<float> relevant, int threads) {
  return MetricsOf(h, Aligned(users, items, values), std::move(cutoffs), ranking, relevant,
                   threads);
}

// Ratings read from a file, in their own id space.
py::dict EvaluateRatings(const ModelHandle& h, const Ratings& ratings, std::vector<int> cutoffs,
                         bool ranking, std::optional<float> relevant, int threads) {
  std::vector<Rating> entries;
  {
    py::gil_scoped_release release;
    entries = AlignTo(ratings, h.model.users(), h.model.items());
  }
  return MetricsOf(h, entries, std::move(cutoffs), ranking, relevant, threads);
}

py::tuple FoldInUsers(const ModelHandle& h, const Ratings& ratings, float l2, int threads) {
  FoldInParams params;
  params.l2 = l2;
  params.threads = threads;
  absl::StatusOr<FoldInResult> folded;
  {
    py::gil_scoped_release release;
    folded = FoldIn(h.model, ratings, params);
  }
  FoldInResult result = ValueOrThrow(std::move(folded));
  py::dict report;
  report["users_added"] = result.report.users_added;
  report["users_refitted"] = result.report.users_refitted;
  report["users_without_known_items"] = result.report.users_without_known_items;
  report["ratings_used"] = result.report.ratings_used;
  report["ratings_skipped"] = result.report.ratings_skipped;
  return py::make_tuple(std::make_shared<ModelHandle>(std::move(result.model)), report);
}

}  // namespace

void RegisterQueries(py::module_& m) {
  m.def("predict", &Predict, py::arg("model"), py::arg("users"), py::arg("items"),
        py::arg("clip") = true);
  m.def("recommend", &Recommend, py::arg("model"), py::arg("users"), py::arg("n"),
        py::arg("exclude_seen"), py::arg("threads") = 0);
  m.def("similar_items", &SimilarItems, py::arg("model"), py::arg("items"), py::arg("n"));
  m.def("evaluate", &Evaluate, py::arg("model"), py::arg("users"), py::arg("items"),
        py::arg("values"), py::arg("cutoffs"), py::arg("ranking"), py::arg("relevant"),
        py::arg("threads") = 0);
  m.def("evaluate_ratings", &EvaluateRatings, py::arg("model"), py::arg("ratings"),
        py::arg("cutoffs"), py::arg("ranking"), py::arg("relevant"), py::arg("threads") = 0);
  m.def("fold_in", &FoldInUsers, py::arg("model"), py::arg("ratings"), py::arg("l2"),
        py::arg("threads") = 0);
}

}  // namespace hogmf::python
