// The command line's outputs under faults: an output naming an input or
// another output, an output path that cannot be written, a full disk, a full
// standard output, block devices and sockets; each case checks the exit code,
// the message and what is on disk afterwards. Also OutputSet (tools/cli) on
// its own: staged files land together or not at all.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/common.h"
#include "testing/status_matchers.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::ReadFileBytes;
using ::hogmf::testing::StatusIs;
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

class OutputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CliRun made = Sh(
        "$HOGMF gen --shape=lowrank --ratings=20000 --users=1500 --items=1000 --quiet --out=d.txt "
        "&& $HOGMF gen --shape=lowrank --ratings=20000 --users=1500 --items=1000 --seed=2 --quiet "
        "--out=v.txt && $HOGMF train --k=8 --epochs=2 --quiet d.txt m.model");
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }
  void TearDown() override {
    if (!mounted_.empty()) ::umount(mounted_.c_str());
  }

  // Runs `script` with bash in the test's folder, $HOGMF naming the binary,
  // standard input from /dev/null unless the script redirects it.
  CliRun Sh(const std::string& script) {
    const char* cli = std::getenv("HOGMF_CLI");
    EXPECT_NE(cli, nullptr) << "HOGMF_CLI must name the hogmf binary";
    const std::string out_path = out_dir_.File("stdout.txt");
    const std::string err_path = out_dir_.File("stderr.txt");
    const std::string command =
        "cd " + Quote(dir_.path()) + " && HOGMF=" + Quote(cli ? cli : "hogmf") + " bash -c " +
        Quote(script) + " </dev/null >" + Quote(out_path) + " 2>" + Quote(err_path);
    const int status = std::system(command.c_str());
    CliRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = ReadFileBytes(out_path);
    run.err = ReadFileBytes(err_path);
    return run;
  }

  std::string File(const std::string& name) { return dir_.File(name); }
  bool Exists(const std::string& name) { return std::filesystem::exists(File(name)); }

  // Names in the test's folder that look like temporary files.
  std::vector<std::string> StrayFiles(const std::string& folder) {
    std::vector<std::string> stray;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
      const std::string name = entry.path().filename().string();
      if (name.find(".tmp.") != std::string::npos) stray.push_back(name);
    }
    return stray;
  }

  // A 64 KiB tmpfs at `name` in the test's folder; false when it cannot be
  // mounted (not root, no mount permission in this container).
  bool MountTinyDisk(const std::string& name) {
    const std::string path = File(name);
    std::filesystem::create_directory(path);
    if (::mount("tmpfs", path.c_str(), "tmpfs", 0, "size=64k") != 0) return false;
    mounted_ = path;
    return true;
  }

  TempDir dir_;
  TempDir out_dir_;  // the captured streams, apart from the files under test
  std::string mounted_;
};

// An output that names an input, or another output, is refused before
// anything is read: exit 2, both roles named, every file as it was.
TEST_F(OutputsTest, AnOutputNamingAnInputOrAnotherOutputIsRefused) {
  ASSERT_EQ(::symlink("d.txt", File("link.txt").c_str()), 0);
  const std::string data = ReadFileBytes(File("d.txt"));
  const std::string model = ReadFileBytes(File("m.model"));
  const std::string validation = ReadFileBytes(File("v.txt"));
  struct Case {
    std::string command;
    std::string message;
  };
  const Case cases[] = {
      {"train d.txt d.txt", "MODEL and TRAIN name the same file (d.txt)"},
      {"train --k=8 --init-model=m.model d.txt m.model",
       "MODEL and --init-model name the same file (m.model)"},
      {"train --validation=v.txt d.txt v.txt", "MODEL and --validation name the same file (v.txt)"},
      {"train --report=r.json d.txt r.json", "--report and MODEL name the same file (r.json)"},
      {"train --log=x.model d.txt x.model", "--log and MODEL name the same file (x.model)"},
      {"train --report=d.txt d.txt", "--report and TRAIN name the same file (d.txt)"},
      {"predict m.model d.txt d.txt", "OUT and FILE name the same file (d.txt)"},
      {"predict m.model d.txt m.model", "OUT and MODEL name the same file (m.model)"},
      {"predict m.model d.txt >> d.txt", "OUT and FILE name the same file"},
      {"predict m.model - < d.txt >> d.txt", "OUT and FILE name the same file"},
      {"gen --out=g.txt --test-out=g.txt", "--test-out and --out name the same file (g.txt)"},
      {"gen --out=g.txt --test-out=./sub/../g.txt", "--test-out and --out name the same file"},
      {"convert d.txt link.txt", "OUT and IN name the same file (d.txt and link.txt)"},
      {"convert --to=libmf m.model m.model", "OUT and IN name the same file (m.model)"},
      {"foldin m.model v.txt m.model", "OUT and MODEL name the same file (m.model)"},
      {"recommend m.model --all-users m.model", "OUT and MODEL name the same file (m.model)"},
      {"cv --report=d.txt d.txt", "--report and FILE name the same file"},
  };
  std::filesystem::create_directory(File("sub"));
  for (const Case& c : cases) {
    CliRun run = Sh("$HOGMF " + c.command);
    EXPECT_EQ(run.exit_code, 2) << c.command << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr(c.message)) << c.command;
    EXPECT_THAT(run.err, Not(HasSubstr("read "))) << c.command << ": nothing may be read first";
    EXPECT_EQ(ReadFileBytes(File("d.txt")), data) << c.command;
    EXPECT_EQ(ReadFileBytes(File("m.model")), model) << c.command;
    EXPECT_EQ(ReadFileBytes(File("v.txt")), validation) << c.command;
    for (const char* absent : {"g.txt", "r.json", "x.model"}) {
      EXPECT_FALSE(Exists(absent)) << c.command << " left " << absent;
    }
  }
  EXPECT_TRUE(StrayFiles(dir_.path()).empty());
  // Devices and standard streams are no files: /dev/null twice is fine.
  CliRun twice = Sh("$HOGMF gen --quiet --out=/dev/null --test-out=/dev/null");
  EXPECT_EQ(twice.exit_code, 0) << twice.err;
}

// Every output path is checked before anything is read: a missing folder or
// a folder as the output is exit 2 with a message, and nothing is created.
TEST_F(OutputsTest, AnOutputThatCannotBeWrittenIsRefusedBeforeReading) {
  std::filesystem::create_directory(File("folder"));
  struct Case {
    std::string command;
    std::string message;
  };
  const Case cases[] = {
      {"train d.txt nodir/m.model",
       "cannot write MODEL to nodir/m.model: its folder nodir does "
       "not exist"},
      {"train d.txt folder", "cannot write MODEL to folder: it is a folder"},
      {"train --report=nodir/r.json d.txt m2.model", "cannot write --report to nodir/r.json"},
      {"train --log=folder d.txt m2.model", "cannot write --log to folder: it is a folder"},
      {"predict m.model d.txt nodir/p.txt", "its folder nodir does not exist"},
      {"recommend m.model --all-users folder", "cannot write OUT to folder: it is a folder"},
      {"convert d.txt d.txt/x", "d.txt is not a folder"},
      {"gen --out=g.txt --test-out=nodir/t.txt", "cannot write --test-out to nodir/t.txt"},
      {"foldin m.model v.txt folder", "it is a folder"},
      {"cv --report=folder d.txt", "cannot write --report to folder"},
  };
  for (const Case& c : cases) {
    CliRun run = Sh("$HOGMF " + c.command);
    EXPECT_EQ(run.exit_code, 2) << c.command << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr(c.message)) << c.command;
    EXPECT_THAT(run.err, Not(HasSubstr("read "))) << c.command;
  }
  EXPECT_FALSE(Exists("m2.model"));
  EXPECT_FALSE(Exists("g.txt"));
  EXPECT_FALSE(Exists("nodir"));
  EXPECT_TRUE(std::filesystem::is_empty(File("folder")));
  EXPECT_TRUE(StrayFiles(dir_.path()).empty());
}

// A socket or a block device is never written into: exit 2, and the node is
// as it was.
TEST_F(OutputsTest, SocketsAndBlockDevicesAreRefused) {
  CliRun made =
      Sh("/usr/bin/python3 -c \"import socket; socket.socket(socket.AF_UNIX)"
         ".bind('sock')\"");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  CliRun run = Sh("$HOGMF predict m.model d.txt sock");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("cannot write OUT to sock: it is a block device or a socket"));
  struct stat st;
  ASSERT_EQ(::lstat(File("sock").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  if (::mknod(File("blk").c_str(), S_IFBLK | 0600, makedev(7, 200)) != 0) {
    GTEST_SKIP() << "cannot make a block device node here";
  }
  run = Sh("$HOGMF gen --quiet --out=blk");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("cannot write --out to blk: it is a block device"));
  ASSERT_EQ(::lstat(File("blk").c_str(), &st), 0);
  EXPECT_TRUE(S_ISBLK(st.st_mode));
}

// Standard output that cannot take the bytes (/dev/full) is exit 1 with the
// system's reason, for every command that writes there.
TEST_F(OutputsTest, AFullStandardOutputIsExitOne) {
  for (const std::string command :
       {"predict --quiet m.model d.txt", "predict --quiet m.model d.txt -",
        "recommend m.model --user=1", "recommend --quiet m.model --all-users",
        "eval --quiet m.model v.txt", "convert --quiet d.txt -", "convert --to=libmf m.model -",
        "gen --quiet --out=-", "train --quiet --k=4 --epochs=1 d.txt -",
        "cv --quiet --folds=2 --k=4 --epochs=1 d.txt", "train --help"}) {
    CliRun run = Sh("$HOGMF " + command + " > /dev/full");
    EXPECT_EQ(run.exit_code, 1) << command << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr("no space left on device")) << command;
  }
  EXPECT_TRUE(StrayFiles(dir_.path()).empty());
}

// A disk that fills up is named as such, and a command with several outputs
// leaves none of them: the file written first is not left behind when the
// second fails.
TEST_F(OutputsTest, AFullDiskIsNamedAndLeavesNoOutput) {
  if (!MountTinyDisk("tiny")) GTEST_SKIP() << "cannot mount a tmpfs here";
  // A model larger than the disk (1500 + 1000 rows of k = 8).
  CliRun model = Sh("$HOGMF convert --to=hogmf m.model tiny/m.model");
  EXPECT_EQ(model.exit_code, 1) << model.err;
  EXPECT_THAT(model.err, HasSubstr("tiny/m.model: no space left on device"));
  EXPECT_THAT(model.err, Not(HasSubstr("header promised")));
  CliRun text = Sh("$HOGMF convert --quiet --to=libmf-text d.txt tiny/d.txt");
  EXPECT_EQ(text.exit_code, 1) << text.err;
  EXPECT_THAT(text.err, HasSubstr("no space left on device"));
  // gen: --out fits elsewhere, --test-out does not: neither lands.
  CliRun gen =
      Sh("$HOGMF gen --quiet --shape=lowrank --ratings=40000 --users=1500 --items=1000 "
         "--test-fraction=0.5 --out=g.txt --test-out=tiny/t.txt");
  EXPECT_EQ(gen.exit_code, 1) << gen.err;
  EXPECT_THAT(gen.err, HasSubstr("tiny/t.txt: no space left on device"));
  EXPECT_FALSE(Exists("g.txt"));
  EXPECT_FALSE(Exists("tiny/t.txt"));
  // An old output stays as it was.
  ASSERT_EQ(Sh("echo old > g.txt").exit_code, 0);
  gen =
      Sh("$HOGMF gen --quiet --shape=lowrank --ratings=40000 --users=1500 --items=1000 "
         "--test-fraction=0.5 --out=g.txt --test-out=tiny/t.txt");
  EXPECT_EQ(gen.exit_code, 1);
  EXPECT_EQ(ReadFileBytes(File("g.txt")), "old\n");
  EXPECT_TRUE(StrayFiles(dir_.path()).empty());
  EXPECT_TRUE(StrayFiles(File("tiny")).empty());
  EXPECT_TRUE(std::filesystem::is_empty(File("tiny")));
}

// train's model, report and log land together: a report that cannot be
// written leaves no new model and keeps an old one as it was.
TEST_F(OutputsTest, TrainLeavesNoModelWhenItsReportFails) {
  CliRun failed = Sh("$HOGMF train --quiet --k=4 --epochs=2 --report=/dev/full d.txt new.model");
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_THAT(failed.err, HasSubstr("no space left on device"));
  EXPECT_FALSE(Exists("new.model"));
  ASSERT_EQ(Sh("echo old > old.model").exit_code, 0);
  failed = Sh("$HOGMF train --quiet --k=4 --epochs=2 --log=/dev/full d.txt old.model");
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_EQ(ReadFileBytes(File("old.model")), "old\n");
  CliRun ok =
      Sh("$HOGMF train --quiet --k=4 --epochs=2 --report=r.json --log=l.csv d.txt m2.model");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(Exists("m2.model") && Exists("r.json") && Exists("l.csv"));
  EXPECT_TRUE(StrayFiles(dir_.path()).empty());
}

// OutputSet on its own: staged files land together; a rename that fails
// mid-commit puts back what was there; an abandoned set leaves nothing.
TEST(OutputSetTest, StagedFilesLandTogetherOrNotAtAll) {
  TempDir dir;
  const std::string a = dir.Write("a.txt", "old a");
  const std::string b = dir.File("b.txt");
  {
    cli::OutputSet outputs;
    const std::string staged_a = outputs.Stage(a);
    const std::string staged_b = outputs.Stage(b);
    EXPECT_NE(staged_a, a);
    EXPECT_EQ(outputs.Stage(""), "");
    EXPECT_EQ(outputs.Stage("/dev/null"), "/dev/null");
    EXPECT_EQ(outputs.Stage("/dev/stdout"), "/dev/stdout");
    dir.Write("a.txt" + staged_a.substr(a.size()), "new a");
    dir.Write("b.txt" + staged_b.substr(b.size()), "new b");
    EXPECT_EQ(outputs.TemporaryPaths().size(), 2u);
    EXPECT_THAT(outputs.Named(absl::InternalError("writing " + staged_b + ": no space")),
                StatusIs(absl::StatusCode::kInternal, "writing " + b + ": no space"));
    // Not committed: the destructor removes both.
  }
  EXPECT_EQ(ReadFileBytes(a), "old a");
  EXPECT_FALSE(std::filesystem::exists(b));
  EXPECT_EQ(testing::ListDir(dir.path()).size(), 1u);

  {
    cli::OutputSet outputs;
    dir.Write("a.txt" + outputs.Stage(a).substr(a.size()), "new a");
    dir.Write("b.txt" + outputs.Stage(b).substr(b.size()), "new b");
    ASSERT_THAT(outputs.Commit(), IsOk());
    EXPECT_TRUE(outputs.TemporaryPaths().empty());
  }
  EXPECT_EQ(ReadFileBytes(a), "new a");
  EXPECT_EQ(ReadFileBytes(b), "new b");
  EXPECT_EQ(testing::ListDir(dir.path()).size(), 2u);

  // The second rename fails (its target became a folder that is not empty):
  // the first target gets its old file back.
  const std::string c = dir.File("c");
  {
    cli::OutputSet outputs;
    dir.Write("a.txt" + outputs.Stage(a).substr(a.size()), "newer a");
    dir.Write("c" + outputs.Stage(c).substr(c.size()), "c");
    std::filesystem::create_directory(c);
    dir.Write("c/inside", "x");
    EXPECT_THAT(outputs.Commit(),
                StatusIs(absl::StatusCode::kInternal, HasSubstr("c: cannot rename into place")));
  }
  EXPECT_EQ(ReadFileBytes(a), "new a");
  EXPECT_TRUE(std::filesystem::is_directory(c));
  EXPECT_EQ(testing::ListDir(dir.path()).size(), 3u);  // a.txt, b.txt, c
}

}  // namespace
}  // namespace hogmf
