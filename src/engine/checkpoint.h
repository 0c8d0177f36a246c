// Checkpoint: the state of a training session between two epochs, as a
// versioned, checksummed file (Trainer::SaveCheckpoint and Trainer::Resume,
// include/hogmf/trainer.h). It holds everything the next epoch depends on,
// so that a session resumed from it runs the same epochs as the one that
// wrote it (bit for bit with one thread).
//
// Layout, every integer and float little-endian:
//
//   magic "HOGMFCKP", version (uint32)
//   fields in a fixed order: the resolved params (every TrainParams field),
//     ParamsChoice (with its trials), the report so far (with every epoch's
//     EpochStats), the fingerprint of the training data, the session time,
//     the model and the early-stopping best model (SerializeModel bytes,
//     each checked again by DeserializeModel), the AdaGrad sums of every P
//     and Q row, and the schedule's random state (the shuffler's generator
//     and its last order, or the block grid's generator)
//   trailer: Checksum64 of every byte before it, then "HOGMFCKE"
//
// Strings and byte blocks are a varint length and the bytes; arrays a
// uint64 count and the elements. The reader checks the magic, version and
// checksum first, then every length against the bytes left.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hogmf/trainer.h"
#include "ratings/packed_ratings.h"
#include "util/random.h"

namespace hogmf::engine {

struct CheckpointData {
  TrainReport report;  // params and choice resolved; history so far
  uint64_t fingerprint = 0;
  uint64_t num_ratings = 0;
  double elapsed_seconds = 0;  // session time at the checkpoint
  // The rule that ended the last epoch, when it depends on the data alone
  // (thresholds, early stopping); -1 for none.
  int32_t stop_reason = -1;
  std::string model;                // SerializeModel bytes
  std::optional<std::string> best;  // early stopping: the best epoch's model
  std::vector<float> p_adagrad;     // empty unless AdaGrad
  std::vector<float> q_adagrad;
  bool blocked = false;  // which random state follows
  internal::Rng::State rng{};
  std::vector<uint32_t> permutation;  // the shuffler's last order (hogwild)
};

// The file's bytes.
std::string EncodeCheckpoint(const CheckpointData& data);
// kInvalidArgument "<name>: corrupt hogmf checkpoint: ..." (or "not a hogmf
// checkpoint", "unsupported checkpoint version N").
absl::StatusOr<CheckpointData> DecodeCheckpoint(std::string_view bytes, const std::string& name);

// A checksum of the training entries in their order and of the id maps: a
// resumed session must get the same data, because the arrangement of the
// working ratings follows their order.
uint64_t TrainingFingerprint(std::span<const Rating> entries, const IdMap& users,
                             const IdMap& items);
// The same value for the same entries packed: their 12-byte form is summed.
uint64_t TrainingFingerprint(const PackedRatings& entries, const IdMap& users, const IdMap& items);

}  // namespace hogmf::engine
