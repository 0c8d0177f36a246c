// Ranking metrics: how well a model ranks each test user's held-out items
// above the rest, the way a recommender is used. Every user is ranked over
// the items the model can recommend to it (seen in training, not rated by the
// user in training) by raw score, best first, ties broken by the lower item
// index (the order of Recommend). A test entry is relevant when its value is
// at least the threshold (every entry without one); relevant items that
// cannot be ranked (unknown to the model, or rated in training) do not count.
// Users the model has not seen in training, or left without a relevant item,
// are skipped. RankingScorer::kPopularity ranks the same candidates by
// popularity instead, a baseline to compare a model with.
//
//   hogmf::RankingOptions options;
//   options.cutoffs = {10, 20};
//   options.relevant_threshold = 4.0f;
//   absl::StatusOr<hogmf::RankingResult> r = hogmf::EvaluateRanking(model, test, options);
//   std::printf("ndcg@10 %.4f auc %.4f\n", r->at[0].ndcg, r->auc);
//
// For a user with relevant set R among candidates C, of which the relevant
// items sit at (1-based) ranks r_1 < r_2 < ...:
//   precision@N  |R in the top N| / N
//   recall@N     |R in the top N| / |R|
//   NDCG@N       sum over r_j <= N of 1 / log2(r_j + 1), divided by the same
//                sum for the ideal ranking (ranks 1 .. min(|R|, N))
//   MAP@N        sum over r_j <= N of j / r_j (precision at each hit),
//                divided by min(|R|, N)
//   AUC          the share of pairs (relevant, non-relevant candidate) the
//                ranking orders right
//   MPR          per relevant item, the share of the non-relevant candidates
//                ranked above it (0 best, 0.5 random): LIBMF's mean
//                percentile rank, averaged over relevant entries, not users
// precision, recall, NDCG and MAP are averaged over the users; AUC over the
// users that have a non-relevant candidate, MPR over their relevant items.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "hogmf/model.h"
#include "hogmf/ratings.h"

namespace hogmf {

// What orders each user's candidates.
enum class RankingScorer {
  kModel,       // the model's raw score
  kPopularity,  // the item's number of users who rated it in training (the
                // model's rated items), the same order for every user
};

struct RankingOptions {
  /// What orders the candidates; ties go to the lower item index either way.
  /// kPopularity needs a model that kept its rated items.
  RankingScorer scorer = RankingScorer::kModel;
  /// The N of precision@N, recall@N, NDCG@N and MAP@N; each >= 1. Every
  /// cutoff comes from the same ranking, so several cost little more than one.
  std::vector<int> cutoffs = {10};
  /// A test entry is relevant when its value is >= this; unset: every entry.
  std::optional<float> relevant_threshold;
  /// Threads; 0 uses those of the calling thread's task arena (every core
  /// by default). 0 .. 1024. The result does not depend on it.
  int threads = 0;
};

// The metrics at one cutoff N, averaged over RankingResult::users.
struct CutoffMetrics {
  int n = 0;
  double precision = 0;
  double recall = 0;
  double ndcg = 0;
  double map = 0;
};

struct RankingResult {
  std::vector<CutoffMetrics> at;  // one per RankingOptions::cutoffs, in its order
  double auc = 0;                 // averaged over auc_users
  double mpr = 0;                 // averaged over their relevant entries
  size_t users = 0;               // test users evaluated
  size_t auc_users = 0;           // of those, users with a non-relevant candidate
  size_t relevant = 0;            // relevant entries of the evaluated users
  size_t skipped_users = 0;       // test users in the model not evaluated (see the top)
};

// Ranks for every test user (test in its own id space, aligned to the
// model's ids; entries of users not in the model are ignored). kInvalidArgument for a cutoff < 1 or
// threads out of range; kFailedPrecondition for kPopularity on a model
// without rated items.
absl::StatusOr<RankingResult> EvaluateRanking(const Model& model, const Ratings& test,
                                              const RankingOptions& options);
// The same for entries in the model's index space (kUnknownIndex allowed).
absl::StatusOr<RankingResult> EvaluateRankingAligned(const Model& model,
                                                     std::span<const Rating> test,
                                                     const RankingOptions& options);

}  // namespace hogmf
