/* hogmf's C API: a stable C99 interface to reading ratings, training,
 * predicting, recommending, folding in users and model files, for programs in
 * C and for other languages that call a C ABI (Rust, Go, ...). docs/c_api.md
 * describes every call.
 *
 * Every call that can fail returns a hogmf_status (HOGMF_OK = 0; the codes
 * are Abseil's); hogmf_last_error() then gives the message. Objects are
 * opaque handles that the caller frees (every *_free accepts NULL). Structs
 * passed in open with a struct_size field that their *_init function sets, so
 * that later versions can add fields at their ends.
 *
 *   hogmf_ratings* ratings = NULL;
 *   hogmf_model* model = NULL;
 *   hogmf_params params;
 *   hogmf_params_init(&params);
 *   params.k = 16;
 *   if (hogmf_ratings_read("u.data", NULL, NULL, NULL, NULL, &ratings) != HOGMF_OK ||
 *       hogmf_train(ratings, &params, NULL, &model, NULL) != HOGMF_OK)
 *     fprintf(stderr, "hogmf: %s\n", hogmf_last_error());
 *   hogmf_model_free(model);
 *   hogmf_ratings_free(ratings);
 */
#ifndef HOGMF_C_API_H_
#define HOGMF_C_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status and errors ------------------------------------------------- */

/* The status of a call; the values are those of absl::StatusCode. */
typedef enum hogmf_status {
  HOGMF_OK = 0,
  HOGMF_CANCELLED = 1,
  HOGMF_UNKNOWN = 2,
  HOGMF_INVALID_ARGUMENT = 3,
  HOGMF_DEADLINE_EXCEEDED = 4,
  HOGMF_NOT_FOUND = 5,
  HOGMF_ALREADY_EXISTS = 6,
  HOGMF_PERMISSION_DENIED = 7,
  HOGMF_RESOURCE_EXHAUSTED = 8, /* the run would need more memory than it may use */
  HOGMF_FAILED_PRECONDITION = 9,
  HOGMF_ABORTED = 10, /* training diverged */
  HOGMF_OUT_OF_RANGE = 11,
  HOGMF_UNIMPLEMENTED = 12,
  HOGMF_INTERNAL = 13,
  HOGMF_UNAVAILABLE = 14,
  HOGMF_DATA_LOSS = 15,
  HOGMF_UNAUTHENTICATED = 16
} hogmf_status;

/* The message of the last call on this thread that returned a hogmf_status:
 * "" after HOGMF_OK. Never NULL; valid until the next such call on this
 * thread. */
const char* hogmf_last_error(void);

/* "OK", "INVALID_ARGUMENT", ...; "UNKNOWN" for a value outside the enum. */
const char* hogmf_status_name(hogmf_status status);

/* The library's version, "MAJOR.MINOR.PATCH". */
const char* hogmf_version(void);

/* ---- Handles ----------------------------------------------------------- */

/* A set of ratings with its user and item id maps. */
typedef struct hogmf_ratings hogmf_ratings;
/* A trained model: factors, biases, id maps, rated items. */
typedef struct hogmf_model hogmf_model;

/* An index that names no row (a user or item the model lacks). */
#define HOGMF_UNKNOWN_INDEX 0xFFFFFFFFu

/* Which side of the matrix a call is about. */
typedef enum hogmf_side { HOGMF_USERS = 0, HOGMF_ITEMS = 1 } hogmf_side;

/* ---- Ratings ----------------------------------------------------------- */

/* Reads a ratings file. format: "auto" (sniffed), "libmf", "pairs",
 * "movielens-tsv", "movielens-dat", "csv", "tsv", "dense", "binary"; NULL
 * means "auto". The column arguments (csv/tsv only) name a header column or a
 * 0-based position; NULL picks the usual names (userId, itemId, rating, ...).
 * HOGMF_NOT_FOUND for a missing file, HOGMF_INVALID_ARGUMENT for bad content
 * (the message names the file and line). */
hogmf_status hogmf_ratings_read(const char* path, const char* format, const char* user_column,
                                const char* item_column, const char* rating_column,
                                hogmf_ratings** out);

/* How hogmf_ratings_from_arrays turns integer ids into row indices. */
typedef enum hogmf_id_mapping {
  /* Each distinct id gets the next index in order of first appearance; the
   * ids of the rows are the ids in decimal. */
  HOGMF_IDS_DENSE = 0,
  /* The id is the index (LIBMF's convention): ids in 0 .. 2^32 - 2. */
  HOGMF_IDS_IDENTITY = 1
} hogmf_id_mapping;

/* Ratings from n parallel entries (users[j], items[j], values[j]); values may
 * be NULL (every value 1). The arrays are copied. HOGMF_INVALID_ARGUMENT for a
 * NULL array with n > 0, a NaN or infinite value, an id outside the mapping's
 * range; the message names the array and position ("values[17]: NaN"). */
hogmf_status hogmf_ratings_from_arrays(const int64_t* users, const int64_t* items,
                                       const float* values, size_t n, hogmf_id_mapping mapping,
                                       hogmf_ratings** out);

/* The sizes of the set; any out pointer may be NULL. */
hogmf_status hogmf_ratings_size(const hogmf_ratings* ratings, uint32_t* num_users,
                                uint32_t* num_items, uint64_t* num_ratings);

void hogmf_ratings_free(hogmf_ratings* ratings);

/* ---- Training ---------------------------------------------------------- */

/* Every knob of a training run. Fill it with hogmf_params_init, then change
 * fields. ABI rule: struct_size (set by init to sizeof(hogmf_params) of the
 * header the caller compiled against) tells the library how many bytes the
 * caller's struct has; fields past it take their defaults, and a struct larger
 * than the library knows is refused. Fields are only ever added at the end.
 * The fields are those of hogmf::TrainParams (include/hogmf/params.h),
 * which gives each one's meaning; a NULL name means the default. */
typedef struct hogmf_params {
  size_t struct_size;
  int k;                   /* latent factors: 1 .. 4096 */
  const char* loss;        /* "squared", "absolute", "kl", "logistic", "squared-hinge", "hinge",
                              "bpr-row", "bpr-column", "one-class-squared" */
  int biases;              /* -1: the loss's default; 0: off; 1: on */
  float learning_rate;     /* > 0 */
  const char* lr_schedule; /* "constant", "decay", "adagrad" */
  float lr_decay;          /* "decay" schedule's d: >= 0 */
  float l2_p;              /* L2 weight of user rows: >= 0, or negative: chosen from the data */
  float l2_q;              /* L2 weight of item rows: the same */
  float l1_p;              /* L1 weights: >= 0 */
  float l1_q;
  float l2_user_bias; /* bias L2 weights: >= 0, or negative: that of the side's factors */
  float l2_item_bias;
  int nonneg;                  /* nonzero: keep factors >= 0 */
  int clip;                    /* nonzero: clip predictions to the training range */
  int negatives;               /* one-class-squared: sampled negatives per positive, 1 .. 1000 */
  float negative_weight;       /* one-class-squared: weight of a negative: > 0 */
  int max_epochs;              /* >= 1, or 0: early stopping picks it (at most 100) */
  double holdout;              /* fraction held out to choose automatic fields: (0, 0.5] */
  uint64_t seed;               /* seed of every random draw */
  int threads;                 /* worker threads; 0: every core */
  const char* schedule;        /* "auto", "hogwild", "blocked" */
  int grid;                    /* blocked: bands per side; 0: automatic */
  const char* order;           /* hogwild: "auto", "shuffle", "chunks", "user-chunks" */
  int chunk_size;              /* ratings per chunk: 1 .. 2^24 */
  const char* isa;             /* SIMD kernel: "auto", "scalar", "avx2", ... */
  float init_scale;            /* initial factor scale; 0: automatic */
  double time_limit_seconds;   /* stop after this long; 0: no limit */
  int early_stop;              /* validation epochs without gain before stopping; 0: off */
  double early_stop_tolerance; /* relative gain that counts: [0, 1) */
  double stop_loss;            /* stop at this training loss; 0: off */
  double stop_rmse;            /* stop at this train RMSE; 0: off */
  double stop_validation_rmse; /* stop at this validation RMSE; 0: off */
  int monitor_ms;              /* loss sampling period, ms: 1 .. 3600000 */
  int monitor_sample;          /* ratings the monitor samples: >= 1 */
  /* Added after the first version (a caller whose struct_size ends above
     gets the default): */
  uint64_t max_memory_bytes; /* refuse to train when the estimated peak memory exceeds this;
                                0: the memory the process may use */
} hogmf_params;

/* Fills *params with the library's defaults (hogmf::TrainParams) and sets
 * struct_size. */
void hogmf_params_init(hogmf_params* params);

/* Exact figures at the end of one epoch, handed to the epoch callback.
 * struct_size is set by the library: fields added later are present when
 * struct_size covers them. */
typedef struct hogmf_epoch_stats {
  size_t struct_size;
  int epoch;        /* 1-based */
  uint64_t updates; /* SGD steps this epoch */
  int complete;     /* 0 when a stop rule ended the epoch early */
  double loss;      /* the objective over the training ratings */
  double train_rmse;
  double validation_rmse; /* -1 without a validation set */
  double validation_loss; /* -1 without a validation set */
  double seconds;         /* SGD time of the epoch */
  double elapsed_seconds; /* session time at the epoch's end */
  float learning_rate;
} hogmf_epoch_stats;

/* Called after every epoch on the calling thread; return nonzero to stop
 * training after this epoch (stop reason HOGMF_STOP_CALLBACK). */
typedef int (*hogmf_epoch_callback)(const hogmf_epoch_stats* stats, void* user_data);

/* Optional parts of a training run. Fill with hogmf_train_options_init. */
typedef struct hogmf_train_options {
  size_t struct_size;
  /* Held-out ratings in their own id space, for validation RMSE, early_stop
   * and stop_validation_rmse; NULL for none. */
  const hogmf_ratings* validation;
  hogmf_epoch_callback on_epoch; /* NULL for none */
  void* user_data;               /* passed to on_epoch */
  /* A flag the library polls (an atomic load, about every millisecond) while
   * training. Store a nonzero value into it from a signal handler (a plain
   * store) or another thread (an atomic store, e.g. GCC's and Clang's
   * __atomic_store_n(&flag, 1, __ATOMIC_RELAXED)) and training stops at its
   * next chunk, keeping the model as it is (HOGMF_STOP_CANCELLED). Nonzero
   * before the call: HOGMF_CANCELLED and no model. NULL for none. */
  const volatile int* cancel;
  int keep_rated_items; /* nonzero (the default): recommendations exclude rated items */
} hogmf_train_options;

void hogmf_train_options_init(hogmf_train_options* options);

/* Why training stopped. */
typedef enum hogmf_stop_reason {
  HOGMF_STOP_EPOCH_LIMIT = 0,
  HOGMF_STOP_LOSS_THRESHOLD = 1,
  HOGMF_STOP_RMSE_THRESHOLD = 2,
  HOGMF_STOP_TIME_LIMIT = 3,
  HOGMF_STOP_EARLY_STOP = 4,
  HOGMF_STOP_VALIDATION_RMSE_THRESHOLD = 5,
  HOGMF_STOP_CANCELLED = 6,
  HOGMF_STOP_CALLBACK = 7,
  HOGMF_STOP_DIVERGED = 8
} hogmf_stop_reason;

/* The figures of a finished run. The caller sets struct_size to
 * sizeof(hogmf_train_report); the library fills at most that many bytes. */
typedef struct hogmf_train_report {
  size_t struct_size;
  int epochs;
  uint64_t updates;
  double seconds; /* SGD time */
  double loss;
  double train_rmse;
  double validation_rmse; /* -1 without a validation set */
  hogmf_stop_reason stop_reason;
  int best_epoch; /* early stop: the epoch whose model was kept */
  int threads;    /* worker threads used */
  float l2_p;     /* the L2 weights used (automatic ones resolved) */
  float l2_q;
  int max_epochs;  /* the epoch limit used (automatic resolved) */
  char kernel[32]; /* the SIMD kernel used, NUL-terminated */
} hogmf_train_report;

/* Trains a model on `train` with `params` (NULL: the defaults) and `options`
 * (NULL: none). *out receives the model; report may be NULL.
 * HOGMF_INVALID_ARGUMENT for bad params (the message names the field), empty
 * ratings, a validation rule without a validation set; HOGMF_ABORTED when the
 * factors diverged; HOGMF_CANCELLED when *options->cancel was set before the
 * call. A cancel or a callback stop during training is HOGMF_OK. */
hogmf_status hogmf_train(const hogmf_ratings* train, const hogmf_params* params,
                         const hogmf_train_options* options, hogmf_model** out,
                         hogmf_train_report* report);

/* A warm start: continues a copy of `initial` on `train` (new or more
 * ratings; new users and items get fresh rows). params->k must be the model's
 * k; automatic epochs run 10 (or early-stop on a validation set). `initial`
 * is left as it is. The errors of hogmf_train. */
hogmf_status hogmf_train_continue(const hogmf_model* initial, const hogmf_ratings* train,
                                  const hogmf_params* params, const hogmf_train_options* options,
                                  hogmf_model** out, hogmf_train_report* report);

/* ---- Models ------------------------------------------------------------ */

/* The sizes of the model; any out pointer may be NULL. */
hogmf_status hogmf_model_dims(const hogmf_model* model, uint32_t* num_users, uint32_t* num_items,
                              int* k);

/* The factor rows of one side: rows x k floats, row r at data + r * row_stride
 * (row_stride >= k, the rest zero padding). The pointer stays valid while the
 * model lives; do not write through it. Any out pointer but data may be NULL. */
hogmf_status hogmf_model_factors(const hogmf_model* model, hogmf_side side, const float** data,
                                 uint32_t* rows, int* k, size_t* row_stride);

/* The training mean and the biases (num_users and num_items floats; both NULL
 * for a model without biases). Any out pointer may be NULL. */
hogmf_status hogmf_model_biases(const hogmf_model* model, float* mean, const float** user_biases,
                                const float** item_biases);

/* The id of row `index` of a side, written with its NUL into buf (size
 * bytes); *length (may be NULL) receives its length without the NUL.
 * HOGMF_OUT_OF_RANGE for an index >= the side's rows, or a buffer too small
 * (nothing written; *length is set). buf = NULL with size = 0 asks only for
 * the length. */
hogmf_status hogmf_model_id(const hogmf_model* model, hogmf_side side, uint32_t index, char* buf,
                            size_t size, size_t* length);

/* The index of the row with id `id` on a side; HOGMF_NOT_FOUND when the model
 * lacks it. */
hogmf_status hogmf_model_index(const hogmf_model* model, hogmf_side side, const char* id,
                               uint32_t* index);

/* Predictions of n pairs given by row index into out[0 .. n): the model's
 * score, clipped to the training range when the model clips. An index
 * HOGMF_UNKNOWN_INDEX stands for a row the model lacks (the pair gets the
 * model's score for an unseen row); any other index past the rows is
 * HOGMF_INVALID_ARGUMENT. */
hogmf_status hogmf_model_predict(const hogmf_model* model, const uint32_t* users,
                                 const uint32_t* items, size_t n, float* out);

/* The same for pairs given by id strings; an id the model lacks counts as
 * HOGMF_UNKNOWN_INDEX. *unknown (may be NULL) receives how many pairs had one. */
hogmf_status hogmf_model_predict_ids(const hogmf_model* model, const char* const* user_ids,
                                     const char* const* item_ids, size_t n, float* out,
                                     size_t* unknown);

/* The top_n items of each of n_users users (row indices), by raw score, best
 * first, excluding the items each user rated in training and items never
 * trained. User u's list fills out_items[u * top_n ...] and
 * out_scores[u * top_n ...] (out_scores may be NULL); out_size is the number
 * of elements of each array and must be at least n_users * top_n. A list
 * shorter than top_n ends with HOGMF_UNKNOWN_INDEX items scored -infinity;
 * out_counts (n_users elements, may be NULL) receives each list's length.
 * threads: 0 for every core. HOGMF_INVALID_ARGUMENT for top_n < 1 or a
 * small buffer, HOGMF_NOT_FOUND for a user index past the rows,
 * HOGMF_FAILED_PRECONDITION for a user without training ratings. */
hogmf_status hogmf_model_recommend(const hogmf_model* model, const uint32_t* users, size_t n_users,
                                   int top_n, int threads, uint32_t* out_items, float* out_scores,
                                   size_t out_size, uint32_t* out_counts);

/* RMSE and MAE of the model's predictions on `ratings` (in their own id
 * space: ids are matched by name). Any out pointer may be NULL; *unknown
 * counts pairs with a user or item the model lacks (predicted as the mean). */
hogmf_status hogmf_model_evaluate(const hogmf_model* model, const hogmf_ratings* ratings,
                                  double* rmse, double* mae, uint64_t* count, uint64_t* unknown);

/* A copy of `model` with the users of `ratings` folded in: each user's row
 * solved with the item factors fixed (new users appended, known ones
 * refitted). l2 < 0: the model's own weight. threads: 0 for every core.
 * HOGMF_INVALID_ARGUMENT for empty ratings or a model trained for a loss
 * other than squared. */
hogmf_status hogmf_model_fold_in(const hogmf_model* model, const hogmf_ratings* ratings, float l2,
                                 int threads, hogmf_model** out);

/* Saves in hogmf's binary format (atomically: a temporary file, renamed). */
hogmf_status hogmf_model_save(const hogmf_model* model, const char* path);
/* Loads a hogmf or LIBMF model file (the format is sniffed). */
hogmf_status hogmf_model_load(const char* path, hogmf_model** out);
/* Writes LIBMF's text model format (for LIBMF's mf-predict). */
hogmf_status hogmf_model_export_libmf(const hogmf_model* model, const char* path);

void hogmf_model_free(hogmf_model* model);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HOGMF_C_API_H_ */
