// The JSON of a training report, shared by hogmf train and hogmf-mpi train
// (report_json.h).
#include "cli/report_json.h"

#include <cmath>

#include "absl/strings/str_format.h"

namespace hogmf::cli {

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  return absl::StrFormat("%.10g", value);
}

std::string TrainReportFields(const TrainReport& r) {
  std::string json;
  absl::StrAppendFormat(&json, "  \"epochs\": %d,\n", r.epochs);
  absl::StrAppendFormat(&json, "  \"updates\": %d,\n", r.updates);
  absl::StrAppendFormat(&json, "  \"seconds\": %s,\n", JsonNumber(r.seconds));
  absl::StrAppendFormat(&json, "  \"updates_per_second\": %s,\n", JsonNumber(r.updates_per_second));
  absl::StrAppendFormat(&json, "  \"loss\": %s,\n", JsonNumber(r.loss));
  absl::StrAppendFormat(&json, "  \"train_rmse\": %s,\n", JsonNumber(r.train_rmse));
  absl::StrAppendFormat(&json, "  \"exact_fit\": %s,\n", r.exact_fit ? "true" : "false");
  absl::StrAppendFormat(&json, "  \"validation_rmse\": %s,\n",
                        r.validation_rmse >= 0 ? JsonNumber(r.validation_rmse) : "null");
  absl::StrAppendFormat(&json, "  \"stop_reason\": \"%s\",\n",
                        std::string(StopReasonName(r.stop_reason)));
  absl::StrAppendFormat(&json, "  \"threads\": %d,\n", r.threads);
  absl::StrAppendFormat(&json, "  \"kernel\": \"%s\",\n", r.kernel);
  absl::StrAppendFormat(&json, "  \"schedule\": \"%s\",\n", std::string(ScheduleName(r.schedule)));
  absl::StrAppendFormat(&json, "  \"grid\": %d,\n", r.grid);
  absl::StrAppendFormat(&json, "  \"block_idle_seconds\": %s,\n", JsonNumber(r.block_idle_seconds));
  absl::StrAppendFormat(&json, "  \"order\": \"%s\",\n",
                        r.grid > 0 ? std::string("blocks") : std::string(OrderName(r.order)));
  absl::StrAppendFormat(&json, "  \"working_bytes_per_rating\": %d,\n", r.working_bytes_per_rating);
  absl::StrAppendFormat(&json, "  \"rated_items_seconds\": %s,\n",
                        JsonNumber(r.rated_items_seconds));
  absl::StrAppendFormat(&json, "  \"choose_seconds\": %s,\n", JsonNumber(r.choose_seconds));
  absl::StrAppendFormat(&json, "  \"setup_seconds\": %s,\n", JsonNumber(r.setup_seconds));
  absl::StrAppendFormat(&json, "  \"arrange_seconds\": %s,\n", JsonNumber(r.arrange_seconds));
  absl::StrAppendFormat(&json, "  \"fit_seconds\": %s,\n", JsonNumber(r.fit_seconds));
  absl::StrAppendFormat(&json, "  \"validation_seconds\": %s,\n", JsonNumber(r.validation_seconds));
  absl::StrAppendFormat(&json, "  \"warm_start\": %s,\n", r.warm_start ? "true" : "false");
  absl::StrAppendFormat(&json, "  \"new_users\": %d,\n", r.new_users);
  absl::StrAppendFormat(&json, "  \"new_items\": %d,\n", r.new_items);
  const TrainParams& p = r.params;
  absl::StrAppendFormat(&json, "  \"loss_function\": \"%s\",\n", std::string(LossName(p.loss)));
  absl::StrAppendFormat(&json, "  \"biases\": %s,\n", p.UsesBiases() ? "true" : "false");
  absl::StrAppendFormat(&json, "  \"lr_schedule\": \"%s\",\n",
                        std::string(ScheduleName(p.lr_schedule)));
  absl::StrAppendFormat(&json, "  \"k\": %d,\n", p.k);
  absl::StrAppendFormat(&json, "  \"learning_rate\": %s,\n", JsonNumber(p.learning_rate));
  absl::StrAppendFormat(&json, "  \"l2\": [%s, %s],\n", JsonNumber(p.l2_p), JsonNumber(p.l2_q));
  absl::StrAppendFormat(&json, "  \"l1\": [%s, %s],\n", JsonNumber(p.l1_p), JsonNumber(p.l1_q));
  absl::StrAppendFormat(&json, "  \"l2_bias\": [%s, %s],\n", JsonNumber(p.l2_user_bias),
                        JsonNumber(p.l2_item_bias));
  absl::StrAppendFormat(&json, "  \"max_epochs\": %d,\n", p.max_epochs);
  absl::StrAppendFormat(&json, "  \"validation_loss\": %s,\n",
                        r.validation_loss >= 0 ? JsonNumber(r.validation_loss) : "null");
  const ParamsChoice& c = r.choice;
  json += "  \"choice\": {";
  absl::StrAppendFormat(&json,
                        "\"chosen\": %s, \"fallback\": %s, \"internal_holdout\": %s, "
                        "\"holdout_ratings\": %d, \"trial_ratings\": %d, \"user_share\": %s, "
                        "\"final_early_stop\": %s, \"final_holdout_ratings\": %d, "
                        "\"final_keeps_last\": %s, ",
                        c.chosen ? "true" : "false", c.fallback ? "true" : "false",
                        c.internal_holdout ? "true" : "false", c.holdout_ratings, c.trial_ratings,
                        JsonNumber(c.user_share), c.final_early_stop ? "true" : "false",
                        c.final_holdout_ratings, c.final_keeps_last ? "true" : "false");
  absl::StrAppendFormat(&json, "\"best_score\": %s, \"seconds\": %s, \"trials\": [",
                        c.best_score >= 0 ? JsonNumber(c.best_score) : "null",
                        JsonNumber(c.seconds));
  for (size_t t = 0; t < c.trials.size(); ++t) {
    absl::StrAppendFormat(
        &json, "%s{\"l2\": %s, \"epochs\": %d, \"score\": %s, \"seconds\": %s, \"pruned\": %s}",
        t == 0 ? "" : ", ", JsonNumber(c.trials[t].l2), c.trials[t].epochs,
        JsonNumber(c.trials[t].score), JsonNumber(c.trials[t].seconds),
        c.trials[t].pruned ? "true" : "false");
  }
  json += "]},\n";
  return json;
}

}  // namespace hogmf::cli
