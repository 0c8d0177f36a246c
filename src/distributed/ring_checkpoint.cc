// RingSession's checkpoints (ring_session.h): each rank's state in the
// single-machine checkpoint format, two generations per rank, and resuming
// from the latest epoch every rank has.
#include "distributed/ring_session.h"

#include "distributed/ring_state.h"

namespace hogmf::distributed {

std::string RankCheckpointPath(const std::string& path, int rank, int ranks) {
  return absl::StrCat(path, ".", rank, "-of-", ranks);
}

namespace {

// The shufflers' states in CheckpointData::permutation: per block, the
// generator's four words (as eight), the order's length, the order.
std::vector<uint32_t> PackShufflers(const std::vector<engine::Shuffler>& shufflers) {
  std::vector<uint32_t> packed;
  for (const engine::Shuffler& shuffler : shufflers) {
    const engine::Shuffler::State state = shuffler.state();
    for (uint64_t word : state.rng) {
      packed.push_back(static_cast<uint32_t>(word));
      packed.push_back(static_cast<uint32_t>(word >> 32));
    }
    packed.push_back(static_cast<uint32_t>(state.permutation.size()));
    packed.insert(packed.end(), state.permutation.begin(), state.permutation.end());
  }
  return packed;
}

bool UnpackShufflers(std::span<const uint32_t> packed, std::vector<engine::Shuffler>& shufflers) {
  size_t at = 0;
  for (engine::Shuffler& shuffler : shufflers) {
    if (packed.size() - at < 9) return false;
    engine::Shuffler::State state;
    for (uint64_t& word : state.rng) {
      word = packed[at] | (static_cast<uint64_t>(packed[at + 1]) << 32);
      at += 2;
    }
    const size_t size = packed[at++];
    if (packed.size() - at < size) return false;
    state.permutation.assign(packed.begin() + static_cast<ptrdiff_t>(at),
                             packed.begin() + static_cast<ptrdiff_t>(at + size));
    at += size;
    if (!shuffler.Restore(state)) return false;
  }
  return at == packed.size();
}

}  // namespace

// This rank's rows as a model: its users' P rows and biases, then its home
// bands' Q rows and biases (users and items in local indices).
Model RingSession::State::RowsModel(const FactorMatrix& p, const std::vector<float>& user_bias,
                                    const std::vector<const float*>& bands) {
  const State& s = *this;
  const uint32_t home_items = s.BandRows(2 * s.rank) + s.BandRows(2 * s.rank + 1);
  Model model(s.params.k, IdMap::Identity(s.num_local_users), IdMap::Identity(home_items));
  engine::SetTrainingFacts(model, s.params, s.biases, s.layout->min_value, s.layout->max_value);
  internal::ModelInternal::set_mean(model, static_cast<float>(s.layout->mean));
  engine::CopyRows(p, internal::ModelInternal::user_factors(model));
  if (s.biases) internal::ModelInternal::user_biases(model) = user_bias;
  uint32_t row = 0;
  for (int home = 0; home < 2; ++home) {
    const int band = 2 * s.rank + home;
    const float* data = bands[static_cast<size_t>(home)];
    for (uint32_t i = 0; i < s.BandRows(band); ++i, ++row) {
      std::copy_n(data + size_t{i} * s.stride, s.stride,
                  internal::ModelInternal::item_factors(model).row(row));
      if (s.biases) {
        internal::ModelInternal::item_biases(model)[row] =
            data[size_t{s.BandRows(band)} * s.stride + i];
      }
    }
  }
  return model;
}

absl::Status RingSession::SaveCheckpoint(const std::string& path) {
  State& s = *state_;
  const auto encode = [&]() -> absl::StatusOr<std::string> {
    engine::CheckpointData data;
    data.report = s.report;
    data.fingerprint = s.Fingerprint();
    data.num_ratings = s.working.size();
    data.elapsed_seconds = s.report.history.empty() ? 0.0 : s.report.history.back().elapsed_seconds;
    data.stop_reason =
        s.stop_reason.has_value() && (*s.stop_reason == StopReason::kLossThreshold ||
                                      *s.stop_reason == StopReason::kRmseThreshold ||
                                      *s.stop_reason == StopReason::kEarlyStop ||
                                      *s.stop_reason == StopReason::kValidationRmseThreshold)
            ? static_cast<int32_t>(*s.stop_reason)
            : -1;
    std::vector<const float*> homes;
    for (int home = 0; home < 2; ++home) homes.push_back(s.SlotOf(2 * s.rank + home).data.get());
    HOGMF_ASSIGN_OR_RETURN(data.model, SerializeModel(s.RowsModel(s.p, s.user_bias, homes)));
    if (s.best_p.has_value()) {
      const std::vector<const float*> best_homes = {s.best_bands[0].data(), s.best_bands[1].data()};
      HOGMF_ASSIGN_OR_RETURN(data.best,
                             SerializeModel(s.RowsModel(*s.best_p, s.best_user_bias, best_homes)));
    }
    if (s.adagrad) {
      data.p_adagrad = s.p_adagrad;
      for (int home = 0; home < 2; ++home) {
        const int band = 2 * s.rank + home;
        const float* sums = s.BandAdaGrad(s.SlotOf(band), band);
        data.q_adagrad.insert(data.q_adagrad.end(), sums, sums + s.BandRows(band));
      }
    }
    data.permutation = PackShufflers(s.shufflers);
    return engine::EncodeCheckpoint(data);
  };
  // Two generations per rank: the new file is written whole beside the
  // current one, the current one becomes PATH.R-of-N.prev, then the new one
  // takes its name. A rank killed anywhere in between leaves, on every
  // rank, a current or previous file of the epoch all ranks share (Resume
  // picks the latest such epoch).
  absl::StatusOr<std::string> bytes = encode();
  absl::Status status = bytes.status();
  const std::string current = RankCheckpointPath(path, s.rank, s.ranks);
  const std::string fresh = current + ".new";
  if (status.ok()) status = WriteFileAtomically(fresh, *bytes);
  if (status.ok() && std::rename(current.c_str(), (current + ".prev").c_str()) != 0 &&
      errno != ENOENT) {
    status = absl::InternalError(
        absl::StrCat(current, ": cannot keep the previous checkpoint: ", std::strerror(errno)));
  }
  if (status.ok() && std::rename(fresh.c_str(), current.c_str()) != 0) {
    status = absl::InternalError(
        absl::StrCat(current, ": cannot rename the new checkpoint: ", std::strerror(errno)));
  }
  return s.comm->Agree(status);
}

absl::StatusOr<std::unique_ptr<RingSession>> RingSession::Resume(Comm& comm, const Layout& layout,
                                                                 std::vector<Rating> train,
                                                                 std::vector<Rating> validation,
                                                                 const std::string& path,
                                                                 const RingOptions& options) {
  // This rank's current and previous files (SaveCheckpoint), and the
  // latest epoch every rank has one of.
  const std::string current = RankCheckpointPath(path, comm.rank(), comm.size());
  const auto read = [](const std::string& name) -> absl::StatusOr<engine::CheckpointData> {
    HOGMF_ASSIGN_OR_RETURN(std::shared_ptr<const internal::MappedFile> file,
                           internal::MappedFile::Open(name));
    return engine::DecodeCheckpoint(file->view(), name);
  };
  absl::StatusOr<engine::CheckpointData> latest = read(current);
  absl::StatusOr<engine::CheckpointData> previous = read(current + ".prev");
  absl::Status status = absl::OkStatus();
  if (!latest.ok() && !previous.ok()) {
    status = latest.status().code() == absl::StatusCode::kNotFound
                 ? absl::NotFoundError(
                       absl::StrCat(current, ": no such file (a checkpoint of ", comm.size(),
                                    " ranks: resume with as many ranks as the run that wrote it)"))
                 : latest.status();
  }
  HOGMF_RETURN_IF_ERROR(comm.Agree(status));
  const double newest = latest.ok() ? latest->report.epochs : previous->report.epochs;
  const double oldest = previous.ok() ? previous->report.epochs : latest->report.epochs;
  const auto has = [&](double epoch) {
    return (latest.ok() && latest->report.epochs == epoch) ||
           (previous.ok() && previous->report.epochs == epoch);
  };
  // The newest epoch all ranks reached, else the newest of the older ones.
  double candidates[2] = {-newest, oldest};
  comm.MaxInPlace(candidates);
  double chosen = -1;
  for (const double epoch : {-candidates[0], candidates[1]}) {
    double everywhere[1] = {has(epoch) ? 0.0 : 1.0};
    comm.MaxInPlace(everywhere);
    if (everywhere[0] == 0) {
      chosen = epoch;
      break;
    }
  }
  if (chosen < 0) {
    return comm.Agree(absl::InvalidArgumentError(
        absl::StrCat(path, ": the ranks' checkpoint files share no epoch (this rank has ", newest,
                     " and ", oldest, "); they are not of one run")));
  }
  const bool use_latest = latest.ok() && latest->report.epochs == chosen;
  const std::string mine = use_latest ? current : current + ".prev";
  absl::StatusOr<engine::CheckpointData> data =
      use_latest ? std::move(latest) : std::move(previous);
  HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<RingSession> session,
                         Create(comm, layout, std::move(train), std::move(validation),
                                data->report.params, options));
  State& s = *session->state_;
  const auto restore = [&]() -> absl::Status {
    const auto corrupt = [&](std::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat(mine, ": corrupt hogmf checkpoint: ", internal::ToAbsl(what)));
    };
    if (data->num_ratings != s.working.size() || data->fingerprint != s.Fingerprint()) {
      return absl::InvalidArgumentError(absl::StrCat(
          mine,
          ": this rank's training data differs from the checkpointed run's (count, ids, "
          "values or order); resume with the same data and as many ranks"));
    }
    absl::StatusOr<Model> rows = DeserializeModel(data->model);
    if (!rows.ok()) return corrupt(std::string(rows.status().message()));
    const uint32_t home_items = s.BandRows(2 * s.rank) + s.BandRows(2 * s.rank + 1);
    if (rows->k() != s.params.k || rows->num_users() != s.num_local_users ||
        rows->num_items() != home_items || rows->has_biases() != s.biases ||
        (s.adagrad &&
         (data->p_adagrad.size() != s.num_local_users || data->q_adagrad.size() != home_items))) {
      return corrupt("its rows do not match this rank's share");
    }
    const auto take_rows = [&](const Model& from, FactorMatrix& p, std::vector<float>& user_bias,
                               const std::vector<float*>& bands) {
      engine::CopyRows(from.user_factors(), p);
      if (s.biases) user_bias = from.user_biases();
      uint32_t row = 0;
      for (int home = 0; home < 2; ++home) {
        const int band = 2 * s.rank + home;
        float* out = bands[static_cast<size_t>(home)];
        for (uint32_t i = 0; i < s.BandRows(band); ++i, ++row) {
          std::copy_n(from.item_factors().row(row), s.stride, out + size_t{i} * s.stride);
          if (s.biases) out[size_t{s.BandRows(band)} * s.stride + i] = from.item_biases()[row];
        }
      }
    };
    std::vector<float*> homes;
    for (int home = 0; home < 2; ++home) homes.push_back(s.SlotOf(2 * s.rank + home).data.get());
    take_rows(*rows, s.p, s.user_bias, homes);
    if (s.adagrad) {
      s.p_adagrad = data->p_adagrad;
      size_t at = 0;
      for (int home = 0; home < 2; ++home) {
        const int band = 2 * s.rank + home;
        std::copy_n(data->q_adagrad.data() + at, s.BandRows(band),
                    s.BandAdaGrad(s.SlotOf(band), band));
        at += s.BandRows(band);
      }
    }
    if (!UnpackShufflers(data->permutation, s.shufflers)) {
      return corrupt("the blocks' orders do not match this rank's ratings");
    }
    const TrainReport prepared = s.report;
    s.report = std::move(data->report);
    s.report.kernel = prepared.kernel;
    s.report.threads = prepared.threads;
    s.report.order = prepared.order;
    if (s.early_stop != nullptr) {
      for (const EpochStats& stats : s.report.history) s.early_stop->OnEpoch(stats);
    }
    if (data->best.has_value()) {
      absl::StatusOr<Model> best = DeserializeModel(*data->best);
      if (!best.ok()) return corrupt(std::string(best.status().message()));
      s.best_p = FactorMatrix(s.num_local_users, s.params.k);
      s.best_bands.assign(2, {});
      std::vector<float*> best_homes;
      for (int home = 0; home < 2; ++home) {
        s.best_bands[static_cast<size_t>(home)].assign(s.BandFloats(2 * s.rank + home), 0.0f);
        best_homes.push_back(s.best_bands[static_cast<size_t>(home)].data());
      }
      take_rows(*best, *s.best_p, s.best_user_bias, best_homes);
    } else if (s.early_stop != nullptr && s.report.best_epoch == s.report.epochs &&
               s.report.epochs > 0) {
      s.KeepBest();
    }
    if (data->stop_reason >= 0) s.stop_reason = static_cast<StopReason>(data->stop_reason);
    s.resumed_seconds = data->elapsed_seconds;
    s.first_epoch = s.report.epochs;
    return absl::OkStatus();
  };
  HOGMF_RETURN_IF_ERROR(comm.Agree(restore()));
  return session;
}

}  // namespace hogmf::distributed
