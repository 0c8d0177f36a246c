/* Tests of hogmf's C API (include/hogmf/c_api.h), written in C99 and compiled
 * as C: every call, its results on planted low-rank data, and its errors.
 * Usage: c_api_test SCRATCH_DIR (files are written there). Exits non-zero on
 * the first failed check. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hogmf/c_api.h"

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                            \
      fprintf(stderr, "\n");                                                   \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

/* A call that must succeed. */
#define OK(call)                                                                              \
  do {                                                                                        \
    hogmf_status ok_status_ = (call);                                                         \
    CHECK(ok_status_ == HOGMF_OK, "%s returned %s: %s", #call, hogmf_status_name(ok_status_), \
          hogmf_last_error());                                                                \
  } while (0)

/* A call that must fail with `code` and a message containing `text`. */
#define FAILS(call, code, text)                                                             \
  do {                                                                                      \
    hogmf_status fails_status_ = (call);                                                    \
    CHECK(fails_status_ == (code), "%s returned %s (%s), expected %s", #call,               \
          hogmf_status_name(fails_status_), hogmf_last_error(), hogmf_status_name(code));   \
    CHECK(strstr(hogmf_last_error(), (text)) != NULL, "%s: message '%s' lacks '%s'", #call, \
          hogmf_last_error(), (text));                                                      \
  } while (0)

enum { kUsers = 200, kItems = 150, kRank = 3, kK = 8 };

static const char* scratch;

static char* Path(const char* name) {
  static char buffers[4][512];
  static int next = 0;
  char* buffer = buffers[next++ % 4];
  snprintf(buffer, sizeof buffers[0], "%s/%s", scratch, name);
  return buffer;
}

/* A deterministic generator: 64-bit LCG, uniform in [0, 1). */
static unsigned long long rng_state = 12345;
static double Uniform(void) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* Planted data: rating = 3 + u.v (rank 3, entries in [-1, 1)) + noise, about
 * 30% of the cells observed; 90% go to training, 10% to test. */
static double user_true[kUsers][kRank], item_true[kItems][kRank];
static unsigned char rated[kUsers][kItems]; /* 1: in the training set */
static int64_t train_users[kUsers * kItems], train_items[kUsers * kItems];
static float train_values[kUsers * kItems];
static size_t n_train;
static int64_t test_users[kUsers * kItems], test_items[kUsers * kItems];
static float test_values[kUsers * kItems];
static size_t n_test;
static float min_value = 1e30f, max_value = -1e30f;

static void Generate(void) {
  int u, i, r;
  for (u = 0; u < kUsers; ++u)
    for (r = 0; r < kRank; ++r) user_true[u][r] = 2 * Uniform() - 1;
  for (i = 0; i < kItems; ++i)
    for (r = 0; r < kRank; ++r) item_true[i][r] = 2 * Uniform() - 1;
  for (u = 0; u < kUsers; ++u) {
    for (i = 0; i < kItems; ++i) {
      double value = 3, noise = (Uniform() - 0.5) * 0.1;
      if (Uniform() >= 0.3) continue;
      for (r = 0; r < kRank; ++r) value += user_true[u][r] * item_true[i][r];
      value += noise;
      if (Uniform() < 0.9) {
        train_users[n_train] = u;
        train_items[n_train] = i;
        train_values[n_train] = (float)value;
        if ((float)value < min_value) min_value = (float)value;
        if ((float)value > max_value) max_value = (float)value;
        rated[u][i] = 1;
        ++n_train;
      } else {
        test_users[n_test] = u;
        test_items[n_test] = i;
        test_values[n_test] = (float)value;
        ++n_test;
      }
    }
  }
}

static void WriteFile(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  CHECK(f != NULL, "cannot write %s", path);
  fputs(text, f);
  fclose(f);
}

static void TestBasics(void) {
  const char* version = hogmf_version();
  CHECK(version != NULL && strchr(version, '.') != NULL, "version '%s'", version);
  CHECK(strcmp(hogmf_status_name(HOGMF_NOT_FOUND), "NOT_FOUND") == 0, "status name");
  CHECK(strcmp(hogmf_status_name((hogmf_status)99), "UNKNOWN") == 0, "status name 99");
  hogmf_ratings_free(NULL);
  hogmf_model_free(NULL);
  hogmf_params_init(NULL);
  hogmf_train_options_init(NULL);
}

static void TestRatings(void) {
  hogmf_ratings* ratings = NULL;
  uint32_t users = 0, items = 0;
  uint64_t count = 0;
  const int64_t ids_u[] = {1000, 7, 1000, 42};
  const int64_t ids_i[] = {5, 5, 9, 3};
  const float values[] = {1, 2, 3, 4};
  const float bad_values[] = {1, 2, NAN, 4};
  const int64_t negative[] = {1, -2, 3, 4};

  OK(hogmf_ratings_from_arrays(ids_u, ids_i, values, 4, HOGMF_IDS_DENSE, &ratings));
  CHECK(strcmp(hogmf_last_error(), "") == 0, "error after OK: '%s'", hogmf_last_error());
  OK(hogmf_ratings_size(ratings, &users, &items, &count));
  CHECK(users == 3 && items == 3 && count == 4, "dense sizes %u %u %llu", users, items,
        (unsigned long long)count);
  OK(hogmf_ratings_size(ratings, NULL, NULL, NULL));
  hogmf_ratings_free(ratings);

  OK(hogmf_ratings_from_arrays(ids_u, ids_i, NULL, 4, HOGMF_IDS_IDENTITY, &ratings));
  OK(hogmf_ratings_size(ratings, &users, &items, &count));
  CHECK(users == 1001 && items == 10 && count == 4, "identity sizes %u %u", users, items);
  hogmf_ratings_free(ratings);

  ratings = (hogmf_ratings*)1; /* set to NULL on failure */
  FAILS(hogmf_ratings_from_arrays(ids_u, ids_i, bad_values, 4, HOGMF_IDS_DENSE, &ratings),
        HOGMF_INVALID_ARGUMENT, "values[2]");
  CHECK(ratings == NULL, "out not cleared on failure");
  FAILS(hogmf_ratings_from_arrays(negative, ids_i, values, 4, HOGMF_IDS_IDENTITY, &ratings),
        HOGMF_INVALID_ARGUMENT, "users[1]");
  FAILS(hogmf_ratings_from_arrays(NULL, ids_i, values, 4, HOGMF_IDS_DENSE, &ratings),
        HOGMF_INVALID_ARGUMENT, "users is NULL");
  FAILS(hogmf_ratings_from_arrays(ids_u, ids_i, values, 4, (hogmf_id_mapping)5, &ratings),
        HOGMF_INVALID_ARGUMENT, "mapping");
  FAILS(hogmf_ratings_from_arrays(ids_u, ids_i, values, 4, HOGMF_IDS_DENSE, NULL),
        HOGMF_INVALID_ARGUMENT, "out is NULL");
  FAILS(hogmf_ratings_size(NULL, &users, &items, &count), HOGMF_INVALID_ARGUMENT,
        "ratings is NULL");

  /* Files: LIBMF text (sniffed and named), csv with named columns. */
  WriteFile(Path("small.libmf"), "0 0 4\n1 2 3.5\n2 1 1\n");
  OK(hogmf_ratings_read(Path("small.libmf"), NULL, NULL, NULL, NULL, &ratings));
  OK(hogmf_ratings_size(ratings, &users, &items, &count));
  CHECK(users == 3 && items == 3 && count == 3, "libmf sizes %u %u", users, items);
  hogmf_ratings_free(ratings);
  OK(hogmf_ratings_read(Path("small.libmf"), "libmf", NULL, NULL, NULL, &ratings));
  hogmf_ratings_free(ratings);
  WriteFile(Path("small.csv"), "when,who,what,stars\n1,ann,x,4\n2,bob,y,3\n3,ann,y,5\n");
  OK(hogmf_ratings_read(Path("small.csv"), "csv", "who", "what", "stars", &ratings));
  OK(hogmf_ratings_size(ratings, &users, &items, &count));
  CHECK(users == 2 && items == 2 && count == 3, "csv sizes %u %u", users, items);
  hogmf_ratings_free(ratings);
  FAILS(hogmf_ratings_read(Path("small.csv"), "csv", "nobody", NULL, NULL, &ratings),
        HOGMF_INVALID_ARGUMENT, "nobody");
  FAILS(hogmf_ratings_read(Path("missing.txt"), NULL, NULL, NULL, NULL, &ratings), HOGMF_NOT_FOUND,
        "missing.txt");
  FAILS(hogmf_ratings_read(Path("small.libmf"), "excel", NULL, NULL, NULL, &ratings),
        HOGMF_INVALID_ARGUMENT, "format");
  FAILS(hogmf_ratings_read(NULL, NULL, NULL, NULL, NULL, &ratings), HOGMF_INVALID_ARGUMENT,
        "path is NULL");
  CHECK(ratings == NULL, "out not cleared on failure");
}

/* Training parameters for the planted data: fixed weights and epochs. */
static hogmf_params FixedParams(void) {
  hogmf_params params;
  hogmf_params_init(&params);
  params.k = kK;
  params.l2_p = 0.02f;
  params.l2_q = 0.02f;
  params.l2_user_bias = 0.02f;
  params.l2_item_bias = 0.02f;
  params.max_epochs = 40;
  params.threads = 2;
  params.seed = 7;
  return params;
}

static void TestParams(hogmf_ratings* train) {
  hogmf_params params;
  hogmf_model* model = (hogmf_model*)1;
  hogmf_params_init(&params);
  CHECK(params.struct_size == sizeof params, "struct_size %zu", params.struct_size);
  CHECK(params.k == 32 && params.max_epochs == 0 && params.l2_p < 0 && params.biases == -1,
        "defaults k %d epochs %d l2_p %g biases %d", params.k, params.max_epochs,
        (double)params.l2_p, params.biases);
  CHECK(params.loss != NULL && strcmp(params.loss, "squared") == 0, "default loss");
  CHECK(params.lr_schedule != NULL && strcmp(params.lr_schedule, "adagrad") == 0, "schedule");
  CHECK(params.clip == 1 && params.seed == 1 && params.holdout > 0, "clip/seed/holdout");

  params = FixedParams();
  params.learning_rate = -1;
  FAILS(hogmf_train(train, &params, NULL, &model, NULL), HOGMF_INVALID_ARGUMENT, "learning_rate");
  CHECK(model == NULL, "out not cleared on failure");
  params = FixedParams();
  params.k = 0;
  FAILS(hogmf_train(train, &params, NULL, &model, NULL), HOGMF_INVALID_ARGUMENT, "k");
  params = FixedParams();
  params.holdout = 0.9;
  FAILS(hogmf_train(train, &params, NULL, &model, NULL), HOGMF_INVALID_ARGUMENT, "holdout");
  params = FixedParams();
  params.loss = "cubic";
  FAILS(hogmf_train(train, &params, NULL, &model, NULL), HOGMF_INVALID_ARGUMENT, "loss");
  params = FixedParams();
  params.schedule = "round-robin";
  FAILS(hogmf_train(train, &params, NULL, &model, NULL), HOGMF_INVALID_ARGUMENT, "schedule");
  params = FixedParams();
  params.biases = 2;
  FAILS(hogmf_train(train, &params, NULL, &model, NULL), HOGMF_INVALID_ARGUMENT, "biases");
  params = FixedParams();
  params.early_stop = 3; /* needs a validation set */
  FAILS(hogmf_train(train, &params, NULL, &model, NULL), HOGMF_INVALID_ARGUMENT, "valid");
  params = FixedParams();
  params.struct_size = 0;
  FAILS(hogmf_train(train, &params, NULL, &model, NULL), HOGMF_INVALID_ARGUMENT,
        "params.struct_size");
  params.struct_size = sizeof params + 8; /* a newer header than the library */
  FAILS(hogmf_train(train, &params, NULL, &model, NULL), HOGMF_INVALID_ARGUMENT,
        "params.struct_size");
  params = FixedParams();
  params.max_memory_bytes = 100; /* far below the estimate */
  FAILS(hogmf_train(train, &params, NULL, &model, NULL), HOGMF_RESOURCE_EXHAUSTED,
        "max_memory_bytes");
  /* A caller built against the first header, whose struct ends before
     max_memory_bytes: the field takes its default (no limit here). */
  params.struct_size = offsetof(hogmf_params, max_memory_bytes);
  CHECK(hogmf_train(train, &params, NULL, &model, NULL) == HOGMF_OK, "first-version params: %s",
        hogmf_last_error());
  hogmf_model_free(model);
  model = NULL;
  params = FixedParams();
  FAILS(hogmf_train(NULL, &params, NULL, &model, NULL), HOGMF_INVALID_ARGUMENT, "train is NULL");
  FAILS(hogmf_train(train, &params, NULL, NULL, NULL), HOGMF_INVALID_ARGUMENT, "out is NULL");
  CHECK(model == NULL, "model set on failure");
}

struct EpochLog {
  int epochs;
  int stop_at;   /* return nonzero at this epoch (0: never) */
  int cancel_at; /* set *cancel at this epoch (0: never) */
  volatile int* cancel;
  double last_validation_rmse;
};

static int OnEpoch(const hogmf_epoch_stats* stats, void* user_data) {
  struct EpochLog* log = (struct EpochLog*)user_data;
  CHECK(stats->struct_size >= sizeof(hogmf_epoch_stats), "epoch stats size");
  CHECK(stats->epoch == log->epochs + 1, "epoch %d after %d", stats->epoch, log->epochs);
  CHECK(stats->updates > 0 && stats->loss > 0, "epoch figures");
  log->epochs = stats->epoch;
  log->last_validation_rmse = stats->validation_rmse;
  /* The watching thread reads the flag atomically: store it atomically too. */
  if (log->cancel_at != 0 && stats->epoch == log->cancel_at) {
    __atomic_store_n(log->cancel, 1, __ATOMIC_RELAXED);
  }
  return log->stop_at != 0 && stats->epoch >= log->stop_at;
}

/* The model's score of (u, i) from its factors and biases, unclipped. */
static double ManualScore(const hogmf_model* model, uint32_t u, uint32_t i) {
  const float *p, *q, *user_bias, *item_bias;
  size_t p_stride, q_stride;
  int k, r;
  float mean;
  double score = 0;
  OK(hogmf_model_factors(model, HOGMF_USERS, &p, NULL, &k, &p_stride));
  OK(hogmf_model_factors(model, HOGMF_ITEMS, &q, NULL, NULL, &q_stride));
  OK(hogmf_model_biases(model, &mean, &user_bias, &item_bias));
  for (r = 0; r < k; ++r) score += (double)p[u * p_stride + r] * q[i * q_stride + r];
  if (user_bias != NULL) score += (double)mean + user_bias[u] + item_bias[i];
  return score;
}

static hogmf_model* TestTrain(hogmf_ratings* train, hogmf_ratings* test) {
  hogmf_params params = FixedParams();
  hogmf_train_options options;
  hogmf_train_report report;
  struct EpochLog log = {0, 0, 0, NULL, 0};
  hogmf_model* model = NULL;
  double rmse = 0, mae = 0;
  uint64_t count = 0, unknown = 0;

  hogmf_train_options_init(&options);
  CHECK(options.struct_size == sizeof options && options.keep_rated_items == 1, "options init");
  options.validation = test;
  options.on_epoch = OnEpoch;
  options.user_data = &log;
  memset(&report, 0, sizeof report);
  FAILS(hogmf_train(train, &params, &options, &model, &report), HOGMF_INVALID_ARGUMENT,
        "report.struct_size");
  report.struct_size = sizeof report;
  OK(hogmf_train(train, &params, &options, &model, &report));
  CHECK(model != NULL, "no model");
  CHECK(report.epochs == 40 && log.epochs == 40, "epochs %d, callbacks %d", report.epochs,
        log.epochs);
  CHECK(report.stop_reason == HOGMF_STOP_EPOCH_LIMIT, "stop reason %d", (int)report.stop_reason);
  CHECK(report.updates == 40 * (uint64_t)n_train, "updates %llu",
        (unsigned long long)report.updates);
  CHECK(report.kernel[0] != '\0' && report.threads == 2, "kernel '%s' threads %d", report.kernel,
        report.threads);
  CHECK(fabs(report.l2_p - 0.02) < 1e-6 && report.max_epochs == 40, "resolved params");
  CHECK(report.train_rmse < 0.15, "train rmse %g", report.train_rmse);
  CHECK(report.validation_rmse > 0 && report.validation_rmse < 0.3, "validation rmse %g",
        report.validation_rmse);
  CHECK(fabs(report.validation_rmse - log.last_validation_rmse) < 1e-9, "report vs callback");

  OK(hogmf_model_evaluate(model, test, &rmse, &mae, &count, &unknown));
  /* A mean predictor scores about 0.58 here (the planted part's spread). */
  CHECK(rmse < 0.3 && mae < rmse && count == n_test && unknown == 0,
        "test rmse %g mae %g count %llu unknown %llu", rmse, mae, (unsigned long long)count,
        (unsigned long long)unknown);
  CHECK(fabs(rmse - report.validation_rmse) < 1e-6, "evaluate %g vs report %g", rmse,
        report.validation_rmse);
  FAILS(hogmf_model_evaluate(NULL, test, &rmse, NULL, NULL, NULL), HOGMF_INVALID_ARGUMENT,
        "model is NULL");
  FAILS(hogmf_model_evaluate(model, NULL, &rmse, NULL, NULL, NULL), HOGMF_INVALID_ARGUMENT,
        "ratings is NULL");
  return model;
}

static void TestStops(hogmf_ratings* train) {
  hogmf_params params = FixedParams();
  hogmf_train_options options;
  hogmf_train_report report;
  struct EpochLog log = {0, 3, 0, NULL, 0};
  volatile int cancel = 0;
  hogmf_model* model = NULL;

  hogmf_train_options_init(&options);
  options.on_epoch = OnEpoch;
  options.user_data = &log;
  report.struct_size = sizeof report;
  OK(hogmf_train(train, &params, &options, &model, &report));
  CHECK(report.epochs == 3 && report.stop_reason == HOGMF_STOP_CALLBACK, "callback stop: %d, %d",
        report.epochs, (int)report.stop_reason);
  hogmf_model_free(model);

  /* A flag set before the call: no training at all. */
  cancel = 1;
  options.cancel = &cancel;
  options.on_epoch = NULL;
  model = (hogmf_model*)1;
  FAILS(hogmf_train(train, &params, &options, &model, &report), HOGMF_CANCELLED, "cancel");
  CHECK(model == NULL, "model after a cancel before training");

  /* A flag set during training (here by the callback, as another thread
   * would): training ends soon after, with the model kept. */
  cancel = 0;
  params.max_epochs = 1000000;
  params.time_limit_seconds = 120;
  log.epochs = 0;
  log.stop_at = 0;
  log.cancel_at = 2;
  log.cancel = &cancel;
  options.on_epoch = OnEpoch;
  OK(hogmf_train(train, &params, &options, &model, &report));
  CHECK(report.stop_reason == HOGMF_STOP_CANCELLED, "stop reason %d after %d epochs",
        (int)report.stop_reason, report.epochs);
  CHECK(report.epochs >= 2 && report.epochs < 1000000, "epochs %d", report.epochs);
  CHECK(model != NULL, "cancelled training keeps the model");
  hogmf_model_free(model);
}

static void TestPredict(const hogmf_model* model) {
  uint32_t users[64], items[64];
  float out[64], by_ids[64];
  char user_names[64][16], item_names[64][16];
  const char* user_ids[64];
  const char* item_ids[64];
  uint32_t num_users, num_items, rows;
  int k, j;
  size_t unknown = 99, stride;
  const float* data = NULL;
  const float* item_bias = NULL;
  float mean, expected;

  OK(hogmf_model_dims(model, &num_users, &num_items, &k));
  CHECK(num_users == kUsers && num_items == kItems && k == kK, "dims %u %u %d", num_users,
        num_items, k);
  OK(hogmf_model_factors(model, HOGMF_ITEMS, &data, &rows, &k, &stride));
  CHECK(data != NULL && rows == kItems && k == kK && stride >= (size_t)k, "item factors");
  FAILS(hogmf_model_factors(model, (hogmf_side)3, &data, NULL, NULL, NULL), HOGMF_INVALID_ARGUMENT,
        "side");
  FAILS(hogmf_model_factors(model, HOGMF_USERS, NULL, NULL, NULL, NULL), HOGMF_INVALID_ARGUMENT,
        "data is NULL");

  for (j = 0; j < 64; ++j) {
    users[j] = (uint32_t)(j * 3 % kUsers);
    items[j] = (uint32_t)(j * 7 % kItems);
    snprintf(user_names[j], sizeof user_names[j], "%u", users[j]);
    snprintf(item_names[j], sizeof item_names[j], "%u", items[j]);
    user_ids[j] = user_names[j];
    item_ids[j] = item_names[j];
  }
  OK(hogmf_model_predict(model, users, items, 64, out));
  OK(hogmf_model_predict_ids(model, user_ids, item_ids, 64, by_ids, &unknown));
  CHECK(unknown == 0, "unknown %zu", unknown);
  for (j = 0; j < 64; ++j) {
    double score = ManualScore(model, users[j], items[j]);
    double clipped = score < min_value ? min_value : (score > max_value ? max_value : score);
    CHECK(out[j] == by_ids[j], "pair %d: by index %g, by id %g", j, out[j], by_ids[j]);
    CHECK(fabs(out[j] - clipped) < 1e-4, "pair %d: predict %g, factors %g", j, out[j], clipped);
  }

  /* Unknown users (the sentinel, an unknown id) score mean + b_i, clipped. */
  OK(hogmf_model_biases(model, &mean, NULL, &item_bias));
  CHECK(item_bias != NULL, "a squared-loss model has biases by default");
  expected = mean + item_bias[items[0]];
  expected = expected < min_value ? min_value : (expected > max_value ? max_value : expected);
  users[0] = HOGMF_UNKNOWN_INDEX;
  OK(hogmf_model_predict(model, users, items, 1, out));
  CHECK(fabs(out[0] - expected) < 1e-6, "unknown user %g, expected %g", out[0], expected);
  user_ids[0] = "no-such-user";
  OK(hogmf_model_predict_ids(model, user_ids, item_ids, 2, by_ids, &unknown));
  CHECK(unknown == 1 && by_ids[0] == out[0], "unknown id: %zu, %g", unknown, by_ids[0]);
  users[0] = kUsers; /* past the rows */
  FAILS(hogmf_model_predict(model, users, items, 2, out), HOGMF_INVALID_ARGUMENT, "users[0]");
  user_ids[1] = NULL;
  FAILS(hogmf_model_predict_ids(model, user_ids, item_ids, 2, by_ids, NULL), HOGMF_INVALID_ARGUMENT,
        "user_ids[1]");
  FAILS(hogmf_model_predict(NULL, users, items, 2, out), HOGMF_INVALID_ARGUMENT, "model is NULL");
  FAILS(hogmf_model_predict(model, users, items, 2, NULL), HOGMF_INVALID_ARGUMENT, "out is NULL");
}

static void TestIds(const hogmf_model* model) {
  char buf[16];
  size_t length = 0;
  uint32_t index = 0;
  OK(hogmf_model_id(model, HOGMF_USERS, 123, buf, sizeof buf, &length));
  CHECK(strcmp(buf, "123") == 0 && length == 3, "id '%s' length %zu", buf, length);
  OK(hogmf_model_id(model, HOGMF_ITEMS, 45, NULL, 0, &length));
  CHECK(length == 2, "length query %zu", length);
  FAILS(hogmf_model_id(model, HOGMF_ITEMS, 145, buf, 3, &length), HOGMF_OUT_OF_RANGE, "small");
  CHECK(length == 3, "length of a too small buffer %zu", length);
  FAILS(hogmf_model_id(model, HOGMF_ITEMS, kItems, buf, sizeof buf, &length), HOGMF_OUT_OF_RANGE,
        "past");
  OK(hogmf_model_index(model, HOGMF_ITEMS, "77", &index));
  CHECK(index == 77, "index %u", index);
  FAILS(hogmf_model_index(model, HOGMF_USERS, "alice", &index), HOGMF_NOT_FOUND, "alice");
  CHECK(index == HOGMF_UNKNOWN_INDEX, "index of a missing id");
  FAILS(hogmf_model_index(model, HOGMF_USERS, NULL, &index), HOGMF_INVALID_ARGUMENT, "id is NULL");
}

static void TestRecommend(const hogmf_model* model) {
  enum { kN = 10, kAsk = 5 };
  uint32_t users[kAsk] = {0, 17, 42, 199, 17};
  uint32_t items[kAsk * kN], counts[kAsk];
  float scores[kAsk * kN];
  int u, r;
  OK(hogmf_model_recommend(model, users, kAsk, kN, 0, items, scores, kAsk * kN, counts));
  for (u = 0; u < kAsk; ++u) {
    CHECK(counts[u] == kN, "user %u: %u items", users[u], counts[u]);
    for (r = 0; r < kN; ++r) {
      uint32_t item = items[u * kN + r];
      CHECK(item < kItems, "user %u rank %d: item %u", users[u], r, item);
      CHECK(!rated[users[u]][item], "user %u: rated item %u recommended", users[u], item);
      CHECK(fabs(scores[u * kN + r] - ManualScore(model, users[u], item)) < 1e-4,
            "user %u item %u: score %g", users[u], item, scores[u * kN + r]);
      if (r > 0) {
        CHECK(scores[u * kN + r] <= scores[u * kN + r - 1], "user %u: not sorted at %d", users[u],
              r);
      }
    }
  }
  for (r = 0; r < kN; ++r) {
    CHECK(items[1 * kN + r] == items[4 * kN + r], "repeated user, different lists");
  }
  /* Without scores or counts. */
  OK(hogmf_model_recommend(model, users, 1, kN, 1, items, NULL, kN, NULL));
  FAILS(hogmf_model_recommend(model, users, kAsk, kN, 0, items, scores, kAsk * kN - 1, NULL),
        HOGMF_INVALID_ARGUMENT, "out_size");
  FAILS(hogmf_model_recommend(model, users, kAsk, 0, 0, items, scores, kAsk * kN, NULL),
        HOGMF_INVALID_ARGUMENT, "top_n");
  users[2] = kUsers;
  FAILS(hogmf_model_recommend(model, users, kAsk, kN, 0, items, scores, kAsk * kN, NULL),
        HOGMF_NOT_FOUND, "");
  FAILS(hogmf_model_recommend(NULL, users, kAsk, kN, 0, items, scores, kAsk * kN, NULL),
        HOGMF_INVALID_ARGUMENT, "model is NULL");

  /* A user with fewer unrated items than asked: the list ends with the sentinel. */
  {
    const int64_t few_users[] = {0, 0, 0, 1, 1};
    const int64_t few_items[] = {0, 1, 2, 0, 3};
    const float few_values[] = {5, 4, 3, 2, 1};
    hogmf_ratings* few = NULL;
    hogmf_model* small = NULL;
    hogmf_params params = FixedParams();
    uint32_t one = 0, list[6], count = 0;
    float list_scores[6];
    params.k = 2;
    params.max_epochs = 2;
    OK(hogmf_ratings_from_arrays(few_users, few_items, few_values, 5, HOGMF_IDS_IDENTITY, &few));
    OK(hogmf_train(few, &params, NULL, &small, NULL));
    OK(hogmf_model_recommend(small, &one, 1, 6, 1, list, list_scores, 6, &count));
    CHECK(count == 1 && list[0] == 3, "user 0 has one unrated trained item: %u, %u", count,
          list[0]);
    CHECK(list[1] == HOGMF_UNKNOWN_INDEX && isinf(list_scores[5]) && list_scores[5] < 0, "padding");
    hogmf_model_free(small);
    hogmf_ratings_free(few);
  }
}

static void PredictAll(const hogmf_model* model, float* out) {
  static uint32_t users[kUsers * 4], items[kUsers * 4];
  int j;
  for (j = 0; j < kUsers * 4; ++j) {
    users[j] = (uint32_t)(j % kUsers);
    items[j] = (uint32_t)(j * 13 % kItems);
  }
  OK(hogmf_model_predict(model, users, items, kUsers * 4, out));
}

static void TestFiles(const hogmf_model* model) {
  static float before[kUsers * 4], after[kUsers * 4];
  hogmf_model* loaded = NULL;
  hogmf_model* libmf = NULL;
  uint32_t num_users, num_items;
  int k, j;

  OK(hogmf_model_save(model, Path("model.hogmf")));
  OK(hogmf_model_load(Path("model.hogmf"), &loaded));
  PredictAll(model, before);
  PredictAll(loaded, after);
  CHECK(memcmp(before, after, sizeof before) == 0, "the loaded model predicts differently");
  hogmf_model_free(loaded);

  OK(hogmf_model_export_libmf(model, Path("model.libmf")));
  OK(hogmf_model_load(Path("model.libmf"), &libmf));
  OK(hogmf_model_dims(libmf, &num_users, &num_items, &k));
  CHECK(num_users == kUsers && num_items == kItems && k == kK + 2, "libmf dims %u %u %d", num_users,
        num_items, k);
  for (j = 0; j < 20; ++j) {
    uint32_t u = (uint32_t)(j * 9), i = (uint32_t)(j * 5);
    CHECK(fabs(ManualScore(libmf, u, i) - ManualScore(model, u, i)) < 1e-3, "libmf score %u %u", u,
          i);
  }
  hogmf_model_free(libmf);

  loaded = (hogmf_model*)1;
  FAILS(hogmf_model_load(Path("no-model"), &loaded), HOGMF_NOT_FOUND, "no-model");
  CHECK(loaded == NULL, "out not cleared");
  FAILS(hogmf_model_load(Path("small.csv"), &loaded), HOGMF_INVALID_ARGUMENT, "small.csv");
  FAILS(hogmf_model_save(model, Path("no-folder/model")), HOGMF_INVALID_ARGUMENT, "no-folder");
  FAILS(hogmf_model_save(NULL, Path("model")), HOGMF_INVALID_ARGUMENT, "model is NULL");
  FAILS(hogmf_model_export_libmf(model, NULL), HOGMF_INVALID_ARGUMENT, "path is NULL");
}

static void TestFoldIn(const hogmf_model* model) {
  /* A new user (id kUsers) with planted ratings of every tenth item. */
  int64_t users[kItems], items[kItems];
  float values[kItems];
  size_t n = 0;
  int i, r;
  hogmf_ratings* ratings = NULL;
  hogmf_model* folded = NULL;
  uint32_t num_users, index, before_users;
  double rmse = 1;
  double truth[kRank];
  for (r = 0; r < kRank; ++r) truth[r] = 2 * Uniform() - 1;
  for (i = 0; i < kItems; i += 3) {
    double value = 3;
    for (r = 0; r < kRank; ++r) value += truth[r] * item_true[i][r];
    users[n] = kUsers;
    items[n] = i;
    values[n] = (float)value;
    ++n;
  }
  OK(hogmf_model_dims(model, &before_users, NULL, NULL));
  OK(hogmf_ratings_from_arrays(users, items, values, n, HOGMF_IDS_DENSE, &ratings));
  OK(hogmf_model_fold_in(model, ratings, -1, 1, &folded));
  OK(hogmf_model_dims(folded, &num_users, NULL, NULL));
  CHECK(num_users == before_users + 1, "fold-in users %u", num_users);
  OK(hogmf_model_dims(model, &num_users, NULL, NULL));
  CHECK(num_users == before_users, "fold-in changed its input");
  OK(hogmf_model_index(folded, HOGMF_USERS, "200", &index));
  CHECK(index == kUsers, "new user's index %u", index);
  OK(hogmf_model_evaluate(folded, ratings, &rmse, NULL, NULL, NULL));
  CHECK(rmse < 0.2, "fold-in rmse %g", rmse);
  hogmf_model_free(folded);
  FAILS(hogmf_model_fold_in(model, ratings, NAN, 1, &folded), HOGMF_INVALID_ARGUMENT, "l2");
  CHECK(folded == NULL, "out not cleared");
  FAILS(hogmf_model_fold_in(model, NULL, -1, 1, &folded), HOGMF_INVALID_ARGUMENT,
        "ratings is NULL");
  hogmf_ratings_free(ratings);
}

static void TestContinue(const hogmf_model* model, hogmf_ratings* train, hogmf_ratings* test) {
  hogmf_params params = FixedParams();
  hogmf_train_report report;
  hogmf_model* more = NULL;
  double before = 0, after = 0;
  params.max_epochs = 5;
  report.struct_size = sizeof report;
  OK(hogmf_train_continue(model, train, &params, NULL, &more, &report));
  CHECK(report.epochs == 5, "continued epochs %d", report.epochs);
  OK(hogmf_model_evaluate(model, test, &before, NULL, NULL, NULL));
  OK(hogmf_model_evaluate(more, test, &after, NULL, NULL, NULL));
  CHECK(after < before * 1.2, "continued rmse %g from %g", after, before);
  hogmf_model_free(more);
  params.k = kK + 1;
  FAILS(hogmf_train_continue(model, train, &params, NULL, &more, NULL), HOGMF_INVALID_ARGUMENT,
        "k");
  FAILS(hogmf_train_continue(NULL, train, &params, NULL, &more, NULL), HOGMF_INVALID_ARGUMENT,
        "initial is NULL");
  CHECK(more == NULL, "out not cleared");
}

int main(int argc, char** argv) {
  hogmf_ratings* train = NULL;
  hogmf_ratings* test = NULL;
  hogmf_model* model;
  CHECK(argc == 2, "usage: c_api_test SCRATCH_DIR");
  scratch = argv[1];
  Generate();

  TestBasics();
  TestRatings();
  OK(hogmf_ratings_from_arrays(train_users, train_items, train_values, n_train, HOGMF_IDS_IDENTITY,
                               &train));
  OK(hogmf_ratings_from_arrays(test_users, test_items, test_values, n_test, HOGMF_IDS_IDENTITY,
                               &test));
  TestParams(train);
  model = TestTrain(train, test);
  TestStops(train);
  TestPredict(model);
  TestIds(model);
  TestRecommend(model);
  TestFiles(model);
  TestFoldIn(model);
  TestContinue(model, train, test);

  hogmf_model_free(model);
  hogmf_ratings_free(test);
  hogmf_ratings_free(train);
  printf("c_api_test passed (%zu training ratings, %zu test)\n", n_train, n_test);
  return 0;
}
