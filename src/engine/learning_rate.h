// The learning rate of each epoch under a TrainParams schedule, for every
// driver of the kernels (the Trainer, hogmf-mpi's ranks).
#pragma once

#include "hogmf/params.h"

namespace hogmf::engine {

// The rate epoch `epoch_index` (0-based) runs with: constant, decayed as
// lr / (1 + lr_decay * epoch), or AdaGrad's base rate (each row's G scales it).
inline float EpochLearningRate(const TrainParams& params, int epoch_index) {
  switch (params.lr_schedule) {
    case LearningRateSchedule::kConstant:
      return params.learning_rate;
    case LearningRateSchedule::kDecay:
      return params.learning_rate / (1.0f + params.lr_decay * static_cast<float>(epoch_index));
    case LearningRateSchedule::kAdaGrad:
      return params.learning_rate;
  }
  return params.learning_rate;
}

}  // namespace hogmf::engine
