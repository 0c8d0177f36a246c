/* An example of hogmf's C API: reads ratings from a file (any format hogmf
 * sniffs), or generates a small planted set when none is given, trains a model
 * with the library's defaults (regularization and epochs chosen from the
 * data), and prints the top 5 items of the first few users.
 *
 *   train_and_recommend [RATINGS_FILE]
 *
 * Build: see docs/c_api.md (CMake: link hogmf::hogmf; otherwise
 * cc -std=c99 train_and_recommend.c $(pkg-config --cflags --libs hogmf)). */
#include <stdio.h>
#include <stdlib.h>

#include "hogmf/c_api.h"

enum { kUsers = 300, kItems = 200, kTop = 5, kShow = 3 };

/* Prints the last error of a failed call and exits. */
static void Check(hogmf_status status, const char* what) {
  if (status == HOGMF_OK) return;
  fprintf(stderr, "%s: %s: %s\n", what, hogmf_status_name(status), hogmf_last_error());
  exit(1);
}

/* Ratings 1 .. 5 from two hidden tastes, a quarter of the cells observed. */
static hogmf_ratings* Generate(void) {
  static int64_t users[kUsers * kItems], items[kUsers * kItems];
  static float values[kUsers * kItems];
  size_t n = 0;
  int u, i;
  hogmf_ratings* ratings = NULL;
  srand(1);
  for (u = 0; u < kUsers; ++u) {
    for (i = 0; i < kItems; ++i) {
      int taste = (u % 2 == i % 2) ? 2 : 0;
      if (rand() % 4 != 0) continue;
      users[n] = 1000 + u; /* any integer ids: the dense mapping numbers them */
      items[n] = 5000 + i;
      values[n] = (float)(2 + taste + (u % 3 == 0 ? 1 : 0) * (i % 3 == 0 ? 1 : -1) * 0.5);
      ++n;
    }
  }
  Check(hogmf_ratings_from_arrays(users, items, values, n, HOGMF_IDS_DENSE, &ratings), "ratings");
  return ratings;
}

int main(int argc, char** argv) {
  hogmf_ratings* ratings = NULL;
  hogmf_model* model = NULL;
  hogmf_params params;
  hogmf_train_report report;
  uint32_t num_users, num_items, count;
  uint32_t users[kShow], top[kShow * kTop], counts[kShow];
  float scores[kShow * kTop];
  uint32_t u, r;
  char id[256];

  if (argc > 1) {
    Check(hogmf_ratings_read(argv[1], NULL, NULL, NULL, NULL, &ratings), argv[1]);
  } else {
    ratings = Generate();
  }
  Check(hogmf_ratings_size(ratings, &num_users, &num_items, NULL), "size");

  hogmf_params_init(&params); /* the defaults; change fields after this */
  params.k = 16;
  report.struct_size = sizeof report;
  Check(hogmf_train(ratings, &params, NULL, &model, &report), "train");
  printf("hogmf %s: %u users, %u items; %d epochs, train RMSE %.4f, l2 %.4g (%s kernel)\n",
         hogmf_version(), num_users, num_items, report.epochs, report.train_rmse,
         (double)report.l2_p, report.kernel);

  count = num_users < kShow ? num_users : kShow;
  for (u = 0; u < count; ++u) users[u] = u;
  Check(hogmf_model_recommend(model, users, count, kTop, 0, top, scores, kShow * kTop, counts),
        "recommend");
  for (u = 0; u < count; ++u) {
    Check(hogmf_model_id(model, HOGMF_USERS, users[u], id, sizeof id, NULL), "user id");
    printf("user %u: %s:", u, id);
    for (r = 0; r < counts[u]; ++r) {
      Check(hogmf_model_id(model, HOGMF_ITEMS, top[u * kTop + r], id, sizeof id, NULL), "item id");
      printf(" %s (%.2f)", id, (double)scores[u * kTop + r]);
    }
    printf("\n");
  }
  hogmf_model_free(model);
  hogmf_ratings_free(ratings);
  return 0;
}
