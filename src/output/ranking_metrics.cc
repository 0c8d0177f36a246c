// EvaluateRanking: test users in blocks, each block's scores one matrix
// product (ItemScorer), or for the popularity baseline one score vector of
// item counts shared by every user; per user one pass over the candidates
// places the relevant items' ranks, from which every metric follows.
#include "hogmf/ranking_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <tbb/task_arena.h>

#include "absl/strings/str_cat.h"
#include "output/item_scores.h"
#include "util/parallel.h"

namespace hogmf {
namespace {

constexpr size_t kBlockUsers = 64;

// Sums over the users of one block; added up block by block in order, so
// the result does not depend on the threads.
struct Sums {
  std::vector<CutoffMetrics> at;
  double auc = 0;
  double mpr = 0;
  size_t users = 0;
  size_t auc_users = 0;
  size_t relevant = 0;
  size_t mpr_relevant = 0;
  size_t skipped_users = 0;
};

// The test entries of the evaluated users, grouped by user.
struct TestByUser {
  std::vector<uint32_t> users;  // distinct, increasing
  std::vector<size_t> offsets;  // users.size() + 1
  std::vector<Rating> entries;  // users[j]'s at offsets[j] .. offsets[j + 1]
  size_t skipped_users = 0;     // known indices not seen in training
};

TestByUser GroupByUser(const Model& model, std::span<const Rating> test) {
  std::vector<size_t> counts(static_cast<size_t>(model.num_users()) + 1, 0);
  for (const Rating& r : test) {
    if (r.user < model.num_users()) ++counts[r.user + 1];
  }
  TestByUser grouped;
  std::vector<size_t> start(counts.size(), 0);
  for (uint32_t u = 0; u < model.num_users(); ++u) {
    if (counts[u + 1] == 0) continue;
    if (!model.user_seen(u)) {
      ++grouped.skipped_users;
      continue;
    }
    grouped.users.push_back(u);
  }
  grouped.offsets.push_back(0);
  for (uint32_t u : grouped.users) {
    start[u] = grouped.offsets.back();
    grouped.offsets.push_back(grouped.offsets.back() + counts[u + 1]);
  }
  grouped.entries.resize(grouped.offsets.back());
  for (const Rating& r : test) {
    if (r.user < model.num_users() && model.user_seen(r.user)) grouped.entries[start[r.user]++] = r;
  }
  return grouped;
}

// Per item, the number of users that rated it in training, as a score
// (exact: a float holds every count up to 2^24).
std::vector<float> PopularityScores(const Model& model) {
  std::vector<uint32_t> counts(model.num_items(), 0);
  const RatedItems& rated = model.rated_items();
  for (uint32_t u = 0; u < rated.num_users(); ++u) {
    rated.ForEachItem(u, [&](uint32_t item) {
      if (item < counts.size()) ++counts[item];
    });
  }
  return std::vector<float>(counts.begin(), counts.end());
}

class UserRanker {
 public:
  UserRanker(const internal::ItemScorer& scorer, const RankingOptions& options)
      : scorer_(scorer), options_(options), flags_(scorer.num_items(), kCandidate) {}

  // Adds the user's metrics (its scores in `scores`) to *sums.
  void Rank(uint32_t user, std::span<const Rating> entries, const float* scores, Sums* sums) {
    const uint32_t n = scorer_.num_items();
    size_t excluded = 0;
    scorer_.ForEachExcluded(user, [&](uint32_t item) {
      if (item < n && flags_[item] == kCandidate) {
        flags_[item] = kExcluded;
        ++excluded;
      }
    });
    relevant_.clear();
    for (const Rating& r : entries) {
      if (r.item >= n || flags_[r.item] != kCandidate) continue;
      if (options_.relevant_threshold && !(r.value >= *options_.relevant_threshold)) continue;
      flags_[r.item] = kRelevant;
      relevant_.push_back(r.item);
    }
    if (relevant_.empty()) {
      ++sums->skipped_users;
    } else {
      Measure(scores, n - excluded, sums);
    }
    scorer_.ForEachExcluded(user, [&](uint32_t item) {
      if (item < n) flags_[item] = kCandidate;
    });
    for (uint32_t item : relevant_) flags_[item] = kCandidate;
  }

 private:
  static constexpr uint8_t kCandidate = 0;
  static constexpr uint8_t kExcluded = 1;
  static constexpr uint8_t kRelevant = 2;

  void Measure(const float* scores, size_t candidates, Sums* sums) {
    const uint32_t n = scorer_.num_items();
    const auto better = [scores](uint32_t a, uint32_t b) {
      return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
    };
    std::sort(relevant_.begin(), relevant_.end(), better);
    const size_t r = relevant_.size();
    // above_[p]: the non-relevant candidates with exactly p relevant items
    // ranked above them (those below every relevant item are not counted).
    above_.assign(r + 1, 0);
    const uint32_t worst = relevant_.back();
    for (uint32_t i = 0; i < n; ++i) {
      if (flags_[i] != kCandidate || better(worst, i)) continue;
      const auto at = std::partition_point(relevant_.begin(), relevant_.end(),
                                           [&](uint32_t rel) { return better(rel, i); });
      ++above_[static_cast<size_t>(at - relevant_.begin())];
    }
    // Relevant item j (0-based, best first) has rank j + (non-relevant
    // candidates above it) = j + above_[0] + ... + above_[j]; pairs ordered
    // wrong: sum over those candidates of the relevant items below them.
    const size_t non_relevant = candidates - r;
    double wrong_pairs = 0;
    size_t non_relevant_above = 0;
    ranks_.resize(r);
    for (size_t j = 0; j < r; ++j) {
      non_relevant_above += above_[j];
      ranks_[j] = j + non_relevant_above;
      wrong_pairs += static_cast<double>(non_relevant_above);
    }
    for (size_t c = 0; c < options_.cutoffs.size(); ++c) {
      const auto cutoff = static_cast<size_t>(options_.cutoffs[c]);
      size_t hits = 0;
      double dcg = 0;
      double precision_sum = 0;
      for (size_t j = 0; j < r && ranks_[j] < cutoff; ++j) {
        ++hits;
        dcg += 1.0 / std::log2(static_cast<double>(ranks_[j]) + 2.0);
        precision_sum += static_cast<double>(hits) / static_cast<double>(ranks_[j] + 1);
      }
      double ideal = 0;
      const size_t ideal_hits = std::min(r, cutoff);
      for (size_t p = 0; p < ideal_hits; ++p)
        ideal += 1.0 / std::log2(static_cast<double>(p) + 2.0);
      CutoffMetrics& at = sums->at[c];
      at.precision += static_cast<double>(hits) / static_cast<double>(cutoff);
      at.recall += static_cast<double>(hits) / static_cast<double>(r);
      at.ndcg += dcg / ideal;
      at.map += precision_sum / static_cast<double>(ideal_hits);
    }
    ++sums->users;
    sums->relevant += r;
    if (non_relevant > 0) {
      const double pairs = static_cast<double>(r) * static_cast<double>(non_relevant);
      sums->auc += 1.0 - wrong_pairs / pairs;
      sums->mpr += wrong_pairs / static_cast<double>(non_relevant);
      ++sums->auc_users;
      sums->mpr_relevant += r;
    }
  }

  const internal::ItemScorer& scorer_;
  const RankingOptions& options_;
  std::vector<uint8_t> flags_;  // kCandidate, kExcluded or kRelevant per item
  std::vector<uint32_t> relevant_;
  std::vector<size_t> above_;
  std::vector<size_t> ranks_;
};

}  // namespace

absl::StatusOr<RankingResult> EvaluateRankingAligned(const Model& model,
                                                     std::span<const Rating> test,
                                                     const RankingOptions& options) {
  for (int cutoff : options.cutoffs) {
    if (cutoff < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid cutoff = ", cutoff, "; expected >= 1"));
    }
  }
  if (options.threads < 0 || options.threads > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid threads = ", options.threads, "; expected 0 .. 1024"));
  }
  const bool popularity = options.scorer == RankingScorer::kPopularity;
  if (popularity && !model.has_rated_items()) {
    return absl::FailedPreconditionError(
        "the popularity baseline needs the model's rated items; this model was saved without "
        "them");
  }
  const std::vector<float> popularity_scores =
      popularity ? PopularityScores(model) : std::vector<float>();
  const TestByUser grouped = GroupByUser(model, test);
  const internal::ItemScorer scorer(model);
  const size_t blocks = (grouped.users.size() + kBlockUsers - 1) / kBlockUsers;
  std::vector<Sums> block_sums(blocks);
  const auto run = [&] {
    internal::ParallelFor(blocks, internal::Schedule::Exact(1), [&](size_t begin, size_t end) {
      UserRanker ranker(scorer, options);
      Eigen::MatrixXf scores;
      for (size_t b = begin; b < end; ++b) {
        Sums& sums = block_sums[b];
        sums.at.resize(options.cutoffs.size());
        const size_t first = b * kBlockUsers;
        const size_t last = std::min(grouped.users.size(), first + kBlockUsers);
        const std::span<const uint32_t> users(grouped.users.data() + first, last - first);
        if (!popularity) scorer.ScoreBlock(users, &scores);
        for (size_t j = first; j < last; ++j) {
          const std::span<const Rating> entries(grouped.entries.data() + grouped.offsets[j],
                                                grouped.offsets[j + 1] - grouped.offsets[j]);
          const float* user_scores = popularity
                                         ? popularity_scores.data()
                                         : scores.col(static_cast<Eigen::Index>(j - first)).data();
          ranker.Rank(grouped.users[j], entries, user_scores, &sums);
        }
      }
    });
  };
  if (options.threads == 0) {
    run();
  } else {
    tbb::task_arena arena(options.threads);
    internal::ExecuteIn(arena, run);
  }
  Sums total;
  total.at.resize(options.cutoffs.size());
  total.skipped_users = grouped.skipped_users;
  for (const Sums& sums : block_sums) {
    for (size_t c = 0; c < total.at.size(); ++c) {
      total.at[c].precision += sums.at[c].precision;
      total.at[c].recall += sums.at[c].recall;
      total.at[c].ndcg += sums.at[c].ndcg;
      total.at[c].map += sums.at[c].map;
    }
    total.auc += sums.auc;
    total.mpr += sums.mpr;
    total.users += sums.users;
    total.auc_users += sums.auc_users;
    total.relevant += sums.relevant;
    total.mpr_relevant += sums.mpr_relevant;
    total.skipped_users += sums.skipped_users;
  }
  RankingResult result;
  result.users = total.users;
  result.auc_users = total.auc_users;
  result.relevant = total.relevant;
  result.skipped_users = total.skipped_users;
  const auto mean = [](double sum, size_t count) {
    return count > 0 ? sum / static_cast<double>(count) : 0.0;
  };
  for (size_t c = 0; c < total.at.size(); ++c) {
    CutoffMetrics at;
    at.n = options.cutoffs[c];
    at.precision = mean(total.at[c].precision, total.users);
    at.recall = mean(total.at[c].recall, total.users);
    at.ndcg = mean(total.at[c].ndcg, total.users);
    at.map = mean(total.at[c].map, total.users);
    result.at.push_back(at);
  }
  result.auc = mean(total.auc, total.auc_users);
  result.mpr = mean(total.mpr, total.mpr_relevant);
  return result;
}

absl::StatusOr<RankingResult> EvaluateRanking(const Model& model, const Ratings& test,
                                              const RankingOptions& options) {
  const std::vector<Rating> aligned = AlignTo(test, model.users(), model.items());
  return EvaluateRankingAligned(model, aligned, options);
}

}  // namespace hogmf
