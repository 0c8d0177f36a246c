// Recommend and RecommendForUsers: blocks of users scored by ItemScorer, the
// best N of each user's unrated, trained items kept by TopItems, item chunk by chunk.
#include "hogmf/recommend.h"

#include <algorithm>
#include <limits>
#include <optional>

#include <tbb/task_arena.h>

#include "absl/strings/str_cat.h"
#include "output/item_scores.h"
#include "util/absl_compat.h"
#include "util/parallel.h"

namespace hogmf {
namespace {

// The lists of one block of users: every list's items back to back in
// `items`, and a span into them per user.
struct Block {
  std::vector<Recommendation> items;
  std::vector<UserRecommendations> lists;
};

// Items scored per step: a block's scores for this many items stay in the
// cache while they are excluded and offered to the users' top lists.
constexpr uint32_t kItemChunk = 2048;

Block RecommendBlock(const internal::ItemScorer& scorer, std::span<const uint32_t> users,
                     int top_n) {
  const size_t block_users = users.size();
  std::vector<internal::TopItems> tops(block_users, scorer.MakeTopItems(top_n));
  // Each user's excluded items, sorted, and how far the chunks have used them.
  std::vector<std::vector<uint32_t>> excluded(block_users);
  std::vector<size_t> next_excluded(block_users, 0);
  for (size_t b = 0; b < block_users; ++b) scorer.ExcludedItems(users[b], &excluded[b]);
  const float kExcluded = -std::numeric_limits<float>::infinity();
  Eigen::MatrixXf scores;
  for (uint32_t begin = 0; begin < scorer.num_items(); begin += kItemChunk) {
    const uint32_t end = std::min(scorer.num_items(), begin + kItemChunk);
    scorer.ScoreItems(users, begin, end, &scores);
    for (size_t b = 0; b < block_users; ++b) {
      float* column = scores.col(static_cast<Eigen::Index>(b)).data();
      const std::vector<uint32_t>& items = excluded[b];
      size_t& next = next_excluded[b];
      for (; next < items.size() && items[next] < end; ++next)
        column[items[next] - begin] = kExcluded;
      tops[b].Offer(column, begin, end - begin);
    }
  }
  Block block;
  block.items.reserve(block_users * static_cast<size_t>(top_n));
  std::vector<size_t> offsets(block_users + 1, 0);
  for (size_t b = 0; b < block_users; ++b) {
    tops[b].TakeInto(&block.items);
    offsets[b + 1] = block.items.size();
  }
  block.lists.resize(block_users);
  for (size_t b = 0; b < block_users; ++b) {
    block.lists[b].user = users[b];
    block.lists[b].items = std::span<const Recommendation>(block.items.data() + offsets[b],
                                                           offsets[b + 1] - offsets[b]);
  }
  return block;
}

absl::Status CheckUser(const Model& model, uint32_t user) {
  if (user >= model.num_users()) {
    return absl::NotFoundError(absl::StrCat("user index ", user, " is not in the model"));
  }
  if (!model.user_seen(user) && model.cold_user().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "user '", model.users().Name(user), "' has no ratings in training; nothing to rank by"));
  }
  return absl::OkStatus();
}

absl::Status CheckTop(int top_n) {
  if (top_n < 1) {
    return absl::InvalidArgumentError(absl::StrCat("invalid top = ", top_n, "; expected >= 1"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<Recommendation>> RecommendForIndex(const Model& model, uint32_t user,
                                                              int top_n) {
  if (absl::Status status = CheckTop(top_n); !status.ok()) return status;
  if (absl::Status status = CheckUser(model, user); !status.ok()) return status;
  const internal::ItemScorer scorer(model);
  Block block = RecommendBlock(scorer, std::span<const uint32_t>(&user, 1), top_n);
  return std::move(block.items);
}

absl::StatusOr<std::vector<Recommendation>> Recommend(const Model& model, std::string_view user_id,
                                                      int top_n) {
  std::optional<uint32_t> user = model.users().Find(user_id);
  if (!user) {
    return absl::NotFoundError(
        absl::StrCat("user '", internal::ToAbsl(user_id), "' is not in the model"));
  }
  return RecommendForIndex(model, *user, top_n);
}

absl::Status RecommendForUsers(
    const Model& model, std::span<const uint32_t> users, const RecommendOptions& options,
    absl::FunctionRef<void(std::span<const UserRecommendations>)> consume) {
  if (absl::Status status = CheckTop(options.top_n); !status.ok()) return status;
  if (options.threads < 0 || options.threads > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid threads = ", options.threads, "; expected 0 .. 1024"));
  }
  if (options.block_users < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid block_users = ", options.block_users, "; expected >= 1"));
  }
  for (size_t j = 0; j < users.size(); ++j) {
    if (absl::Status status = CheckUser(model, users[j]); !status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat(status.message(), " (at position ", j, " of the users)"));
    }
  }
  const internal::ItemScorer scorer(model);
  const auto block_users = static_cast<size_t>(options.block_users);
  const size_t blocks = (users.size() + block_users - 1) / block_users;
  const auto run = [&] {
    // Two blocks in flight per thread keep every thread busy while one emits.
    const size_t tokens = 2 * static_cast<size_t>(tbb::this_task_arena::max_concurrency());
    internal::ParallelOrdered<Block>(
        blocks, tokens,
        [&](size_t b) {
          const size_t begin = b * block_users;
          const size_t end = std::min(users.size(), begin + block_users);
          return RecommendBlock(scorer, users.subspan(begin, end - begin), options.top_n);
        },
        [&](size_t, Block&& block) { consume(block.lists); });
  };
  if (options.threads == 0) {
    run();
  } else {
    tbb::task_arena arena(options.threads);
    internal::ExecuteIn(arena, run);
  }
  return absl::OkStatus();
}

}  // namespace hogmf
