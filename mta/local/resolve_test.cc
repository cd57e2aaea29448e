// resolve_test.cc: aliases, extensions, users, loop protection.
#include "mta/local/resolve.h"

#include "gtest/gtest.h"
#include "mta/io/file.h"
#include "mta/io/test_util.h"

namespace mta::local {
namespace {

LocalConfig Config() {
  LocalConfig c;
  c.local_domains = {"example.org", "example.net"};
  c.users = {"joe", "ann", "joe-list", "root"};
  c.aliases = ParseAliases(
      "# comment\n"
      "postmaster: root\n"
      "Staff: joe, ann,\n"
      "  bob@remote.example\n"
      "team: staff, postmaster@example.net\n"
      "self: self\n"
      "root2: root2, ann\n"
      "a: b\n"
      "b: a\n"
      "ghost: nobody\n");
  return c;
}

std::vector<std::string> Users(const Resolution& r) {
  std::vector<std::string> v;
  for (const auto& t : r.targets) v.push_back(t.user.empty() ? "fwd:" + t.address : t.user);
  return v;
}

TEST(Aliases, ParseFormat) {
  AliasTable t = ParseAliases("x: a , b\n\n# c\n y\ndup: q\ndup: r\nbad line\n  cont\n");
  EXPECT_EQ(t.entries["x"], (std::vector<std::string>{"a", "b", "y"}));
  EXPECT_EQ(t.entries["dup"], std::vector<std::string>{"q"});
  ASSERT_EQ(t.errors.size(), 3u);
  EXPECT_EQ(t.errors[0], "line 6: duplicate alias dup");
  EXPECT_EQ(t.errors[1], "line 7: missing ':'");
  EXPECT_EQ(t.errors[2], "line 8: continuation without entry");
}

TEST(Aliases, LoadFile) {
  io::TempDir d;
  ASSERT_TRUE(io::AtomicWriteFile(d.path(), "aliases", "m: joe\n").ok());
  auto t = LoadAliasFile(d.path() + "/aliases");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->entries.at("m"), std::vector<std::string>{"joe"});
  EXPECT_FALSE(LoadAliasFile(d.path() + "/missing").ok());
}

TEST(Resolve, UsersDomainsAndCase) {
  LocalConfig c = Config();
  Resolution r = ResolveLocal("JOE@Example.ORG", c);
  EXPECT_EQ(r.status, ResolveStatus::kFound);
  ASSERT_EQ(r.targets.size(), 1u);
  EXPECT_EQ(r.targets[0], (LocalTarget{"joe", "", "JOE@Example.ORG"}));
  EXPECT_EQ(ResolveLocal("joe@elsewhere.example", c).status, ResolveStatus::kNotLocal);
  EXPECT_EQ(ResolveLocal("nobody@example.org", c).status, ResolveStatus::kNotFound);
  EXPECT_EQ(ResolveLocal("@example.org", c).status, ResolveStatus::kNotFound);
  EXPECT_EQ(ResolveLocal("ann", c).status, ResolveStatus::kFound);  // bare local part
}

TEST(Resolve, QmailExtensions) {
  LocalConfig c = Config();
  Resolution r = ResolveLocal("ann-news-daily@example.org", c);
  ASSERT_EQ(r.status, ResolveStatus::kFound);
  EXPECT_EQ(r.targets[0].user, "ann");
  EXPECT_EQ(r.targets[0].extension, "news-daily");
  // "joe-list" is itself a user: no extension stripping.
  r = ResolveLocal("joe-list@example.org", c);
  EXPECT_EQ(r.targets[0].user, "joe-list");
  // Longest prefix first: joe-list-x -> joe-list, extension x.
  r = ResolveLocal("joe-list-x@example.org", c);
  EXPECT_EQ(r.targets[0].user, "joe-list");
  EXPECT_EQ(r.targets[0].extension, "x");
  // '+' only when configured.
  EXPECT_EQ(ResolveLocal("ann+tag@example.org", c).status, ResolveStatus::kNotFound);
  c.extension_separators = "-+";
  r = ResolveLocal("ann+tag@example.org", c);
  ASSERT_EQ(r.status, ResolveStatus::kFound);
  EXPECT_EQ(r.targets[0].extension, "tag");
  EXPECT_EQ(ResolveLocal("-ann@example.org", c).status, ResolveStatus::kNotFound);
}

TEST(Resolve, AliasExpansion) {
  LocalConfig c = Config();
  EXPECT_EQ(Users(ResolveLocal("postmaster@example.org", c)), std::vector<std::string>{"root"});
  EXPECT_EQ(Users(ResolveLocal("staff@example.org", c)),
            (std::vector<std::string>{"joe", "ann", "fwd:bob@remote.example"}));
  // Nested and via a local address.
  EXPECT_EQ(Users(ResolveLocal("team@example.org", c)),
            (std::vector<std::string>{"joe", "ann", "fwd:bob@remote.example", "root"}));
  // Alias with extension.
  Resolution r = ResolveLocal("staff-x@example.org", c);
  EXPECT_EQ(r.status, ResolveStatus::kFound);
}

TEST(Resolve, LoopProtection) {
  LocalConfig c = Config();
  Resolution r = ResolveLocal("self@example.org", c);
  EXPECT_EQ(r.status, ResolveStatus::kNotFound);
  EXPECT_EQ(r.dropped, std::vector<std::string>{"self"});
  r = ResolveLocal("a@example.org", c);
  EXPECT_EQ(r.status, ResolveStatus::kNotFound);
  EXPECT_FALSE(r.dropped.empty());
  // root2 aliases to itself and ann; root2 is not a user, so only ann.
  EXPECT_EQ(Users(ResolveLocal("root2@example.org", c)), std::vector<std::string>{"ann"});
  // A user aliasing to itself gets the mail ("root: root, backup").
  c.aliases = ParseAliases("root: root, ann\n");
  EXPECT_EQ(Users(ResolveLocal("root@example.org", c)), (std::vector<std::string>{"root", "ann"}));
  // Unknown targets are dropped and reported.
  c = Config();
  r = ResolveLocal("ghost@example.org", c);
  EXPECT_EQ(r.status, ResolveStatus::kNotFound);
  EXPECT_EQ(r.dropped, std::vector<std::string>{"nobody"});
}

TEST(Resolve, DeepChainStops) {
  LocalConfig c;
  c.local_domains = {"d"};
  c.users = {"end"};
  std::string text;
  for (int i = 0; i < 40; ++i) text += "n" + std::to_string(i) + ": n" + std::to_string(i + 1) + "\n";
  text += "n40: end\n";
  c.aliases = ParseAliases(text);
  Resolution r = ResolveLocal("n0@d", c);
  EXPECT_EQ(r.status, ResolveStatus::kNotFound);  // depth limit reached before "end"
  EXPECT_FALSE(r.dropped.empty());
  EXPECT_EQ(ResolveLocal("n30@d", c).status, ResolveStatus::kFound);
}

}  // namespace
}  // namespace mta::local
