// End-to-end tests of the hogmf command line: every subcommand run as a
// process on files made by the test, checking output, exit codes and files.
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "hogmf/model.h"
#include "hogmf/model_io.h"
#include "model/model_internal.h"
#include "testing/status_matchers.h"

namespace hogmf {
namespace {

using ::hogmf::testing::ReadFileBytes;
using ::hogmf::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

class CliTest : public ::testing::Test {
 protected:
  // Runs `hogmf args...`, capturing stdout and stderr; with `piped_input`,
  // as `cat piped_input | hogmf args...`.
  CliRun Hogmf(const std::vector<std::string>& args, const std::string& piped_input = "") {
    const char* cli = std::getenv("HOGMF_CLI");
    EXPECT_NE(cli, nullptr) << "HOGMF_CLI must name the hogmf binary";
    std::string command;
    if (!piped_input.empty()) command = "cat " + Quote(piped_input) + " | ";
    command += Quote(cli ? cli : "hogmf");
    for (const std::string& arg : args) {
      command += ' ';
      command += Quote(arg);
    }
    const std::string out_path = dir_.File("stdout.txt");
    const std::string err_path = dir_.File("stderr.txt");
    command += " >";
    command += Quote(out_path);
    command += " 2>";
    command += Quote(err_path);
    const int status = std::system(command.c_str());
    CliRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = ReadFileBytes(out_path);
    run.err = ReadFileBytes(err_path);
    return run;
  }

  // Runs `script` with bash (pipefail set, standard input from /dev/null
  // unless the script redirects it), $HOGMF naming the binary, in the test's
  // folder; captures stdout and stderr.
  CliRun Sh(const std::string& script) {
    const char* cli = std::getenv("HOGMF_CLI");
    EXPECT_NE(cli, nullptr) << "HOGMF_CLI must name the hogmf binary";
    const std::string out_path = dir_.File("stdout.txt");
    const std::string err_path = dir_.File("stderr.txt");
    const std::string command = "cd " + Quote(dir_.path()) +
                                " && HOGMF=" + Quote(cli ? cli : "hogmf") + " bash -c " +
                                Quote("set -o pipefail; " + script) + " </dev/null >" +
                                Quote(out_path) + " 2>" + Quote(err_path);
    const int status = std::system(command.c_str());
    CliRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = ReadFileBytes(out_path);
    run.err = ReadFileBytes(err_path);
    return run;
  }

  bool Exists(const std::string& path) { return std::filesystem::exists(path); }

  // No temporary or partial file left in the folder besides `allowed`.
  std::vector<std::string> StrayFiles() {
    std::vector<std::string> stray;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      const std::string name = entry.path().filename().string();
      if (name.find(".tmp.") != std::string::npos) stray.push_back(name);
    }
    return stray;
  }

  TempDir dir_;
};

constexpr const char* kSeedDense =
    "5 3 0 1\n"
    "4 0 0 1\n"
    "1 1 0 5\n"
    "1 0 0 4\n"
    "0 1 5 4\n";

TEST_F(CliTest, SeedWorkedExampleThroughTheDenseFormat) {
  const std::string data = dir_.Write("seed.txt", kSeedDense);
  const std::string model = dir_.File("seed.model");
  CliRun train =
      Hogmf({"train", "--model=seed", "--format=dense", "--k=2", "--lr=0.0002", "--l2=0.02",
             "--epochs=5000", "--init-scale=1", "--threads=1", "--seed=1", "--quiet", data, model});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  ASSERT_TRUE(Exists(model));
  // Predictions for the observed entries, in file order (row by row).
  CliRun predict = Hogmf({"predict", "--format=dense", "--quiet", model, data});
  ASSERT_EQ(predict.exit_code, 0) << predict.err;
  const float observed[] = {5, 3, 1, 4, 1, 1, 1, 5, 1, 4, 1, 5, 4};
  std::istringstream lines(predict.out);
  double squared = 0;
  for (float expected : observed) {
    float predicted = 0;
    ASSERT_TRUE(lines >> predicted);
    EXPECT_NEAR(predicted, expected, 0.5);
    squared += (predicted - expected) * (predicted - expected);
  }
  EXPECT_LT(squared, 0.5);
  CliRun eval = Hogmf({"eval", "--format=dense", "--quiet", model, data});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_THAT(eval.out, HasSubstr("rmse "));
  EXPECT_THAT(eval.out, HasSubstr("mae "));
  // The missing entry (0, 2) is recommended: the only unrated item of user 0.
  CliRun recommend = Hogmf({"recommend", model, "--user=0", "--top=5"});
  ASSERT_EQ(recommend.exit_code, 0) << recommend.err;
  EXPECT_EQ(recommend.out.substr(0, 4), "1\t2\t");
  EXPECT_EQ(std::count(recommend.out.begin(), recommend.out.end(), '\n'), 1);
}

// Warm start from the command line: a second file with new users and items
// continues the first model, which then predicts them; --k must match.
TEST_F(CliTest, TrainContinuesAModelWithNewUsersAndItems) {
  const std::string first = dir_.Write("first.csv",
                                       "user,item,rating\n"
                                       "ann,heat,4\nann,alien,2\nbob,heat,5\nbob,up,3\n");
  const std::string second = dir_.Write("second.csv",
                                        "user,item,rating\n"
                                        "cat,heat,4\ncat,jaws,1\nann,jaws,2\nbob,alien,3\n");
  const std::string model = dir_.File("first.model");
  const std::string warm = dir_.File("warm.model");
  const std::string report = dir_.File("warm.json");
  CliRun train = Hogmf({"train", "--k=3", "--epochs=20", "--threads=1", "--quiet", first, model});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  CliRun again = Hogmf({"train", "--init-model=" + model, "--epochs=20", "--threads=1",
                        "--report=" + report, second, warm});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.err, HasSubstr("1 new users, 1 new items"));
  const std::string json = ReadFileBytes(report);
  EXPECT_THAT(json, HasSubstr("\"warm_start\": true"));
  EXPECT_THAT(json, HasSubstr("\"new_users\": 1,"));
  EXPECT_THAT(json, HasSubstr("\"new_items\": 1,"));
  EXPECT_THAT(json, HasSubstr("\"schedule\": \"hogwild\""));
  // The new user and item are known: their pair is predicted, not the mean.
  const std::string pairs = dir_.Write("pairs.csv", "user,item,rating\ncat,jaws,1\nbob,up,3\n");
  CliRun eval = Hogmf({"eval", warm, pairs});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_THAT(eval.out, HasSubstr("unseen_pairs 0"));
  CliRun recommend = Hogmf({"recommend", warm, "--user=cat", "--top=5"});
  ASSERT_EQ(recommend.exit_code, 0) << recommend.err;
  EXPECT_THAT(recommend.out, Not(HasSubstr("heat")));  // rated in the second file
  EXPECT_THAT(recommend.out, HasSubstr("alien"));
  // Another k than the model's is refused before reading the data.
  CliRun other_k = Hogmf({"train", "--init-model=" + model, "--k=4", second, warm});
  EXPECT_EQ(other_k.exit_code, 2);
  EXPECT_THAT(other_k.err, HasSubstr("has k = 3"));
  CliRun missing = Hogmf({"train", "--init-model=" + dir_.File("none.model"), second, warm});
  EXPECT_EQ(missing.exit_code, 2);
}

// Fold-in of users held back from training: new rows from their ratings,
// item factors untouched, the model saved to OUT.
TEST_F(CliTest, FoldInAddsUsersAndKeepsItems) {
  const std::string train_file = dir_.File("train.txt");
  CliRun gen =
      Hogmf({"gen", "--shape=lowrank", "--ratings=200000", "--seed=2", "--out=" + train_file});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  // Users 0..1799 train; users from 1800 are folded in from their even items
  // and checked on their odd ones.
  std::istringstream lines(ReadFileBytes(train_file));
  std::string trained, fold, check;
  long user, item;
  double value;
  while (lines >> user >> item >> value) {
    const std::string line =
        std::to_string(user) + " " + std::to_string(item) + " " + std::to_string(value) + "\n";
    (user < 1800 ? trained : item % 2 == 0 ? fold : check) += line;
  }
  const std::string trained_file = dir_.Write("trained.txt", trained);
  const std::string fold_file = dir_.Write("fold.txt", fold);
  const std::string check_file = dir_.Write("check.txt", check);
  const std::string model = dir_.File("m.model");
  const std::string folded = dir_.File("folded.model");
  CliRun train = Hogmf({"train", "--model=seed", "--k=10", "--lr=0.01", "--l2=0.02", "--epochs=30",
                        "--quiet", trained_file, model});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  CliRun before = Hogmf({"eval", "--quiet", model, check_file});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  CliRun foldin = Hogmf({"foldin", "--l2=0.02", model, fold_file, folded});
  ASSERT_EQ(foldin.exit_code, 0) << foldin.err;
  EXPECT_THAT(foldin.err, HasSubstr("new and 0 known users"));
  CliRun after = Hogmf({"eval", "--quiet", folded, check_file});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  double rmse_before = 0, rmse_after = 0;
  ASSERT_EQ(std::sscanf(before.out.c_str(), "rmse %lf", &rmse_before), 1);
  ASSERT_EQ(std::sscanf(after.out.c_str(), "rmse %lf", &rmse_after), 1);
  EXPECT_THAT(before.out, Not(HasSubstr("unseen_pairs 0")));  // the mean before
  EXPECT_THAT(after.out, HasSubstr("unseen_pairs 0"));
  EXPECT_LT(rmse_after, 0.8 * rmse_before);
  // Bad use: wrong arity, a missing model; nothing written.
  EXPECT_EQ(Hogmf({"foldin", model, fold_file}).exit_code, 2);
  const std::string none = dir_.File("none.model");
  EXPECT_EQ(Hogmf({"foldin", dir_.File("missing.model"), fold_file, none}).exit_code, 2);
  EXPECT_FALSE(Exists(none));
  EXPECT_EQ(Hogmf({"foldin", "--l2=-1", model, fold_file, none}).exit_code, 2);
  EXPECT_TRUE(StrayFiles().empty());
}

TEST_F(CliTest, GenTrainEvalRecommendWithStringIdsAndReport) {
  const std::string train_file = dir_.File("train.txt");
  const std::string test_file = dir_.File("test.txt");
  CliRun gen = Hogmf({"gen", "--shape=ml100k", "--ratings=20000", "--seed=4", "--out=" + train_file,
                      "--test-out=" + test_file});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string model = dir_.File("m.model");
  const std::string report = dir_.File("report.json");
  CliRun train = Hogmf({"train", "--k=8", "--epochs=5", "--threads=1", "--validation=" + test_file,
                        "--report=" + report, train_file, model});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  EXPECT_THAT(train.err, HasSubstr("as libmf (detected)"));
  EXPECT_THAT(train.err, HasSubstr("epoch   5/5"));
  EXPECT_THAT(train.err, HasSubstr("val_rmse"));
  const std::string json = ReadFileBytes(report);
  EXPECT_THAT(json, Not(HasSubstr("\"validation_rmse\": null")));
  for (const char* key :
       {"\"epochs\": 5", "\"updates\":", "\"seconds\":", "\"updates_per_second\":", "\"loss\":",
        "\"train_rmse\":", "\"validation_rmse\": ", "\"stop_reason\": \"epoch_limit\"",
        "\"order\": \"shuffle\"",
        "\"choose_seconds\":", "\"setup_seconds\":", "\"arrange_seconds\":", "\"fit_seconds\":",
        "\"validation_seconds\":", "\"read_seconds\":", "\"save_seconds\":"}) {
    EXPECT_THAT(json, HasSubstr(key));
  }
  // Without --exact-fit the report's fit is the monitor's estimate.
  EXPECT_THAT(json, HasSubstr("\"exact_fit\": false"));
  EXPECT_THAT(train.err, HasSubstr("shuffle order"));
  EXPECT_THAT(train.err, HasSubstr("time: read "));
  EXPECT_THAT(train.err, HasSubstr(" s, save "));
  // Stopping at a held-out RMSE: a target this easy is met after the first epoch.
  CliRun reached = Hogmf({"train", "--k=8", "--epochs=5", "--threads=1", "--order=chunks",
                          "--validation=" + test_file, "--stop-validation-rmse=5",
                          "--report=" + report, train_file});
  ASSERT_EQ(reached.exit_code, 0) << reached.err;
  const std::string reached_json = ReadFileBytes(report);
  EXPECT_THAT(reached_json, HasSubstr("\"stop_reason\": \"validation_rmse_threshold\""));
  EXPECT_THAT(reached_json, HasSubstr("\"epochs\": 1,"));
  EXPECT_THAT(reached_json, HasSubstr("\"order\": \"chunks\""));
  CliRun exact = Hogmf({"train", "--k=8", "--epochs=2", "--threads=1", "--exact-fit",
                        "--report=" + report, train_file});
  ASSERT_EQ(exact.exit_code, 0) << exact.err;
  const std::string exact_json = ReadFileBytes(report);
  EXPECT_THAT(exact_json, HasSubstr("\"exact_fit\": true"));
  CliRun eval = Hogmf({"eval", model, test_file});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  double rmse = 0;
  ASSERT_EQ(std::sscanf(eval.out.c_str(), "rmse %lf", &rmse), 1);
  EXPECT_GT(rmse, 0.5);
  EXPECT_LT(rmse, 1.3);
  CliRun recommend = Hogmf({"recommend", model, "--user=1", "--top=5"});
  ASSERT_EQ(recommend.exit_code, 0) << recommend.err;
  EXPECT_EQ(std::count(recommend.out.begin(), recommend.out.end(), '\n'), 5);
  EXPECT_TRUE(StrayFiles().empty());
}

TEST_F(CliTest, CsvWithStringIdsAndUnseenPairs) {
  const std::string train = dir_.Write("r.csv",
                                       "userId,movieId,rating,timestamp\n"
                                       "alice,Heat,5,1\nalice,Alien,3,2\nbob,Heat,4,3\n"
                                       "bob,Up,2,4\ncarol,Alien,4,5\ncarol,Up,1,6\n");
  const std::string test = dir_.Write("t.csv",
                                      "userId,movieId,rating,timestamp\n"
                                      "alice,Up,3,7\nzed,Heat,4,8\n");
  const std::string model = dir_.File("m.model");
  CliRun run = Hogmf({"train", "--k=2", "--epochs=20", "--quiet", train, model});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  CliRun eval = Hogmf({"eval", model, test});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_THAT(eval.out, HasSubstr("unseen_pairs 1"));
  CliRun recommend = Hogmf({"recommend", model, "--user=alice", "--top=3"});
  ASSERT_EQ(recommend.exit_code, 0) << recommend.err;
  EXPECT_EQ(recommend.out.substr(0, 5), "1\tUp\t");
  EXPECT_EQ(std::count(recommend.out.begin(), recommend.out.end(), '\n'), 1);
  EXPECT_THAT(recommend.out, Not(HasSubstr("Heat")));
  CliRun unknown = Hogmf({"recommend", model, "--user=nobody"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("nobody"));
}

// Implicit feedback: a "user item" pairs file is sniffed as pairs and trains a
// one-class model that recommends items the user has not seen; a csv whose
// header names only a user and an item column trains the same way.
TEST_F(CliTest, ImplicitPairsAndTwoColumnCsvTrainOneClassModels) {
  std::string pairs;
  std::string csv = "user,item\n";
  for (int user = 0; user < 8; ++user) {
    for (int item = user % 3; item < 10; item += 3) {
      const std::string u = std::to_string(user);
      const std::string i = std::to_string(item);
      pairs.append(u).append(" ").append(i).append("\n");
      csv.append("u").append(u).append(",i").append(i).append("\n");
    }
  }
  const std::string data = dir_.Write("pairs.txt", pairs);
  const std::string model = dir_.File("m");
  CliRun train =
      Hogmf({"train", "--loss=bpr-row", "--k=4", "--epochs=2", "--threads=1", data, model});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  EXPECT_THAT(train.err, HasSubstr("as pairs (detected)"));
  EXPECT_THAT(train.err, HasSubstr("8 users, 10 items"));
  // User 1 saw items 1, 4 and 7: three of the other seven are listed.
  CliRun recommend = Hogmf({"recommend", model, "--user=1", "--top=3"});
  ASSERT_EQ(recommend.exit_code, 0) << recommend.err;
  std::istringstream lines(recommend.out);
  std::string line;
  int listed = 0;
  while (std::getline(lines, line)) {
    int rank = 0;
    int item = -1;
    ASSERT_EQ(std::sscanf(line.c_str(), "%d\t%d\t", &rank, &item), 2) << line;
    EXPECT_EQ(rank, ++listed);
    EXPECT_GE(item, 0);
    EXPECT_LT(item, 10);
    EXPECT_NE(item % 3, 1) << "item " << item << " was seen by user 1";
  }
  EXPECT_EQ(listed, 3) << recommend.out;

  const std::string csv_data = dir_.Write("clicks.csv", csv);
  const std::string csv_model = dir_.File("c");
  CliRun csv_train = Hogmf({"train", "--loss=one-class-squared", "--k=4", "--epochs=2",
                            "--threads=1", csv_data, csv_model});
  ASSERT_EQ(csv_train.exit_code, 0) << csv_train.err;
  EXPECT_THAT(csv_train.err, HasSubstr("as csv (detected): 27 ratings, 8 users, 10 items"));
  CliRun csv_recommend = Hogmf({"recommend", csv_model, "--user=u1", "--top=3"});
  ASSERT_EQ(csv_recommend.exit_code, 0) << csv_recommend.err;
  EXPECT_EQ(std::count(csv_recommend.out.begin(), csv_recommend.out.end(), '\n'), 3);
  EXPECT_THAT(csv_recommend.out, Not(HasSubstr("\ti4\t")));

  // The same pairs, converted back out of the csv, read as pairs again.
  const std::string round = dir_.File("round.txt");
  CliRun convert = Hogmf({"convert", "--to=pairs", "--quiet", csv_data, round});
  ASSERT_EQ(convert.exit_code, 0) << convert.err;
  EXPECT_EQ(ReadFileBytes(round).substr(0, 8), "0 0\n0 1\n");  // dense indices
  CliRun reread = Hogmf({"convert", "--to=binary", round, dir_.File("round.bin")});
  ASSERT_EQ(reread.exit_code, 0) << reread.err;
  EXPECT_THAT(reread.err, HasSubstr("as pairs (detected): 27 ratings, 8 users, 10 items"));
}

// eval --metrics: the lines asked for, in their order, with values in range;
// the default lines unchanged; unknown names and bad cutoffs are usage errors.
TEST_F(CliTest, EvalRankingMetrics) {
  const std::string train_file = dir_.File("train.txt");
  const std::string test_file = dir_.File("test.txt");
  CliRun gen = Hogmf({"gen", "--shape=ml100k", "--ratings=20000", "--seed=5", "--out=" + train_file,
                      "--test-out=" + test_file});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string model = dir_.File("m.model");
  CliRun train =
      Hogmf({"train", "--k=8", "--epochs=5", "--threads=1", "--quiet", train_file, model});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  CliRun plain = Hogmf({"eval", "--quiet", model, test_file});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_THAT(plain.out,
              ::testing::MatchesRegex("rmse [0-9.]+\nmae [0-9.]+\nunseen_pairs [0-9]+\n"));
  CliRun ranked = Hogmf({"eval", "--metrics=rmse,mae,auc,precision@10,recall@5,ndcg@10,map@10,mpr",
                         "--relevant=4", model, test_file});
  ASSERT_EQ(ranked.exit_code, 0) << ranked.err;
  EXPECT_THAT(ranked.err, HasSubstr("users skipped"));
  std::istringstream lines(ranked.out);
  const std::vector<std::string> names = {"rmse",     "mae",     "auc",    "precision@10",
                                          "recall@5", "ndcg@10", "map@10", "mpr"};
  for (const std::string& expected : names) {
    std::string name;
    double value = -1;
    ASSERT_TRUE(lines >> name >> value) << ranked.out;
    EXPECT_EQ(name, expected);
    EXPECT_GE(value, 0.0) << name;
    if (name != "rmse" && name != "mae") {
      EXPECT_LE(value, 1.0) << name;
    }
  }
  std::string extra;
  EXPECT_FALSE(lines >> extra) << ranked.out;
  // rmse and mae print as they do by default.
  EXPECT_EQ(ranked.out.substr(0, ranked.out.find("auc")),
            plain.out.substr(0, plain.out.find("unseen_pairs")));
  // A bare name means @10.
  CliRun bare = Hogmf({"eval", "--quiet", "--metrics=ndcg", model, test_file});
  ASSERT_EQ(bare.exit_code, 0) << bare.err;
  EXPECT_EQ(bare.out.substr(0, 8), "ndcg@10 ");
  for (const char* bad : {"--metrics=rmse,accuracy", "--metrics=precision@0", "--metrics=auc@3",
                          "--metrics=recall@x"}) {
    CliRun run = Hogmf({"eval", bad, model, test_file});
    EXPECT_EQ(run.exit_code, 2) << bad;
    EXPECT_THAT(run.err, HasSubstr("metric")) << bad;
    EXPECT_TRUE(run.out.empty()) << bad;
  }
}

// eval --baseline=popularity ranks by the users per item in training: Heat 4,
// Alien 3, Jaws 2, Up 1. alice (rated Heat) ranks Alien, Jaws, Up: Jaws at
// 2, above Up only (AUC 0.5, percentile 0.5); bob (Heat, Alien) ranks Jaws,
// Up: Up at 2 (AUC 0, percentile 1); carol (Heat, Alien, Jaws) has only Up,
// at 1 (no AUC); dan's test item was rated in training: skipped. The model's
// own scores play no part; a model without rated items is an error, and so
// are a non-ranking metric and an unknown baseline.
TEST_F(CliTest, EvalPopularityBaseline) {
  const std::string train = dir_.Write("r.csv",
                                       "userId,movieId,rating,timestamp\n"
                                       "alice,Heat,1,1\nbob,Heat,1,2\nbob,Alien,1,3\n"
                                       "carol,Heat,1,4\ncarol,Alien,1,5\ncarol,Jaws,1,6\n"
                                       "dan,Heat,1,7\ndan,Alien,1,8\ndan,Jaws,1,9\n"
                                       "dan,Up,1,10\n");
  const std::string test = dir_.Write("t.csv",
                                      "userId,movieId,rating,timestamp\n"
                                      "alice,Jaws,1,11\nbob,Up,1,12\ncarol,Up,1,13\n"
                                      "dan,Heat,1,14\n");
  const std::string model = dir_.File("m.model");
  CliRun run = Hogmf({"train", "--k=2", "--epochs=5", "--quiet", train, model});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string metrics = "--metrics=precision@1,recall@2,ndcg@2,auc,mpr";
  CliRun eval = Hogmf({"eval", "--baseline=popularity", metrics, model, test});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_THAT(eval.err, HasSubstr("ranked 3 users (3 relevant entries); 1 users skipped"));
  const double ndcg = (2.0 / std::log2(3.0) + 1.0) / 3.0;
  EXPECT_EQ(eval.out, absl::StrFormat("precision@1 0.333333\nrecall@2 1.000000\nndcg@2 %.6f\n"
                                      "auc 0.250000\nmpr 0.750000\n",
                                      ndcg));
  const std::string bare = dir_.File("bare.model");
  CliRun train_bare =
      Hogmf({"train", "--k=2", "--epochs=5", "--nokeep-rated", "--quiet", train, bare});
  ASSERT_EQ(train_bare.exit_code, 0) << train_bare.err;
  CliRun no_rated = Hogmf({"eval", "--baseline=popularity", metrics, bare, test});
  EXPECT_NE(no_rated.exit_code, 0);
  EXPECT_THAT(no_rated.err, HasSubstr("rated items"));
  EXPECT_TRUE(no_rated.out.empty());
  CliRun rmse = Hogmf({"eval", "--baseline=popularity", model, test});
  EXPECT_EQ(rmse.exit_code, 2);
  EXPECT_THAT(rmse.err, HasSubstr("'rmse' is not a ranking metric"));
  CliRun unknown = Hogmf({"eval", "--baseline=random", metrics, model, test});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown --baseline 'random'"));
}

// recommend --all-users and --users: 'user item rank score' lines, users in
// order, each list what --user gives; OUT holds what stdout would.
TEST_F(CliTest, RecommendForAllUsersAndAUsersFile) {
  const std::string train = dir_.Write("r.csv",
                                       "userId,movieId,rating,timestamp\n"
                                       "alice,Heat,5,1\nalice,Alien,3,2\nbob,Heat,4,3\n"
                                       "bob,Up,2,4\ncarol,Alien,4,5\ncarol,Up,1,6\n"
                                       "dan,Jaws,4,7\n");
  const std::string model = dir_.File("m.model");
  CliRun run = Hogmf({"train", "--k=2", "--epochs=20", "--quiet", train, model});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  CliRun all = Hogmf({"recommend", model, "--all-users", "--top=2", "--quiet"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_TRUE(all.err.empty()) << all.err;
  // Four users, four items: alice and bob rated two (two left), carol two, dan one.
  std::istringstream lines(all.out);
  std::string user, item, score;
  int rank = 0;
  std::vector<std::string> users;
  std::map<std::string, std::vector<std::string>> lists;
  while (lines >> user >> item >> rank >> score) {
    if (users.empty() || users.back() != user) users.push_back(user);
    lists[user].push_back(item);
    EXPECT_EQ(rank, static_cast<int>(lists[user].size()));
    EXPECT_NE(score.find('.'), std::string::npos);
  }
  EXPECT_THAT(users, ::testing::ElementsAre("alice", "bob", "carol", "dan"));
  EXPECT_THAT(lists["alice"], ::testing::UnorderedElementsAre("Up", "Jaws"));
  EXPECT_THAT(lists["bob"], ::testing::UnorderedElementsAre("Alien", "Jaws"));
  EXPECT_EQ(lists["dan"].size(), 2u);
  EXPECT_EQ(std::count(all.out.begin(), all.out.end(), '\n'), 8);
  EXPECT_EQ(std::count(all.out.begin(), all.out.end(), '\t'), 24);
  // Each list is the single-user list.
  for (const std::string& name : users) {
    CliRun one = Hogmf({"recommend", model, "--user=" + name, "--top=2"});
    ASSERT_EQ(one.exit_code, 0) << one.err;
    std::string expected;
    std::istringstream single(one.out);
    int r = 0;
    std::string it, sc;
    while (single >> r >> it >> sc)
      expected += name + "\t" + it + "\t" + std::to_string(r) + "\t" + sc + "\n";
    EXPECT_THAT(all.out, HasSubstr(expected)) << name;
  }
  // To a file: the same bytes.
  const std::string out = dir_.File("all.tsv");
  CliRun to_file = Hogmf({"recommend", model, "--all-users", "--top=2", "--threads=2", out});
  ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
  EXPECT_THAT(to_file.err, HasSubstr("recommended 8 items to 4 users"));
  EXPECT_TRUE(to_file.out.empty());
  EXPECT_EQ(ReadFileBytes(out), all.out);
  // A users file: its order, blank lines skipped, repeats kept.
  const std::string some = dir_.Write("some.txt", "carol\n\n alice \r\ncarol\n");
  CliRun listed = Hogmf({"recommend", model, "--users=" + some, "--top=1"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::istringstream listed_lines(listed.out);
  std::vector<std::string> order;
  while (listed_lines >> user >> item >> rank >> score) order.push_back(user);
  EXPECT_THAT(order, ::testing::ElementsAre("carol", "alice", "carol"));
  // An id the model lacks: an error naming the line, or skipped on request.
  const std::string unknown = dir_.Write("unknown.txt", "alice\nzed\n");
  CliRun failed = Hogmf({"recommend", model, "--users=" + unknown, out + ".2"});
  EXPECT_EQ(failed.exit_code, 2);
  EXPECT_THAT(failed.err, HasSubstr("unknown.txt:2: user 'zed' is not in the model"));
  EXPECT_FALSE(Exists(out + ".2"));
  CliRun skipped = Hogmf({"recommend", model, "--users=" + unknown, "--skip-unknown", "--top=1"});
  ASSERT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_THAT(skipped.err, HasSubstr("skipped 1 users"));
  EXPECT_EQ(std::count(skipped.out.begin(), skipped.out.end(), '\n'), 1);
  // Usage errors: no form, two forms, OUT with --user, a bad --top.
  EXPECT_EQ(Hogmf({"recommend", model}).exit_code, 2);
  EXPECT_EQ(Hogmf({"recommend", model, "--user=alice", "--all-users"}).exit_code, 2);
  EXPECT_EQ(Hogmf({"recommend", model, "--user=alice", out}).exit_code, 2);
  EXPECT_EQ(Hogmf({"recommend", model, "--all-users", "--top=0"}).exit_code, 2);
  CliRun missing = Hogmf({"recommend", model, "--users=" + dir_.File("none.txt")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("none.txt"));
  EXPECT_TRUE(StrayFiles().empty());
}

TEST_F(CliTest, BinaryConversionTrainsToTheSameModel) {
  const std::string text = dir_.File("d.txt");
  ASSERT_EQ(Hogmf({"gen", "--shape=lowrank", "--ratings=30000", "--users=500", "--items=300",
                   "--out=" + text})
                .exit_code,
            0);
  const std::string binary = dir_.File("d.bin");
  CliRun convert = Hogmf({"convert", text, binary});
  ASSERT_EQ(convert.exit_code, 0) << convert.err;
  const std::string m1 = dir_.File("a.model"), m2 = dir_.File("b.model");
  ASSERT_EQ(Hogmf({"train", "--epochs=3", "--threads=1", "--quiet", text, m1}).exit_code, 0);
  CliRun from_binary = Hogmf({"train", "--epochs=3", "--threads=1", binary, m2});
  ASSERT_EQ(from_binary.exit_code, 0) << from_binary.err;
  EXPECT_THAT(from_binary.err, HasSubstr("as binary (detected)"));
  EXPECT_EQ(ReadFileBytes(m1), ReadFileBytes(m2));
}

// The LIBMF export scores every training pair as the native model does, for
// the default model (biases folded into two columns; raw scores) and a plain
// one, whose held-out RMSE is the same too (unseen pairs predict the mean in
// both).
// Ratings piped in (`cat f | hogmf train /dev/stdin m`) train the model the
// file itself trains (one thread, same seed); an empty pipe is an empty file.
TEST_F(CliTest, TrainsFromAPipe) {
  const std::string data = dir_.File("r.txt");
  ASSERT_EQ(
      Hogmf({"gen", "--shape=ml100k", "--ratings=5000", "--quiet", "--out=" + data}).exit_code, 0);
  const std::string from_pipe = dir_.File("pipe.model"), from_file = dir_.File("file.model");
  CliRun piped = Hogmf({"train", "--model=seed", "--threads=1", "/dev/stdin", from_pipe}, data);
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_THAT(piped.err, HasSubstr("read /dev/stdin as libmf (detected): 5000 ratings"));
  ASSERT_EQ(Hogmf({"train", "--model=seed", "--threads=1", "--quiet", data, from_file}).exit_code,
            0);
  EXPECT_EQ(ReadFileBytes(from_pipe), ReadFileBytes(from_file));
  const std::string empty = dir_.Write("empty.txt", "");
  CliRun nothing = Hogmf({"train", "/dev/stdin", dir_.File("none.model")}, empty);
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_THAT(nothing.err, HasSubstr("/dev/stdin: empty input: the stream was empty"));
}

TEST_F(CliTest, LibmfModelExportGivesTheSameScores) {
  const std::string train = dir_.File("tr.txt"), test = dir_.File("te.txt");
  ASSERT_EQ(
      Hogmf({"gen", "--shape=ml100k", "--ratings=10000", "--out=" + train, "--test-out=" + test})
          .exit_code,
      0);
  const std::string model = dir_.File("m.model"), libmf = dir_.File("m.libmf");
  ASSERT_EQ(Hogmf({"train", "--k=4", "--epochs=3", "--quiet", train, model}).exit_code, 0);
  CliRun convert = Hogmf({"convert", "--to=libmf", model, libmf});
  ASSERT_EQ(convert.exit_code, 0) << convert.err;
  EXPECT_EQ(ReadFileBytes(libmf).substr(0, 10), "f 0\nm 943\n");
  EXPECT_THAT(ReadFileBytes(libmf), HasSubstr("\nk 6\n"));  // k + 2 bias columns
  CliRun native = Hogmf({"predict", "--noclip", "--quiet", model, train});
  CliRun exported = Hogmf({"predict", "--quiet", libmf, train});
  ASSERT_EQ(native.exit_code, 0) << native.err;
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::istringstream a_lines(native.out), b_lines(exported.out);
  double a = 0, b = 0;
  int compared = 0;
  while (a_lines >> a && b_lines >> b) {
    EXPECT_NEAR(a, b, 1e-5 * (1 + std::abs(a)));
    ++compared;
  }
  const std::string held_out = ReadFileBytes(test);
  EXPECT_EQ(compared, 10000 - std::count(held_out.begin(), held_out.end(), '\n'));

  const std::string plain = dir_.File("p.model"), plain_libmf = dir_.File("p.libmf");
  ASSERT_EQ(
      Hogmf({"train", "--model=seed", "--k=4", "--epochs=3", "--quiet", train, plain}).exit_code,
      0);
  ASSERT_EQ(Hogmf({"convert", "--to=libmf", plain, plain_libmf}).exit_code, 0);
  CliRun plain_native = Hogmf({"eval", "--quiet", plain, test});
  CliRun plain_exported = Hogmf({"eval", "--quiet", plain_libmf, test});
  ASSERT_EQ(plain_native.exit_code, 0) << plain_native.err;
  ASSERT_EQ(plain_exported.exit_code, 0) << plain_exported.err;
  ASSERT_EQ(std::sscanf(plain_native.out.c_str(), "rmse %lf", &a), 1);
  ASSERT_EQ(std::sscanf(plain_exported.out.c_str(), "rmse %lf", &b), 1);
  EXPECT_NEAR(a, b, 1e-5);
}

// A model with biases that clips to [1, 5], made through the library: every
// model command reads it; predict clips unless --noclip; the LIBMF export
// keeps the raw scores of seen pairs.
TEST_F(CliTest, ModelCommandsOnABiasedClippingModel) {
  using internal::ModelInternal;
  Model built(2, IdMap::Identity(3), IdMap::Identity(3));
  ModelInternal::set_mean(built, 3.0f);
  ModelInternal::AddBiases(built);
  const float p[3][2] = {{1, 0}, {2, 1}, {-3, 0}};
  const float q[3][2] = {{1, 1}, {-1, 0}, {0.5f, 0.5f}};
  const float b_u[3] = {0, 1, -1};
  const float b_i[3] = {0, 0.5f, 2};
  for (uint32_t r = 0; r < 3; ++r) {
    for (int d = 0; d < 2; ++d) {
      ModelInternal::user_factors(built).row(r)[d] = p[r][d];
      ModelInternal::item_factors(built).row(r)[d] = q[r][d];
    }
    ModelInternal::user_biases(built)[r] = b_u[r];
    ModelInternal::item_biases(built)[r] = b_i[r];
    ModelInternal::set_user_seen(built, r, true);
    ModelInternal::set_item_seen(built, r, true);
  }
  ModelInternal::set_value_range(built, 1.0f, 5.0f, true);
  const std::string model = dir_.File("biased.model");
  ASSERT_TRUE(SaveModel(built, model).ok());
  // Scores 3 + 0 + 0 + 1 = 4, 3 + 1 + 2 + 1.5 = 7.5, 3 - 1 + 0 - 3 = -1, and
  // an unknown item: mean + b_u = 4.
  const std::string data = dir_.Write("pairs.txt", "0 0 4\n1 2 5\n2 0 1\n1 7 4\n");
  CliRun clipped = Hogmf({"predict", "--format=libmf", "--quiet", model, data});
  ASSERT_EQ(clipped.exit_code, 0) << clipped.err;
  EXPECT_EQ(clipped.out, "4\n5\n1\n4\n");
  CliRun raw = Hogmf({"predict", "--format=libmf", "--quiet", "--noclip", model, data});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(raw.out, "4\n7.5\n-1\n4\n");
  CliRun eval = Hogmf({"eval", "--format=libmf", "--quiet", model, data});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_THAT(eval.out, HasSubstr("unseen_pairs 1"));
  // The two best items of user 1 are 2 (score 7.5) and 0 (7); item 1 scores 2.5.
  CliRun recommend = Hogmf({"recommend", model, "--user=1", "--top=2"});
  ASSERT_EQ(recommend.exit_code, 0) << recommend.err;
  EXPECT_EQ(std::count(recommend.out.begin(), recommend.out.end(), '\n'), 2);
  EXPECT_THAT(recommend.out, Not(HasSubstr("\t1\t")));
  // LIBMF has no biases and no clipping: k + 2 columns, raw scores; the
  // unknown item predicts b.
  const std::string libmf = dir_.File("biased.libmf");
  CliRun convert = Hogmf({"convert", "--to=libmf", model, libmf});
  ASSERT_EQ(convert.exit_code, 0) << convert.err;
  EXPECT_THAT(ReadFileBytes(libmf), ::testing::StartsWith("f 0\nm 3\nn 3\nk 4\nb 3\n"));
  CliRun exported = Hogmf({"predict", "--format=libmf", "--quiet", libmf, data});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out, "4\n7.5\n-1\n3\n");
}

TEST_F(CliTest, BadInputIsExitTwoWithFileAndLineAndNoModelLeft) {
  const std::string bad = dir_.Write("bad.txt", "0 0 5\n1 1 4\n2 x 3\n");
  const std::string model = dir_.File("never.model");
  CliRun run = Hogmf({"train", "--quiet", bad, model});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("bad.txt:3"));
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_FALSE(Exists(model));
  EXPECT_TRUE(StrayFiles().empty());

  CliRun missing = Hogmf({"train", dir_.File("nope.txt"), model});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("nope.txt"));

  const std::string empty = dir_.Write("empty.txt", "");
  EXPECT_EQ(Hogmf({"train", empty, model}).exit_code, 2);
  EXPECT_FALSE(Exists(model));

  const std::string not_a_model = dir_.Write("junk.model", "hello\n");
  CliRun eval = Hogmf({"eval", not_a_model, bad});
  EXPECT_EQ(eval.exit_code, 2);
  EXPECT_THAT(eval.err, HasSubstr("junk.model"));
}

// A preset with flags over it: the preset's sizes, the flags' scale and
// counts; implicit presets write value 1; unknown names fail with the list.
TEST_F(CliTest, GenPresetsTakeFlagsOverTheirValues) {
  const std::string books = dir_.File("books.txt");
  CliRun gen = Hogmf({"gen", "--shape=book-like", "--ratings=5000", "--users=1000", "--items=3000",
                      "--scale-min=0", "--scale-step=0.5", "--out=" + books});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  EXPECT_THAT(gen.err, HasSubstr("5000 book-like ratings (1000 users, 3000 items)"));
  std::istringstream lines(ReadFileBytes(books));
  long user, item;
  double value;
  int count = 0;
  bool saw_half = false;
  while (lines >> user >> item >> value) {
    ++count;
    ASSERT_GE(value, 0.0);
    ASSERT_LE(value, 10.0);
    ASSERT_EQ(2 * value, std::round(2 * value)) << value;
    saw_half |= value != std::round(value);
  }
  EXPECT_EQ(count, 5000);
  EXPECT_TRUE(saw_half);

  const std::string clicks = dir_.File("clicks.txt"), held = dir_.File("held.txt");
  ASSERT_EQ(Hogmf({"gen", "--quiet", "--shape=implicit-like", "--ratings=20000", "--users=2000",
                   "--items=1000", "--rank=4", "--out=" + clicks, "--test-out=" + held})
                .exit_code,
            0);
  const std::string held_text = ReadFileBytes(held);
  EXPECT_FALSE(held_text.empty());
  std::istringstream held_lines(held_text);
  while (held_lines >> user >> item >> value) ASSERT_EQ(value, 1.0);

  CliRun unknown = Hogmf({"gen", "--shape=movielens", "--out=" + dir_.File("x.txt")});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("movielens-like"));
  CliRun off_grid =
      Hogmf({"gen", "--shape=realistic", "--scale-step=0.3", "--out=" + dir_.File("y.txt")});
  EXPECT_EQ(off_grid.exit_code, 2);
  EXPECT_THAT(off_grid.err, HasSubstr("whole number of steps"));
}

TEST_F(CliTest, UsageErrorsAndHelp) {
  EXPECT_EQ(Hogmf({}).exit_code, 2);
  EXPECT_EQ(Hogmf({"frobnicate"}).exit_code, 2);
  for (const char* command : {"train", "predict", "eval", "recommend", "convert", "gen"}) {
    CliRun help = Hogmf({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_THAT(help.out, HasSubstr("usage: hogmf")) << command;
  }
  CliRun train_help = Hogmf({"train", "--help"});
  for (const char* flag : {"--format", "--k", "--lr", "--l2", "--epochs", "--threads", "--seed",
                           "--stop-loss", "--stop-rmse", "--stop-validation-rmse", "--order",
                           "--validation", "--quiet", "--report"}) {
    EXPECT_THAT(train_help.out, HasSubstr(flag));
  }
  const std::string data = dir_.Write("d.txt", "0 0 1\n");
  CliRun bad_flag = Hogmf({"train", "--bogus=1", data});
  EXPECT_EQ(bad_flag.exit_code, 2);
  EXPECT_THAT(bad_flag.err, HasSubstr("--bogus"));
  CliRun bad_k = Hogmf({"train", "--k=0", data});
  EXPECT_EQ(bad_k.exit_code, 2);
  EXPECT_THAT(bad_k.err, HasSubstr("k"));
  CliRun bad_lr = Hogmf({"train", "--lr=nan", data});
  EXPECT_EQ(bad_lr.exit_code, 2);
  CliRun not_number = Hogmf({"train", "--epochs=many", data});
  EXPECT_EQ(not_number.exit_code, 2);
  // The model flags: each bad value names the flag and the value given.
  const std::pair<const char*, const char*> bad_model_flags[] = {
      {"--l2=-1", "--l2=-1"},           {"--l2=1,2,3", "--l2=1,2,3"},
      {"--l2=abc", "--l2=abc"},         {"--l2-bias=-0.5", "--l2-bias=-0.5"},
      {"--l1=nan", "--l1=nan"},         {"--epochs=0", "--epochs=0"},
      {"--loss=foo", "unknown loss"},   {"--biases=maybe", "--biases=maybe"},
      {"--model=fast", "--model=fast"}, {"--holdout=0.9", "holdout"},
      {"--negatives=0", "negatives"},   {"--early-stop-tolerance=1", "early_stop_tolerance"},
  };
  for (const auto& [flag, message] : bad_model_flags) {
    CliRun bad = Hogmf({"train", flag, data});
    EXPECT_EQ(bad.exit_code, 2) << flag;
    EXPECT_THAT(bad.err, HasSubstr(message)) << flag;
  }
  CliRun bpr_biases = Hogmf({"train", "--loss=bpr", "--biases=true", data});
  EXPECT_EQ(bpr_biases.exit_code, 2);
  EXPECT_THAT(bpr_biases.err, HasSubstr("pairwise"));
}

TEST_F(CliTest, DivergenceIsExitOneWithAdviceAndNoModel) {
  const std::string data = dir_.Write("seed.txt", kSeedDense);
  const std::string model = dir_.File("x.model");
  CliRun run = Hogmf({"train", "--format=dense", "--lr=50", "--epochs=50", "--quiet", data, model});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("learning rate"));
  EXPECT_FALSE(Exists(model));
}

// The number after `key` in a JSON text (NaN when absent).
double JsonValue(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\": ");
  if (at == std::string::npos) return std::nan("");
  return std::strtod(json.c_str() + at + key.size() + 4, nullptr);
}

TEST_F(CliTest, CvPrintsEachFoldAndTheMeanAndSd) {
  const std::string data = dir_.File("planted.txt");
  CliRun gen = Hogmf({"gen", "--shape=lowrank", "--users=500", "--items=300", "--rank=4",
                      "--noise=0.2", "--ratings=20000", "--seed=6", "--quiet", "--out=" + data});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const std::string report = dir_.File("cv.json");
  const std::vector<std::string> args = {
      "cv",        "--folds=4", "--model=seed", "--k=8",    "--epochs=15",
      "--lr=0.02", "--l2=0.02", "--threads=1",  "--seed=3", "--report=" + report,
      data};
  CliRun cv = Hogmf(args);
  ASSERT_EQ(cv.exit_code, 0) << cv.err;
  for (const char* line :
       {"fold 1/4  train 15000  held-out 5000  rmse ", "fold 4/4", "rmse ", "mae "}) {
    EXPECT_THAT(cv.out, HasSubstr(line));
  }
  EXPECT_EQ(std::count(cv.out.begin(), cv.out.end(), '\n'), 6);  // 4 folds, rmse, mae
  double mean = 0, sd = 0;
  const size_t summary = cv.out.find("\nrmse ");
  ASSERT_NE(summary, std::string::npos);
  ASSERT_EQ(std::sscanf(cv.out.c_str() + summary, "\nrmse %lf \xC2\xB1 %lf", &mean, &sd), 2)
      << cv.out;
  // Values have sd about 1; a fitted model comes near the noise (0.2).
  EXPECT_LT(mean, 0.45);
  EXPECT_GT(mean, 0.15);
  EXPECT_GT(sd, 0.0);
  EXPECT_LT(sd, 0.05);
  const std::string json = ReadFileBytes(report);
  EXPECT_NEAR(JsonValue(json, "mean"), mean, 1e-4);
  EXPECT_THAT(json, HasSubstr("\"folds\": 4"));
  EXPECT_THAT(json, HasSubstr("\"fold\": 4, \"train_ratings\": 15000, \"held_out\": 5000"));
  // One thread: the same folds and scores again.
  CliRun again = Hogmf(args);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.substr(again.out.find("\nrmse ")), cv.out.substr(summary));
  EXPECT_TRUE(StrayFiles().empty());
}

TEST_F(CliTest, TuneRanksTrialsAndPrintsACommandThatReproducesTheBest) {
  const std::string data = dir_.File("planted.txt");
  const std::string held = dir_.File("held.txt");
  CliRun gen =
      Hogmf({"gen", "--shape=lowrank", "--users=500", "--items=300", "--rank=4", "--noise=0.2",
             "--ratings=20000", "--seed=6", "--quiet", "--out=" + data, "--test-out=" + held});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  // Three trials by 3-fold cross-validation.
  const std::string report = dir_.File("tune.json");
  CliRun cv = Hogmf({"tune", "--k=4,8", "--l2=0.005:0.1", "--lr=0.01:0.03", "--epochs=5",
                     "--trials=3", "--folds=3", "--threads=1", "--report=" + report, data});
  ASSERT_EQ(cv.exit_code, 0) << cv.err;
  EXPECT_THAT(cv.out, HasSubstr("rank  trial  k"));
  EXPECT_THAT(cv.out, HasSubstr("\n1     "));
  EXPECT_THAT(cv.out, HasSubstr("\n3     "));
  EXPECT_THAT(cv.out, Not(HasSubstr("\n4     ")));
  EXPECT_THAT(cv.out, HasSubstr("best: hogmf train --threads=1 --k="));
  EXPECT_THAT(cv.err, HasSubstr("trial 3/3"));
  const std::string json = ReadFileBytes(report);
  EXPECT_THAT(json, HasSubstr("\"scored_by\": \"cv\""));
  EXPECT_THAT(json, HasSubstr("\"trial\": 3,"));
  EXPECT_THAT(json, Not(HasSubstr("\"trial\": 4,")));

  // Scored on a validation file: the printed command trains the best model again.
  CliRun tuned = Hogmf({"tune", "--k=4,8", "--l2=0.005:0.1", "--lr=0.01:0.03", "--epochs=5,10",
                        "--trials=3", "--threads=1", "--seed=2", "--validation=" + held,
                        "--report=" + report, "--quiet", data});
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  EXPECT_EQ(tuned.err, "");
  const size_t best_at = tuned.out.find("best: hogmf train ");
  ASSERT_NE(best_at, std::string::npos) << tuned.out;
  std::istringstream words(tuned.out.substr(best_at + 18));
  std::vector<std::string> train_args = {"train"};
  std::string line;
  std::getline(words, line);
  std::istringstream line_words(line);
  for (std::string word; line_words >> word;) train_args.push_back(word);
  EXPECT_EQ(train_args.back(), data);
  const std::string tune_json = ReadFileBytes(report);
  const int best = static_cast<int>(JsonValue(tune_json, "best"));
  const size_t best_trial = tune_json.find("\"trial\": " + std::to_string(best) + ",");
  ASSERT_NE(best_trial, std::string::npos) << tune_json;
  const double best_score = JsonValue(tune_json.substr(best_trial), "score");
  const std::string train_report = dir_.File("train.json");
  train_args.push_back("--report=" + train_report);
  train_args.push_back("--quiet");
  CliRun train = Hogmf(train_args);
  ASSERT_EQ(train.exit_code, 0) << train.err;
  EXPECT_NEAR(JsonValue(ReadFileBytes(train_report), "validation_rmse"), best_score, 1e-7);
  EXPECT_TRUE(StrayFiles().empty());
}

TEST_F(CliTest, CvAndTuneRefuseBadFlagsWithExitTwo) {
  const std::string data = dir_.Write("d.txt", "0 0 1\n0 1 2\n1 0 3\n1 1 4\n");
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const Case cases[] = {
      {{"cv", "--folds=1", data}, "folds = 1"},
      {{"cv", "--folds=5", data}, "folds = 5"},  // more folds than ratings
      {{"cv", "--folds=2"}, "expected one ratings FILE"},
      {{"cv", "--k=16,32", data}, "--k=16,32: expected an integer"},
      {{"cv", "--early-stop=2", data}, "validation"},
      {{"tune", "--l2=abc", data}, "--l2=abc: expected a number, a list"},
      {{"tune", "--lr=0.1:0.01", "--folds=2", data}, "range"},
      {{"tune", "--lr=0.01:0.1", data}, "--folds=5: expected 2 .. the number of ratings (4)"},
      {{"tune", "--lr=0.01:0.1:cubic", data}, "low:high:lin"},
      {{"tune", "--k=8,x", data}, "--k=8,x: expected an integer"},
      {{"tune", "--k=0", "--folds=2", data}, "k = 0"},
      {{"tune", "--search=bayes", data}, "random or grid"},
      {{"tune", "--folds=2", "--validation=" + data, data}, "not both"},
      {{"tune", "--bogus", data}, "unknown flag --bogus"},
      {{"tune", "--metric=auc", "--folds=2", data}, "metric"},
  };
  for (const Case& c : cases) {
    CliRun run = Hogmf(c.args);
    EXPECT_EQ(run.exit_code, 2) << c.args[1] << ": " << run.err;
    EXPECT_THAT(run.err, HasSubstr(c.message)) << c.args[1];
  }
  // Help: both commands are listed, and tune's --k is its own list flag (once).
  EXPECT_THAT(Hogmf({"--help"}).out, HasSubstr("  tune "));
  EXPECT_THAT(Hogmf({"--help"}).out, HasSubstr("  cv "));
  CliRun help = Hogmf({"tune", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("latent factors to try"));
  EXPECT_EQ(help.out.find("--k="), help.out.rfind("--k="));
  EXPECT_THAT(help.out, HasSubstr("--threads="));  // the shared training flags stay
  EXPECT_THAT(Hogmf({"cv", "--help"}).out, HasSubstr("--folds="));
}

// '-' is standard input or output in every command: each result through
// real pipes is the bytes the same command gives with files, and nothing but
// the data is written to standard output.
TEST_F(CliTest, DashIsStandardInputOrOutputInEveryCommand) {
  CliRun gen =
      Sh("$HOGMF gen --shape=lowrank --ratings=6000 --users=300 --items=200 --quiet --out=- > "
         "piped.txt && $HOGMF gen --shape=lowrank --ratings=6000 --users=300 --items=200 --quiet "
         "--out=data.txt");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  ASSERT_EQ(ReadFileBytes(dir_.File("piped.txt")), ReadFileBytes(dir_.File("data.txt")));
  // train: ratings from a pipe, the model to standard output (and only it).
  CliRun train =
      Sh("gzip -c data.txt | zcat | $HOGMF train --model=seed --threads=1 --k=4 --epochs=3 - - > "
         "piped.model && $HOGMF train --model=seed --threads=1 --k=4 --epochs=3 --quiet data.txt "
         "m.model");
  ASSERT_EQ(train.exit_code, 0) << train.err;
  EXPECT_THAT(train.err, HasSubstr("read /dev/stdin as libmf (detected): 6000 ratings"));
  EXPECT_THAT(train.err, HasSubstr("saved model to /dev/stdout"));
  EXPECT_EQ(ReadFileBytes(dir_.File("piped.model")), ReadFileBytes(dir_.File("m.model")));
  // --report=- when the model goes to a file; --validation=- and --init-model=-.
  CliRun report = Sh("$HOGMF train --k=4 --epochs=2 --quiet --report=- data.txt r.model");
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(report.out.rfind("{\n  \"epochs\": 2,", 0), 0u) << report.out;
  CliRun validated =
      Sh("$HOGMF train --k=4 --epochs=2 --validation=- data.txt v.model < data.txt && $HOGMF "
         "train --init-model=- --epochs=1 --quiet data.txt w.model < m.model");
  ASSERT_EQ(validated.exit_code, 0) << validated.err;
  EXPECT_THAT(validated.err, HasSubstr("val_rmse"));
  EXPECT_TRUE(validated.out.empty());
  // predict: MODEL FILE OUT, each of them '-' in turn.
  CliRun predict =
      Sh("$HOGMF predict --quiet m.model data.txt p.txt && $HOGMF predict --quiet m.model - - < "
         "data.txt > p1.txt && cat m.model | $HOGMF predict --quiet - data.txt > p2.txt && $HOGMF "
         "predict --quiet m.model data.txt /dev/stdout > p3.txt");
  ASSERT_EQ(predict.exit_code, 0) << predict.err;
  const std::string predictions = ReadFileBytes(dir_.File("p.txt"));
  EXPECT_EQ(std::count(predictions.begin(), predictions.end(), '\n'), 6000);
  for (const char* name : {"p1.txt", "p2.txt", "p3.txt"}) {
    EXPECT_EQ(ReadFileBytes(dir_.File(name)), predictions) << name;
  }
  // eval: FILE from a pipe.
  CliRun eval =
      Sh("$HOGMF eval --quiet m.model data.txt > e.txt && cat data.txt | $HOGMF eval "
         "--quiet m.model -");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_THAT(eval.out, HasSubstr("unseen_pairs 0"));
  EXPECT_EQ(eval.out, ReadFileBytes(dir_.File("e.txt")));
  // recommend: MODEL, --users and OUT.
  CliRun recommend =
      Sh("$HOGMF recommend --quiet m.model --all-users --top=3 all.tsv && cat m.model | $HOGMF "
         "recommend --quiet - --all-users --top=3 - > all1.tsv && printf '7\\n3\\n' | $HOGMF "
         "recommend --quiet m.model --users=- --top=2 -");
  ASSERT_EQ(recommend.exit_code, 0) << recommend.err;
  EXPECT_EQ(ReadFileBytes(dir_.File("all1.tsv")), ReadFileBytes(dir_.File("all.tsv")));
  EXPECT_EQ(std::count(recommend.out.begin(), recommend.out.end(), '\n'), 4);
  EXPECT_EQ(recommend.out.substr(0, 2), "7\t");
  // convert - -: ratings to binary and text, a model to LIBMF's format.
  CliRun convert =
      Sh("$HOGMF convert --quiet data.txt d.bin && cat data.txt | $HOGMF convert --quiet - - > "
         "d1.bin && $HOGMF convert --to=libmf-text --quiet - - < d.bin > d.txt && $HOGMF convert "
         "--to=libmf m.model l.txt && $HOGMF convert --to=libmf - - < m.model > l1.txt");
  ASSERT_EQ(convert.exit_code, 0) << convert.err;
  EXPECT_EQ(ReadFileBytes(dir_.File("d1.bin")), ReadFileBytes(dir_.File("d.bin")));
  const std::string round_trip = ReadFileBytes(dir_.File("d.txt"));
  EXPECT_EQ(std::count(round_trip.begin(), round_trip.end(), '\n'), 6000);
  EXPECT_EQ(ReadFileBytes(dir_.File("l1.txt")), ReadFileBytes(dir_.File("l.txt")));
  // foldin: RATINGS from a pipe, the model to standard output.
  CliRun foldin =
      Sh("head -n 500 data.txt > new.txt && $HOGMF foldin --quiet m.model new.txt f.model && cat "
         "new.txt | $HOGMF foldin --quiet m.model - - > f1.model");
  ASSERT_EQ(foldin.exit_code, 0) << foldin.err;
  EXPECT_EQ(ReadFileBytes(dir_.File("f1.model")), ReadFileBytes(dir_.File("f.model")));
  // cv and tune read FILE (and tune --validation) from a pipe.
  CliRun cv = Sh("cat data.txt | $HOGMF cv --quiet --folds=2 --k=4 --epochs=2 --threads=1 -");
  ASSERT_EQ(cv.exit_code, 0) << cv.err;
  EXPECT_THAT(cv.out, HasSubstr("fold 2/2"));
  CliRun tune =
      Sh("cat data.txt | $HOGMF tune --quiet --k=4 --epochs=2 --trials=1 --validation=- data.txt");
  ASSERT_EQ(tune.exit_code, 0) << tune.err;
  EXPECT_THAT(tune.out, HasSubstr("best: hogmf train"));
  EXPECT_THAT(tune.out, HasSubstr("--validation=-"));
  EXPECT_TRUE(StrayFiles().empty());
}

// A stream given to two inputs or two outputs is refused before anything is
// read (never waiting on standard input), as is an output to standard output
// where it carries the command's printed results, and binary output to a
// terminal.
TEST_F(CliTest, AStreamGivenTwiceIsRefused) {
  const std::string data = dir_.File("d.txt");
  ASSERT_EQ(Hogmf({"gen", "--shape=lowrank", "--ratings=6000", "--users=300", "--items=200",
                   "--quiet", "--out=" + data})
                .exit_code,
            0);
  const std::string model = dir_.File("m.model");
  ASSERT_EQ(Hogmf({"train", "--k=4", "--epochs=2", "--quiet", data, model}).exit_code, 0);
  const struct {
    std::string script;
    std::string message;
  } refused[] = {
      {"cat d.txt | timeout 20 $HOGMF predict - -",
       "hogmf predict: standard input given twice, as MODEL and as FILE"},
      {"timeout 20 $HOGMF predict - /dev/stdin out.txt < m.model",
       "standard input given twice, as MODEL and as FILE"},
      {"timeout 20 $HOGMF eval - - < d.txt", "standard input given twice, as MODEL and as FILE"},
      {"timeout 20 $HOGMF train --validation=- - x.model < d.txt",
       "standard input given twice, as TRAIN and as --validation"},
      {"timeout 20 $HOGMF train --report=- d.txt -",
       "standard output given twice, to MODEL and to --report"},
      {"timeout 20 $HOGMF train --log=/dev/stdout --report=- d.txt",
       "standard output given twice, to --report and to --log"},
      {"timeout 20 $HOGMF recommend - --users=- --top=1 < m.model",
       "standard input given twice, as MODEL and as --users"},
      {"timeout 20 $HOGMF foldin - - x.model < d.txt",
       "standard input given twice, as MODEL and as RATINGS"},
      {"timeout 20 $HOGMF gen --shape=lowrank --out=- --test-out=-",
       "standard output given twice, to --out and to --test-out"},
      {"timeout 20 $HOGMF cv --folds=2 --report=- d.txt",
       "standard output given twice, to the results and to --report"},
      {"timeout 20 $HOGMF tune --k=4 --trials=1 --folds=2 --report=- d.txt",
       "standard output given twice, to the results and to --report"},
  };
  for (const auto& [script, message] : refused) {
    CliRun run = Sh(script);
    EXPECT_EQ(run.exit_code, 2) << script << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr(message)) << script;
    EXPECT_TRUE(run.out.empty()) << script;
  }
  EXPECT_FALSE(Exists(dir_.File("x.model")));
  EXPECT_FALSE(Exists(dir_.File("out.txt")));
  EXPECT_TRUE(StrayFiles().empty());
  // A binary model or binary ratings to a terminal (script(1) gives the
  // command one): refused; text to a terminal is fine.
  if (std::system("command -v script > /dev/null") != 0) GTEST_SKIP() << "no script(1)";
  CliRun tty =
      Sh("script -qec \"$HOGMF train --k=4 --epochs=1 --quiet d.txt -\" /dev/null; echo \"train "
         "$?\"; script -qec \"$HOGMF convert --quiet d.txt -\" /dev/null; echo \"convert $?\"; "
         "script -qec \"$HOGMF convert --quiet --to=libmf m.model -\" /dev/null | head -n 1");
  EXPECT_THAT(tty.out, HasSubstr("refusing to write binary MODEL to a terminal"));
  EXPECT_THAT(tty.out, HasSubstr("train 2"));
  EXPECT_THAT(tty.out, HasSubstr("refusing to write binary OUT to a terminal"));
  EXPECT_THAT(tty.out, HasSubstr("convert 2"));
  EXPECT_THAT(tty.out, HasSubstr("f 0\r\n"));  // the LIBMF model's first line (its loss)
}

bool IsCharacterDevice(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

// Devices as outputs are written into, never replaced: /dev/null stays the
// null device after every writer has written to it, and no temporary file is
// left in /dev.
TEST_F(CliTest, DevNullAsAnOutputStaysADevice) {
  ASSERT_TRUE(IsCharacterDevice("/dev/null"));
  CliRun run = Sh(
      "$HOGMF gen --shape=lowrank --ratings=6000 --users=300 --items=200 --quiet --out=d.txt && "
      "$HOGMF gen "
      "--shape=lowrank --ratings=6000 --users=300 --items=200 --quiet --format=binary "
      "--out=/dev/null "
      "--test-out=/dev/null && $HOGMF train --k=4 --epochs=2 --quiet --report=/dev/null "
      "--log=/dev/null d.txt m.model && $HOGMF train --k=4 --epochs=1 --quiet d.txt /dev/null && "
      "$HOGMF predict --quiet m.model d.txt /dev/null && $HOGMF recommend --quiet m.model "
      "--all-users /dev/null && $HOGMF convert --quiet d.txt /dev/null && $HOGMF convert "
      "--to=libmf m.model /dev/null && $HOGMF foldin --quiet m.model d.txt /dev/null && $HOGMF "
      "cv --quiet --folds=2 --k=4 --epochs=1 --report=/dev/null d.txt > /dev/null");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(IsCharacterDevice("/dev/null"));
  for (const auto& entry : std::filesystem::directory_iterator("/dev")) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
  }
  EXPECT_TRUE(StrayFiles().empty());
}

// A reader that goes away (`| head -c1`) ends each writer with exit code 1
// and "broken pipe" on stderr: no signal, no core dump, no file left behind.
TEST_F(CliTest, AClosedPipeIsAnErrorNotASignal) {
  CliRun setup =
      Sh("$HOGMF gen --shape=lowrank --ratings=100000 --users=3000 --items=2000 --quiet "
         "--out=d.txt && $HOGMF train --k=4 --epochs=1 --quiet d.txt m.model");
  ASSERT_EQ(setup.exit_code, 0) << setup.err;
  for (const std::string command :
       {"predict --quiet m.model d.txt -", "predict --quiet m.model d.txt",
        "recommend --quiet m.model --all-users --top=20", "convert --quiet d.txt -",
        "gen --shape=lowrank --ratings=100000 --quiet --out=-", "train --quiet --k=4 d.txt -",
        "eval --quiet --metrics=rmse,mae,rmse,mae,rmse,mae m.model d.txt"}) {
    // The reader takes one byte and leaves; hogmf's exit code is printed.
    CliRun run = Sh("$HOGMF " + command + " | head -c1 > /dev/null; echo \"${PIPESTATUS[0]}\"");
    if (command.rfind("eval", 0) == 0) {
      // Eval's few lines can fit in the pipe before head leaves: either way,
      // never a signal.
      EXPECT_TRUE(run.out == "0\n" || run.out == "1\n") << command << ": " << run.out;
      continue;
    }
    EXPECT_EQ(run.out, "1\n") << command << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr("broken pipe")) << command;
    EXPECT_THAT(run.err, Not(HasSubstr("core dumped"))) << command;
  }
  for (const auto& entry : std::filesystem::directory_iterator("/dev")) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
  }
  EXPECT_TRUE(StrayFiles().empty());
}

TEST_F(CliTest, HugeIdsAreRefusedBeforeAllocatingOrNeverAllocate) {
  // Ids used as row indices ask for 2^31 rows per side.
  const std::string huge = dir_.Write("huge.txt", "2147483647 2147483648 4\n");
  CliRun train = Hogmf({"train", "--model=seed", huge, dir_.File("huge.model")});
  EXPECT_EQ(train.exit_code, 1) << train.err;
  EXPECT_THAT(train.err, HasSubstr("training needs about"));
  EXPECT_THAT(train.err, HasSubstr("renumber the ids"));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("huge.model")));

  // A model of small ids evaluates, predicts and validates on the huge file:
  // ids outside the model allocate nothing.
  const std::string small = dir_.Write("small.txt", "1 1 4\n2 2 3\n3 1 2\n0 2 5\n");
  const std::string model = dir_.File("small.model");
  ASSERT_EQ(Hogmf({"train", "--model=seed", "--quiet", small, model}).exit_code, 0);
  CliRun eval = Hogmf({"eval", model, huge});
  EXPECT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_THAT(eval.out, HasSubstr("unseen_pairs 1"));
  EXPECT_EQ(Hogmf({"predict", model, huge, dir_.File("p.txt")}).exit_code, 0);
  EXPECT_EQ(Hogmf({"train", "--model=seed", "--quiet", "--validation=" + huge, small,
                   dir_.File("v.model")})
                .exit_code,
            0);
  CliRun foldin = Hogmf({"foldin", model, huge, dir_.File("f.model")});
  EXPECT_EQ(foldin.exit_code, 1);
  EXPECT_THAT(foldin.err, HasSubstr("fold-in needs about"));

  CliRun capped = Hogmf({"train", "--model=seed", "--max-memory=100", small, dir_.File("c.model")});
  EXPECT_EQ(capped.exit_code, 1);
  EXPECT_THAT(capped.err, HasSubstr("more than the 100 B of max_memory_bytes (--max-memory)"));
  EXPECT_EQ(
      Hogmf({"train", "--model=seed", "--quiet", "--max-memory=64M", small, dir_.File("m.model")})
          .exit_code,
      0);
  CliRun bad = Hogmf({"train", "--max-memory=lots", small, dir_.File("b.model")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("invalid --max-memory=lots"));
}

}  // namespace
}  // namespace hogmf
