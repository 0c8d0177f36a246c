/* A C99 program of the installed hogmf, through its C API: ratings from
 * arrays, a short training run, a user's recommendations, and a save/load round
 * trip that must predict the same. Usage: c_consumer FOLDER (where it writes
 * its model). */
#include <stdio.h>
#include <string.h>

#include "hogmf/c_api.h"

static int Fail(const char* what) {
  fprintf(stderr, "c_consumer: %s: %s\n", what, hogmf_last_error());
  return 1;
}

int main(int argc, char** argv) {
  int64_t users[60], items[60];
  float values[60];
  uint32_t user = 0, top[3], count = 0, pair_user = 1, pair_item = 2;
  size_t n = 0;
  float before = 0, after = 0;
  char path[1024];
  hogmf_ratings* ratings = NULL;
  hogmf_model* model = NULL;
  hogmf_model* loaded = NULL;
  hogmf_params params;
  int j;
  if (argc != 2) return 2;
  for (j = 0; j < 60; ++j) { /* 10 users x 6 items, a third of the cells left out */
    if ((j / 6 + j % 6) % 3 == 0) continue;
    users[n] = j / 6;
    items[n] = j % 6;
    values[n] = (float)(1 + (j / 6 + j % 6) % 5);
    ++n;
  }
  if (hogmf_ratings_from_arrays(users, items, values, n, HOGMF_IDS_IDENTITY, &ratings) != HOGMF_OK)
    return Fail("ratings");
  hogmf_params_init(&params);
  params.k = 4;
  params.l2_p = params.l2_q = 0.05f;
  params.max_epochs = 5;
  params.threads = 1;
  if (hogmf_train(ratings, &params, NULL, &model, NULL) != HOGMF_OK) return Fail("train");
  /* User 0 left out items 0 and 3: those two are its list. */
  if (hogmf_model_recommend(model, &user, 1, 3, 1, top, NULL, 3, &count) != HOGMF_OK)
    return Fail("recommend");
  if (count != 2 || (top[0] != 0 && top[0] != 3) || top[2] != HOGMF_UNKNOWN_INDEX) {
    fprintf(stderr, "c_consumer: user 0's list has %u items, first %u\n", count, top[0]);
    return 1;
  }
  snprintf(path, sizeof path, "%s/c_consumer.model", argv[1]);
  if (hogmf_model_save(model, path) != HOGMF_OK) return Fail("save");
  if (hogmf_model_load(path, &loaded) != HOGMF_OK) return Fail("load");
  if (hogmf_model_predict(model, &pair_user, &pair_item, 1, &before) != HOGMF_OK ||
      hogmf_model_predict(loaded, &pair_user, &pair_item, 1, &after) != HOGMF_OK)
    return Fail("predict");
  if (memcmp(&before, &after, sizeof before) != 0) {
    fprintf(stderr, "c_consumer: %g before saving, %g after loading\n", before, after);
    return 1;
  }
  printf("c_consumer: hogmf %s, prediction %.3f\n", hogmf_version(), before);
  hogmf_model_free(loaded);
  hogmf_model_free(model);
  hogmf_ratings_free(ratings);
  return 0;
}
