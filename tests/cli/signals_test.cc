// End-to-end tests of stop signals and checkpoints in the hogmf command
// line: SIGINT and SIGTERM stop `train` cleanly (model, report and log
// written, exit 130 or 143), a second signal ends it at once, no temporary
// file survives, and a run killed with SIGKILL and resumed from its
// checkpoint ends with the bits of an uninterrupted run.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "hogmf/model_io.h"
#include "hogmf/write_file.h"
#include "testing/status_matchers.h"
#include "util/file.h"

namespace hogmf {
namespace {

using ::hogmf::testing::ReadFileBytes;
using ::hogmf::testing::TempDir;
using ::testing::HasSubstr;

struct ShellRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Training flags for a deterministic single-thread run that takes a while
// (no automatic choice of params: no trials).
constexpr const char* kTrain =
    "$HOGMF train --threads=1 --seed=5 --k=32 --l2=0.05 --l2-bias=0.01 --monitor-ms=20 ";

class SignalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // 200,000 ratings: an epoch takes some milliseconds.
    const ShellRun gen =
        Sh("$HOGMF gen --shape=lowrank --users=3000 --items=2000 --ratings=200000 --seed=3 "
           "--out=d.txt");
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
  }

  // Runs `script` with bash in the test's folder, $HOGMF naming the binary,
  // and helpers: `start CMD...` runs a command in the background with its
  // stderr in bg.err and its pid in $BG; `wait_for TEXT` waits (up to 30 s)
  // until bg.err holds TEXT; `finish` waits for it and prints its exit code.
  ShellRun Sh(const std::string& script) {
    const char* cli = std::getenv("HOGMF_CLI");
    EXPECT_NE(cli, nullptr) << "HOGMF_CLI must name the hogmf binary";
    const std::string helpers =
        "start() { \"$@\" 2>bg.err & BG=$!; }\n"
        "wait_for() { for i in $(seq 3000); do grep -q -- \"$1\" bg.err 2>/dev/null && return 0; "
        "sleep 0.01; done; echo \"timed out waiting for $1\" >&2; return 1; }\n"
        "finish() { wait $BG; echo \"exit=$?\"; }\n";
    const std::string out = dir_.File("stdout.txt");
    const std::string err = dir_.File("stderr.txt");
    const std::string command =
        "cd " + Quote(dir_.path()) + " && HOGMF=" + Quote(cli != nullptr ? cli : "hogmf") +
        " bash -c " + Quote(helpers + script) + " </dev/null >" + Quote(out) + " 2>" + Quote(err);
    const int status = std::system(command.c_str());
    ShellRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = ReadFileBytes(out);
    run.err = ReadFileBytes(err);
    return run;
  }

  std::string Read(const std::string& name) { return ReadFileBytes(dir_.File(name)); }

  // Files in the folder with ".tmp." in their names.
  std::vector<std::string> Temporaries() {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      const std::string name = entry.path().filename().string();
      if (name.find(".tmp.") != std::string::npos) found.push_back(name);
    }
    return found;
  }

  TempDir dir_;
};

TEST_F(SignalsTest, SigintStopsTrainingAndSavesEverything) {
  const ShellRun run = Sh(std::string("start ") + kTrain +
                          "--epochs=100000 --report=r.json --log=l.csv d.txt m.model\n"
                          "wait_for 'epoch   2/' && kill -INT $BG && finish");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("exit=130"));
  const std::string err = Read("bg.err");
  EXPECT_THAT(err, HasSubstr("SIGINT received"));
  EXPECT_THAT(err, HasSubstr("stopped by SIGINT after"));
  EXPECT_THAT(err, HasSubstr("saved model to m.model"));
  EXPECT_TRUE(LoadModel(dir_.File("m.model")).ok());
  EXPECT_THAT(Read("r.json"), HasSubstr("\"stop_reason\": \"cancelled\""));
  EXPECT_THAT(Read("l.csv"), HasSubstr("\ncancelled,"));
  EXPECT_TRUE(Temporaries().empty());
}

TEST_F(SignalsTest, SigtermExitsWith143) {
  const ShellRun run = Sh(std::string("start ") + kTrain +
                          "--epochs=100000 --report=r.json d.txt m.model\n"
                          "wait_for 'epoch   2/' && kill -TERM $BG && finish");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("exit=143"));
  EXPECT_THAT(Read("bg.err"), HasSubstr("stopped by SIGTERM"));
  EXPECT_TRUE(LoadModel(dir_.File("m.model")).ok());
  EXPECT_THAT(Read("r.json"), HasSubstr("\"stop_reason\": \"cancelled\""));
  EXPECT_TRUE(Temporaries().empty());
}

TEST_F(SignalsTest, SecondSignalExitsAtOnce) {
  // The log goes to a FIFO nobody reads: after the first signal the command
  // waits there (opening it) until the second one ends it.
  const ShellRun run =
      Sh(std::string("mkfifo l.fifo; start ") + kTrain +
         "--epochs=100000 --checkpoint=c.ckpt --checkpoint-epochs=1 --log=l.fifo d.txt m.model\n"
         "wait_for 'epoch   2/' && kill -INT $BG && wait_for 'SIGINT received' && sleep 0.2 && "
         "kill -INT $BG && finish");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("exit=130"));
  EXPECT_THAT(Read("bg.err"), HasSubstr("received again: exiting at once"));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("m.model")));
  EXPECT_TRUE(Temporaries().empty());
}

// What the handler of a second signal calls before it exits: every
// temporary file of a write in progress goes.
TEST_F(SignalsTest, PartialOutputsAreRemovedOnRequest) {
  absl::StatusOr<std::unique_ptr<internal::AtomicFileWriter>> writer =
      internal::AtomicFileWriter::Create(dir_.File("out.model"));
  ASSERT_TRUE(writer.ok());
  (*writer)->Write("partial");
  ASSERT_EQ(Temporaries().size(), 1u);
  RemovePartialOutputs();
  EXPECT_TRUE(Temporaries().empty());
  writer->reset();
  EXPECT_FALSE(std::filesystem::exists(dir_.File("out.model")));
}

TEST_F(SignalsTest, StaleTemporariesOfDeadProcessesAreRemoved) {
  // A pid that is surely gone: a finished child of this shell.
  const ShellRun run =
      Sh("sh -c 'exit 0' & dead=$!; wait $dead\n"
         "touch m.model.tmp.$dead.42 m.model.tmp.$$.7 other.model.tmp.$dead.1 m.model.tmp.x.1\n"
         "$HOGMF train --threads=1 --k=4 --l2=0.05 --epochs=1 --quiet d.txt m.model && echo "
         "dead=$dead "
         "alive=$$");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const size_t at = run.out.find("dead=");
  ASSERT_NE(at, std::string::npos);
  const std::string dead = run.out.substr(at + 5, run.out.find(' ', at) - at - 5);
  const std::string alive = run.out.substr(run.out.find("alive=") + 6);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("m.model.tmp." + dead + ".42")));
  // Another live process's temporary, another target's, and a name hogmf
  // does not make are kept.
  std::string alive_pid = alive.substr(0, alive.find('\n'));
  EXPECT_TRUE(std::filesystem::exists(dir_.File("m.model.tmp." + alive_pid + ".7")));
  EXPECT_TRUE(std::filesystem::exists(dir_.File("other.model.tmp." + dead + ".1")));
  EXPECT_TRUE(std::filesystem::exists(dir_.File("m.model.tmp.x.1")));
}

TEST_F(SignalsTest, KilledAndResumedRunEndsBitIdentical) {
  const std::string flags = std::string(kTrain) + "--epochs=40 --lr-schedule=adagrad ";
  const ShellRun run =
      Sh(flags + "--quiet d.txt straight.model\n" +  //
         "start " + flags + "--checkpoint=c.ckpt --checkpoint-epochs=1 d.txt m.model\n" +
         "wait_for 'epoch   5/' && kill -KILL $BG; finish\n" + "ls c.ckpt >/dev/null && " + flags +
         "--quiet --resume=c.ckpt --checkpoint=c.ckpt --checkpoint-epochs=1 d.txt m.model && "
         "cmp straight.model m.model && echo same");
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_THAT(run.out, HasSubstr("exit=137"));
  EXPECT_THAT(run.out, HasSubstr("same"));
  EXPECT_TRUE(Temporaries().empty());
}

TEST_F(SignalsTest, InterruptedAndResumedRunEndsBitIdentical) {
  const std::string flags = std::string(kTrain) + "--epochs=30 ";
  const ShellRun run = Sh(
      flags + "--quiet --report=straight.json d.txt straight.model\n" +  //
      "start " + flags + "--checkpoint=c.ckpt --checkpoint-every=0.001 d.txt m.model\n" +
      "wait_for 'epoch   4/' && kill -INT $BG; finish\n" + flags +
      "--quiet --resume=c.ckpt --report=resumed.json d.txt m.model && cmp straight.model m.model "
      "&& echo same");
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_THAT(run.out, HasSubstr("exit=130"));
  EXPECT_THAT(Read("bg.err"), HasSubstr("continue with --resume=c.ckpt"));
  EXPECT_THAT(run.out, HasSubstr("same"));
  EXPECT_THAT(Read("resumed.json"), HasSubstr("\"epochs\": 30,"));
}

TEST_F(SignalsTest, ResumeWithOtherDataIsRefused) {
  const ShellRun run = Sh(std::string(kTrain) +
                          "--epochs=2 --quiet --checkpoint=c.ckpt --checkpoint-epochs=1 d.txt "
                          "m.model && $HOGMF gen --shape=lowrank --users=3000 --items=2000 "
                          "--ratings=200000 --seed=4 --out=e.txt && " +
                          kTrain + "--quiet --resume=c.ckpt e.txt m2.model");
  EXPECT_EQ(run.exit_code, 2) << run.err;  // invalid input
  EXPECT_THAT(run.err, HasSubstr("training data differs"));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("m2.model")));
}

TEST_F(SignalsTest, OtherCommandsExitAtOnceWithoutPartialOutput) {
  const ShellRun run =
      Sh("$HOGMF gen --shape=lowrank --ratings=20000000 --users=200000 --items=100000 "
         "--out=big.txt 2>bg.err & BG=$!\n"
         "sleep 0.5; kill -TERM $BG; finish");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("exit=143"));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("big.txt")));
  EXPECT_TRUE(Temporaries().empty());
}

}  // namespace
}  // namespace hogmf
