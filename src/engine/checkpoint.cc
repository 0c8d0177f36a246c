// Checkpoint files: encoding and decoding of a session's state (layout in
// engine/checkpoint.h).
#include "engine/checkpoint.h"

#include <cstring>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "util/absl_compat.h"
#include "util/checksum.h"
#include "util/little_endian.h"
#include "util/varint.h"

namespace hogmf::engine {
namespace {

constexpr std::string_view kMagic = "HOGMFCKP";
constexpr std::string_view kEndMagic = "HOGMFCKE";
// Version 2 added the choice's sample fields (user_share, final_early_stop,
// final_holdout_ratings), version 3 final_keeps_last and each trial's
// `pruned`; versions 1 and 2 are still read.
constexpr uint32_t kVersion = 3;
constexpr uint32_t kOldestVersion = 1;
constexpr size_t kTrailerSize = 16;

// Appends fields to a string.
class Encoder {
 public:
  template <typename T>
  void Put(T value) {
    static_assert(std::is_arithmetic_v<T>);
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out_.append(bytes, sizeof(T));
  }
  void PutBool(bool value) { Put<uint8_t>(value ? 1 : 0); }
  template <typename E>
  void PutEnum(E value) {
    Put<uint32_t>(static_cast<uint32_t>(value));
  }
  void PutBytes(std::string_view bytes) {
    uint8_t length[internal::kMaxVarintBytes];
    out_.append(reinterpret_cast<const char*>(length),
                static_cast<size_t>(internal::PutVarint(bytes.size(), length) - length));
    out_.append(bytes);
  }
  template <typename T>
  void PutArray(const std::vector<T>& values) {
    Put<uint64_t>(values.size());
    out_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

// Reads fields back; the first overrun or bad value is remembered and every
// later read yields zeros.
class Decoder {
 public:
  explicit Decoder(std::string_view bytes) : bytes_(bytes) {}

  template <typename T>
  T Get() {
    T value{};
    if (!Need(sizeof(T), "a field")) return value;
    std::memcpy(&value, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return value;
  }
  bool GetBool() {
    const uint8_t value = Get<uint8_t>();
    if (value > 1) Fail("a flag is neither 0 nor 1");
    return value == 1;
  }
  template <typename E>
  E GetEnum(uint32_t count, const char* name) {
    const uint32_t value = Get<uint32_t>();
    if (value >= count) {
      Fail(absl::StrCat("unknown ", name, " code ", value));
      return E{};
    }
    return static_cast<E>(value);
  }
  std::string GetBytes() {
    if (!problem_.empty()) return {};
    uint64_t length = 0;
    const uint8_t* begin = reinterpret_cast<const uint8_t*>(bytes_.data()) + at_;
    const uint8_t* end = reinterpret_cast<const uint8_t*>(bytes_.data()) + bytes_.size();
    const uint8_t* next = begin;
    if (!internal::GetVarint(next, end, &length)) {
      Fail("a malformed length");
      return {};
    }
    at_ += static_cast<size_t>(next - begin);
    if (!Need(length, "a string")) return {};
    std::string value(bytes_.substr(at_, static_cast<size_t>(length)));
    at_ += static_cast<size_t>(length);
    return value;
  }
  template <typename T>
  std::vector<T> GetArray() {
    const uint64_t count = Get<uint64_t>();
    if (count > (bytes_.size() - at_) / sizeof(T)) {
      Fail("an array runs past the end");
      return {};
    }
    std::vector<T> values(static_cast<size_t>(count));
    std::memcpy(values.data(), bytes_.data() + at_, values.size() * sizeof(T));
    at_ += values.size() * sizeof(T);
    return values;
  }

  void Fail(std::string what) {
    if (problem_.empty()) problem_ = std::move(what);
  }
  const std::string& problem() const { return problem_; }
  bool at_end() const { return at_ == bytes_.size(); }

 private:
  bool Need(uint64_t size, const char* what) {
    if (!problem_.empty()) return false;
    if (size > bytes_.size() - at_) {
      Fail(absl::StrCat(what, " runs past the end"));
      return false;
    }
    return true;
  }

  std::string_view bytes_;
  size_t at_ = 0;
  std::string problem_;
};

void PutParams(const TrainParams& p, Encoder& out) {
  out.Put<int32_t>(p.k);
  out.PutEnum(p.loss);
  out.Put<uint8_t>(p.biases.has_value() ? (*p.biases ? 2 : 1) : 0);
  out.Put(p.learning_rate);
  out.PutEnum(p.lr_schedule);
  out.Put(p.l2_p);
  out.Put(p.l2_q);
  out.Put(p.l1_p);
  out.Put(p.l1_q);
  out.Put(p.l2_user_bias);
  out.Put(p.l2_item_bias);
  out.PutBool(p.nonneg);
  out.PutBool(p.clip);
  out.Put<int32_t>(p.negatives);
  out.Put(p.negative_weight);
  out.Put<int32_t>(p.max_epochs);
  out.Put(p.holdout);
  out.Put(p.seed);
  out.Put(p.stop_loss);
  out.Put(p.stop_rmse);
  out.Put(p.stop_validation_rmse);
  out.Put(p.init_scale);
  out.Put<int32_t>(p.threads);
  out.Put(p.max_memory_bytes);
  out.Put(p.lr_decay);
  out.PutEnum(p.schedule);
  out.Put<int32_t>(p.grid);
  out.PutEnum(p.order);
  out.Put<int32_t>(p.chunk_size);
  out.PutBytes(p.isa);
  out.Put<int32_t>(p.monitor_ms);
  out.Put<int32_t>(p.monitor_sample);
  out.Put(p.time_limit_seconds);
  out.Put<int32_t>(p.early_stop);
  out.Put(p.early_stop_tolerance);
}

TrainParams GetParams(Decoder& in) {
  TrainParams p;
  p.k = in.Get<int32_t>();
  p.loss = in.GetEnum<Loss>(9, "loss");
  const uint8_t biases = in.Get<uint8_t>();
  if (biases > 2) in.Fail("unknown biases code");
  if (biases != 0) p.biases = biases == 2;
  p.learning_rate = in.Get<float>();
  p.lr_schedule = in.GetEnum<LearningRateSchedule>(3, "learning-rate schedule");
  p.l2_p = in.Get<float>();
  p.l2_q = in.Get<float>();
  p.l1_p = in.Get<float>();
  p.l1_q = in.Get<float>();
  p.l2_user_bias = in.Get<float>();
  p.l2_item_bias = in.Get<float>();
  p.nonneg = in.GetBool();
  p.clip = in.GetBool();
  p.negatives = in.Get<int32_t>();
  p.negative_weight = in.Get<float>();
  p.max_epochs = in.Get<int32_t>();
  p.holdout = in.Get<double>();
  p.seed = in.Get<uint64_t>();
  p.stop_loss = in.Get<double>();
  p.stop_rmse = in.Get<double>();
  p.stop_validation_rmse = in.Get<double>();
  p.init_scale = in.Get<float>();
  p.threads = in.Get<int32_t>();
  p.max_memory_bytes = in.Get<uint64_t>();
  p.lr_decay = in.Get<float>();
  p.schedule = in.GetEnum<Schedule>(3, "schedule");
  p.grid = in.Get<int32_t>();
  p.order = in.GetEnum<RatingOrder>(4, "order");
  p.chunk_size = in.Get<int32_t>();
  p.isa = in.GetBytes();
  p.monitor_ms = in.Get<int32_t>();
  p.monitor_sample = in.Get<int32_t>();
  p.time_limit_seconds = in.Get<double>();
  p.early_stop = in.Get<int32_t>();
  p.early_stop_tolerance = in.Get<double>();
  return p;
}

void PutChoice(const ParamsChoice& c, Encoder& out) {
  out.PutBool(c.chosen);
  out.PutBool(c.fallback);
  out.PutBytes(c.note);
  out.PutBool(c.internal_holdout);
  out.Put(c.holdout_ratings);
  out.Put<uint64_t>(c.trials.size());
  for (const ParamsTrial& t : c.trials) {
    out.Put(t.l2);
    out.Put<int32_t>(t.epochs);
    out.Put(t.score);
    out.Put(t.seconds);
  }
  out.Put(c.best_score);
  out.Put(c.seconds);
  out.Put(c.trial_ratings);
  out.Put(c.user_share);
  out.PutBool(c.final_early_stop);
  out.Put(c.final_holdout_ratings);
  out.PutBool(c.final_keeps_last);
  for (const ParamsTrial& t : c.trials) out.PutBool(t.pruned);
}

ParamsChoice GetChoice(Decoder& in, size_t bytes_left, uint32_t version) {
  ParamsChoice c;
  c.chosen = in.GetBool();
  c.fallback = in.GetBool();
  c.note = in.GetBytes();
  c.internal_holdout = in.GetBool();
  c.holdout_ratings = in.Get<uint64_t>();
  const uint64_t trials = in.Get<uint64_t>();
  if (trials > bytes_left / 24) {
    in.Fail("too many trials");
    return c;
  }
  c.trials.resize(static_cast<size_t>(trials));
  for (ParamsTrial& t : c.trials) {
    t.l2 = in.Get<float>();
    t.epochs = in.Get<int32_t>();
    t.score = in.Get<double>();
    t.seconds = in.Get<double>();
  }
  c.best_score = in.Get<double>();
  c.seconds = in.Get<double>();
  if (version >= 2) {
    c.trial_ratings = in.Get<uint64_t>();
    c.user_share = in.Get<double>();
    c.final_early_stop = in.GetBool();
    c.final_holdout_ratings = in.Get<uint64_t>();
    if (!(c.user_share > 0 && c.user_share <= 1)) in.Fail("the user share is out of range");
  }
  if (version >= 3) {
    c.final_keeps_last = in.GetBool();
    for (ParamsTrial& t : c.trials) t.pruned = in.GetBool();
  }
  return c;
}

void PutEpoch(const EpochStats& s, Encoder& out) {
  out.Put<int32_t>(s.epoch);
  out.Put(s.updates);
  out.PutBool(s.complete);
  out.Put(s.loss);
  out.Put(s.train_rmse);
  out.Put(s.validation_rmse);
  out.Put(s.validation_loss);
  out.Put(s.seconds);
  out.Put(s.elapsed_seconds);
  out.Put(s.updates_per_second);
  out.Put(s.learning_rate);
}

EpochStats GetEpoch(Decoder& in) {
  EpochStats s;
  s.epoch = in.Get<int32_t>();
  s.updates = in.Get<uint64_t>();
  s.complete = in.GetBool();
  s.loss = in.Get<double>();
  s.train_rmse = in.Get<double>();
  s.validation_rmse = in.Get<double>();
  s.validation_loss = in.Get<double>();
  s.seconds = in.Get<double>();
  s.elapsed_seconds = in.Get<double>();
  s.updates_per_second = in.Get<double>();
  s.learning_rate = in.Get<float>();
  return s;
}

constexpr size_t kEpochBytes = 4 + 8 + 1 + 7 * 8 + 4;

void PutReport(const TrainReport& r, Encoder& out) {
  out.Put<int32_t>(r.epochs);
  out.Put(r.updates);
  out.Put(r.seconds);
  out.Put(r.updates_per_second);
  out.Put(r.loss);
  out.Put(r.train_rmse);
  out.Put(r.validation_rmse);
  out.Put(r.validation_loss);
  out.Put(r.validation_unknown);
  out.PutEnum(r.stop_reason);
  out.PutBytes(r.kernel);
  out.Put<int32_t>(r.threads);
  out.PutEnum(r.schedule);
  out.Put<int32_t>(r.grid);
  out.Put(r.block_idle_seconds);
  out.PutEnum(r.order);
  out.Put<int32_t>(r.best_epoch);
  out.PutBool(r.warm_start);
  out.Put(r.new_users);
  out.Put(r.new_items);
  out.Put(r.rated_items_seconds);
  out.Put<uint64_t>(r.history.size());
  for (const EpochStats& s : r.history) PutEpoch(s, out);
  PutParams(r.params, out);
  PutChoice(r.choice, out);
}

TrainReport GetReport(Decoder& in, size_t bytes_left, uint32_t version) {
  TrainReport r;
  r.epochs = in.Get<int32_t>();
  r.updates = in.Get<uint64_t>();
  r.seconds = in.Get<double>();
  r.updates_per_second = in.Get<double>();
  r.loss = in.Get<double>();
  r.train_rmse = in.Get<double>();
  r.validation_rmse = in.Get<double>();
  r.validation_loss = in.Get<double>();
  r.validation_unknown = in.Get<uint64_t>();
  r.stop_reason = in.GetEnum<StopReason>(9, "stop reason");
  r.kernel = in.GetBytes();
  r.threads = in.Get<int32_t>();
  r.schedule = in.GetEnum<Schedule>(3, "schedule");
  r.grid = in.Get<int32_t>();
  r.block_idle_seconds = in.Get<double>();
  r.order = in.GetEnum<RatingOrder>(4, "order");
  r.best_epoch = in.Get<int32_t>();
  r.warm_start = in.GetBool();
  r.new_users = in.Get<uint32_t>();
  r.new_items = in.Get<uint32_t>();
  r.rated_items_seconds = in.Get<double>();
  const uint64_t epochs = in.Get<uint64_t>();
  if (epochs > bytes_left / kEpochBytes) {
    in.Fail("too many epochs");
    return r;
  }
  r.history.resize(static_cast<size_t>(epochs));
  for (EpochStats& s : r.history) s = GetEpoch(in);
  r.params = GetParams(in);
  r.choice = GetChoice(in, bytes_left, version);
  if (r.epochs < 0 || static_cast<uint64_t>(r.epochs) != epochs) {
    in.Fail("the epoch count does not match the history");
  }
  if (r.best_epoch < 0 || r.best_epoch > r.epochs) in.Fail("the best epoch is out of range");
  return r;
}

}  // namespace

std::string EncodeCheckpoint(const CheckpointData& data) {
  Encoder out;
  out.out().append(kMagic);
  out.Put(kVersion);
  PutReport(data.report, out);
  out.Put(data.fingerprint);
  out.Put(data.num_ratings);
  out.Put(data.elapsed_seconds);
  out.Put(data.stop_reason);
  out.PutBytes(data.model);
  out.PutBool(data.best.has_value());
  if (data.best.has_value()) out.PutBytes(*data.best);
  out.PutArray(data.p_adagrad);
  out.PutArray(data.q_adagrad);
  out.PutBool(data.blocked);
  for (const uint64_t word : data.rng) out.Put(word);
  out.PutArray(data.permutation);
  internal::Checksum64 checksum;
  checksum.Update(out.out().data(), out.out().size());
  out.Put(checksum.value());
  out.out().append(kEndMagic);
  return std::move(out.out());
}

absl::StatusOr<CheckpointData> DecodeCheckpoint(std::string_view bytes, const std::string& name) {
  const auto corrupt = [&](std::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": corrupt hogmf checkpoint: ", internal::ToAbsl(what)));
  };
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": not a hogmf checkpoint"));
  }
  if (bytes.size() < kMagic.size() + 4 + kTrailerSize) return corrupt("truncated");
  const uint32_t version = internal::GetU32(bytes.data() + kMagic.size());
  if (version < kOldestVersion || version > kVersion) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": unsupported hogmf checkpoint version ",
                                                   version, " (this build reads ", kOldestVersion,
                                                   " to ", kVersion, ")"));
  }
  const size_t body = bytes.size() - kTrailerSize;
  if (bytes.substr(body + 8) != kEndMagic) return corrupt("truncated (no end marker)");
  internal::Checksum64 checksum;
  checksum.Update(bytes.data(), body);
  if (checksum.value() != internal::GetU64(bytes.data() + body)) {
    return corrupt("checksum mismatch");
  }
  Decoder in(bytes.substr(kMagic.size() + 4, body - kMagic.size() - 4));
  CheckpointData data;
  data.report = GetReport(in, body, version);
  data.fingerprint = in.Get<uint64_t>();
  data.num_ratings = in.Get<uint64_t>();
  data.elapsed_seconds = in.Get<double>();
  data.stop_reason = in.Get<int32_t>();
  if (data.stop_reason < -1 || data.stop_reason > static_cast<int32_t>(StopReason::kDiverged)) {
    in.Fail("unknown stop reason");
  }
  data.model = in.GetBytes();
  if (in.GetBool()) data.best = in.GetBytes();
  data.p_adagrad = in.GetArray<float>();
  data.q_adagrad = in.GetArray<float>();
  data.blocked = in.GetBool();
  for (uint64_t& word : data.rng) word = in.Get<uint64_t>();
  data.permutation = in.GetArray<uint32_t>();
  if (!in.problem().empty()) return corrupt(in.problem());
  if (!in.at_end()) return corrupt("bytes after the last field");
  return data;
}

namespace {

// The checksum of the entries fed by feed(checksum), then of the id maps.
template <typename FeedEntries>
uint64_t Fingerprint(const FeedEntries& feed, const IdMap& users, const IdMap& items) {
  internal::Checksum64 checksum;
  feed(checksum);
  for (const IdMap* ids : {&users, &items}) {
    const uint64_t header[2] = {ids->size(), ids->is_identity() ? 1u : 0u};
    checksum.Update(header, sizeof(header));
    for (const std::string& name : ids->names()) {
      const uint64_t length = name.size();
      checksum.Update(&length, sizeof(length));
      checksum.Update(name.data(), name.size());
    }
  }
  return checksum.value();
}

// Entries unpacked per checksum update.
constexpr size_t kFingerprintPiece = size_t{1} << 14;

}  // namespace

uint64_t TrainingFingerprint(std::span<const Rating> entries, const IdMap& users,
                             const IdMap& items) {
  return Fingerprint(
      [&](internal::Checksum64& checksum) {
        checksum.Update(entries.data(), entries.size() * sizeof(Rating));
      },
      users, items);
}

uint64_t TrainingFingerprint(const PackedRatings& entries, const IdMap& users, const IdMap& items) {
  return Fingerprint(
      [&](internal::Checksum64& checksum) {
        entries.ForEachPiece(kFingerprintPiece, [&](std::span<const Rating> piece) {
          checksum.Update(piece.data(), piece.size() * sizeof(Rating));
        });
      },
      users, items);
}

}  // namespace hogmf::engine
