// A user's program of the installed hogmf: reads a small ratings file, trains two
// epochs in a Trainer session it drives, saves and loads the model, and checks
// that a prediction is finite and survives the round trip. Usage: consumer
// FOLDER (where it writes its files).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "hogmf/input.h"
#include "hogmf/model_io.h"
#include "hogmf/trainer.h"

namespace {

int Fail(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "consumer: %s: %s\n", what, std::string(status.message()).c_str());
  return 1;
}

float PredictById(const hogmf::Model& model, const std::string& user, const std::string& item) {
  std::optional<uint32_t> u = model.users().Find(user);
  std::optional<uint32_t> i = model.items().Find(item);
  return model.Predict(u.value_or(hogmf::kUnknownIndex), i.value_or(hogmf::kUnknownIndex));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer FOLDER\n");
    return 2;
  }
  const std::string folder = argv[1];
  const std::string ratings_path = folder + "/ratings.csv";
  const std::string model_path = folder + "/consumer.model";
  {
    std::ofstream out(ratings_path);
    out << "user,item,rating\n";
    const char* users[] = {"ann", "bob", "cid", "dee", "eve"};
    const char* items[] = {"apple", "bread", "cocoa", "dates"};
    for (int u = 0; u < 5; ++u) {
      for (int i = 0; i < 4; ++i) {
        if ((u + i) % 3 == 0) continue;  // leave some pairs unrated
        out << users[u] << ',' << items[i] << ',' << 1 + (u * 3 + i * 2) % 5 << '\n';
      }
    }
    if (!out) {
      std::fprintf(stderr, "consumer: cannot write %s\n", ratings_path.c_str());
      return 1;
    }
  }

  absl::StatusOr<hogmf::ReadResult> data = hogmf::ReadRatings(ratings_path);
  if (!data.ok()) return Fail("ReadRatings", data.status());
  hogmf::TrainParams params = hogmf::TrainParams::Seed();
  params.k = 4;
  params.max_epochs = 2;
  params.threads = 1;
  absl::StatusOr<hogmf::Trainer> trainer = hogmf::Trainer::Create(data->ratings, params);
  if (!trainer.ok()) return Fail("Trainer::Create", trainer.status());
  while (trainer->epoch() < params.max_epochs && !trainer->stop_reason().has_value()) {
    absl::StatusOr<hogmf::EpochStats> stats = trainer->RunEpoch();
    if (!stats.ok()) return Fail("RunEpoch", stats.status());
    std::printf("consumer: epoch %d, train RMSE %.4f\n", stats->epoch, stats->train_rmse);
  }
  std::optional<hogmf::TrainResult> fit = trainer->Finish();
  if (absl::Status s = hogmf::SaveModel(fit->model, model_path); !s.ok()) {
    return Fail("SaveModel", s);
  }
  absl::StatusOr<hogmf::Model> loaded = hogmf::LoadModel(model_path);
  if (!loaded.ok()) return Fail("LoadModel", loaded.status());

  const float before = PredictById(fit->model, "ann", "bread");
  const float after = PredictById(*loaded, "ann", "bread");
  std::printf("consumer: %d epochs, predicted %.6f before the save, %.6f after\n",
              fit->report.epochs, before, after);
  if (!std::isfinite(before) || before != after) {
    std::fprintf(stderr, "consumer: the prediction is not finite or changed across the save\n");
    return 1;
  }
  if (fit->report.epochs != 2) {
    std::fprintf(stderr, "consumer: trained %d epochs, expected 2\n", fit->report.epochs);
    return 1;
  }
  return 0;
}
