// Recommend: the top-N items for one user or for many, by the model's raw
// score (Model::Score: mean + b_u + b_i + p_u.q_i with biases, p_u.q_i
// without; never clipped), excluding the items each user rated in training
// and the items never seen in training. Many users are scored in blocks, a
// block's scores one matrix product Q P_B^T, the blocks in parallel.
//
//   absl::StatusOr<std::vector<hogmf::Recommendation>> top =
//       hogmf::Recommend(model, "196", /*top_n=*/5);
//   for (const auto& r : *top) std::cout << model.items().Name(r.item) << " " << r.score;
//   hogmf::RecommendForUsers(model, users, {.top_n = 10}, [&](auto lists) { ... });
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hogmf/model.h"

namespace hogmf {

struct Recommendation {
  uint32_t item = 0;  // index in model.items()
  float score = 0;    // the raw score, Model::Score(user, item) to float rounding
};

// The top_n items (fewer when fewer are left) that the user did not rate in
// training, among the items that took part in training; best first, ties
// broken by lower index. Items scoring NaN or -infinity (only a diverged
// model has them) are left out. Errors, checked in this order:
//   kNotFound            `user_id` is not in model.users().
//   kInvalidArgument     top_n < 1.
//   kFailedPrecondition  the user is in the model's id map but had no ratings
//                        in training (its factors were never trained), and the
//                        model has no cold_user row; a one-class model ranks
//                        such a user by that row (Model::Score's choice).
absl::StatusOr<std::vector<Recommendation>> Recommend(const Model& model, std::string_view user_id,
                                                      int top_n);
// The same for a user given by index. Errors, checked in this order:
// kInvalidArgument for top_n < 1, kNotFound for user >= model.num_users(),
// kFailedPrecondition for a user without ratings in training (unless the
// model has a cold_user row).
absl::StatusOr<std::vector<Recommendation>> RecommendForIndex(const Model& model, uint32_t user,
                                                              int top_n);

struct RecommendOptions {
  /// Items per user, >= 1.
  int top_n = 10;
  /// Threads; 0 uses those of the calling thread's task arena (every core
  /// by default). 0 .. 1024.
  int threads = 0;
  /// Users scored together in one matrix product, >= 1.
  int block_users = 128;
};

// One user's list in RecommendForUsers.
struct UserRecommendations {
  uint32_t user = 0;                      // index in model.users()
  std::span<const Recommendation> items;  // as RecommendForIndex returns them
};

// The lists of `users` (indices; repeats allowed), each the same list as
// RecommendForIndex(model, user, options.top_n) gives, to float rounding of
// the scores. They are handed to consume(block) a block of consecutive users
// at a time, in the order of `users`, one call at a time (from any thread);
// the spans are valid during the call only. Every argument is checked before
// the first call. Errors:
//   kInvalidArgument     top_n < 1, threads outside 0 .. 1024, block_users < 1.
//   kNotFound            a user >= model.num_users() (the message gives its position).
//   kFailedPrecondition  a user without ratings in training.
absl::Status RecommendForUsers(
    const Model& model, std::span<const uint32_t> users, const RecommendOptions& options,
    absl::FunctionRef<void(std::span<const UserRecommendations>)> consume);

}  // namespace hogmf
