// Tests of FlagSet: parsing forms, the text of the flags given, replacing a
// registered flag, and that registering a name twice is refused.
#include "cli/flags.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "testing/status_matchers.h"

namespace hogmf::cli {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::testing::HasSubstr;

TEST(FlagSetTest, SetFlagsGivesTheTextOfEachFlagGivenInRegistrationOrder) {
  int k = 32;
  float lr = 0.01f;
  bool quiet = true;
  std::string path;
  FlagSet flags("test", "a test");
  flags.AddInt("k", &k, "factors");
  flags.AddFloat("lr", &lr, "rate");
  flags.AddBool("quiet", &quiet, "quiet");
  flags.AddString("out", &path, "output");
  std::vector<std::string> positional;
  ASSERT_THAT(flags.Parse({"--lr", "0.5", "FILE", "--noquiet", "--k=8"}, &positional), IsOk());
  EXPECT_EQ(k, 8);
  EXPECT_EQ(lr, 0.5f);
  EXPECT_FALSE(quiet);
  EXPECT_EQ(positional, std::vector<std::string>{"FILE"});
  using Given = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(flags.SetFlags(), (Given{{"k", "8"}, {"lr", "0.5"}, {"quiet", "false"}}));
  EXPECT_FALSE(flags.WasSet("out"));
}

TEST(FlagSetTest, ARemovedFlagCanBeRegisteredAgainWithAnotherType) {
  int k = 32;
  int epochs = 20;
  FlagSet flags("test", "a test");
  flags.AddInt("k", &k, "factors");
  flags.AddInt("epochs", &epochs, "epochs");
  EXPECT_TRUE(flags.Remove("k"));
  EXPECT_FALSE(flags.Remove("k"));
  std::string k_list;
  flags.AddString("k", &k_list, "factors to try");
  std::vector<std::string> positional;
  ASSERT_THAT(flags.Parse({"--k=16,32", "--epochs=3"}, &positional), IsOk());
  EXPECT_EQ(k_list, "16,32");
  EXPECT_EQ(k, 32);  // the removed flag's variable is left alone
  EXPECT_EQ(epochs, 3);
  const std::string help = flags.Help();
  EXPECT_THAT(help, HasSubstr("factors to try"));
  EXPECT_EQ(help.find("--k="), help.rfind("--k="));
  FlagSet other("test", "a test");
  other.AddInt("k", &k, "factors");
  other.Remove("k");
  EXPECT_THAT(other.Parse({"--k=4"}, &positional),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown flag --k")));
}

TEST(FlagSetDeathTest, RegisteringANameTwiceAborts) {
  int a = 0;
  int b = 0;
  FlagSet flags("test", "a test");
  flags.AddInt("k", &a, "first");
  EXPECT_DEATH(flags.AddInt("k", &b, "second"), "flag --k registered twice");
}

}  // namespace
}  // namespace hogmf::cli
