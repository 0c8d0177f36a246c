// Recommend: the top-N items for a user, scored as one matrix-vector product
// Q p_u, excluding the items the user rated in training.
//
//   absl::StatusOr<std::vector<hogmf::Recommendation>> top =
//       hogmf::Recommend(model, "196", /*top_n=*/5);
//   for (const auto& r : *top) std::cout << model.items().Name(r.item) << " " << r.score;
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hogmf/model.h"

namespace hogmf {

struct Recommendation {
  uint32_t item = 0;  // index in model.items()
  float score = 0;
};

// The top_n items (fewer when fewer are left) that the user did not rate in
// training, among the items that took part in training; best first, ties
// broken by lower index. Errors, checked in this order:
//   kNotFound            `user_id` is not in model.users().
//   kInvalidArgument     top_n < 1.
//   kFailedPrecondition  the user is in the model's id map but had no ratings
//                        in training (its factors were never trained).
absl::StatusOr<std::vector<Recommendation>> Recommend(const Model& model, std::string_view user_id,
                                                      int top_n);
// The same for a user given by index. Errors, checked in this order:
// kInvalidArgument for top_n < 1, kNotFound for user >= model.num_users(),
// kFailedPrecondition for a user without ratings in training.
absl::StatusOr<std::vector<Recommendation>> RecommendForIndex(const Model& model, uint32_t user,
                                                              int top_n);

}  // namespace hogmf
