// A real SqliteStore with builders for the broker's records (pools, servers, workspaces,
// sessions) and a helper that pages through a list, shared by the broker repositories' tests.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "common/secret_box.h"
#include "tests/unit/manager/store/store_fixture.h"

namespace corral::store::test_support {

class BrokerStoreTest : public SqliteStoreTest {
 protected:
  static PoolRecord pool(const std::string& id, PoolType type = PoolType::server) {
    PoolRecord p;
    p.id = id;
    p.name = "pool-" + id;
    p.type = type;
    p.labels = {"site=east"};
    p.created_at = kNow;
    p.updated_at = kNow;
    return p;
  }

  static ServerRecord server(const std::string& id, const std::string& pool_id) {
    ServerRecord s;
    s.id = id;
    s.pool_id = pool_id;
    s.hostname = "host-" + id;
    s.address = id + ".example.test";
    s.connection_port = 3389;
    s.max_sessions = 4;
    s.labels = {"os=win"};
    s.created_at = kNow;
    s.updated_at = kNow;
    return s;
  }

  static WorkspaceRecord workspace(const std::string& id, const std::string& pool_id) {
    WorkspaceRecord w;
    w.id = id;
    w.name = "ws-" + id;
    w.pool_id = pool_id;
    w.include_labels = {"os=win"};
    w.created_at = kNow;
    w.updated_at = kNow;
    return w;
  }

  // Placed on `server_id` for `workspace_id`, reserved for 60 s from kNow.
  static SessionRecord reserved(const std::string& id, const std::string& pool_id, const std::string& server_id,
                                const std::string& workspace_id, const std::string& user = "alice") {
    SessionRecord s;
    s.id = id;
    s.pool_id = pool_id;
    s.server_id = server_id;
    s.workspace_id = workspace_id;
    s.user = user;
    s.agent_session_id = id;
    s.reserved_at = kNow;
    s.reservation_expires_at = kNow + 60;
    return s;
  }

  // Pool p1 with server s1 and workspace w1: the smallest world a session can be placed in.
  void add_world() {
    ASSERT_TRUE(store_->pools().insert(pool("p1")).ok());
    ASSERT_TRUE(store_->servers().insert(server("s1", "p1")).ok());
    ASSERT_TRUE(store_->workspaces().insert(workspace("w1", "p1")).ok());
  }

  void add_session(const SessionRecord& s) {
    Status st = store_->sessions().insert(s);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }

  // What another connection sees committed in `table`.
  std::string row_count(const std::string& table) { return RawDb(path_).query("SELECT COUNT(*) FROM " + table); }

  // Every id `list_page` hands out, following next_after_id page by page; fails the test if a
  // page is larger than asked or the pages do not end.
  template <typename Record>
  static std::vector<std::string> all_ids(uint32_t page_size,
                                          const std::function<Result<Page<Record>>(const PageRequest&)>& list_page) {
    std::vector<std::string> ids;
    PageRequest request{"", page_size};
    for (int pages = 0; pages < 1000; ++pages) {
      auto page = list_page(request);
      EXPECT_TRUE(page.ok()) << page.status().to_string();
      if (!page.ok()) return ids;
      EXPECT_LE(page->records.size(), page_size);
      for (const Record& r : page->records) ids.push_back(r.id);
      if (page->next_after_id.empty()) return ids;
      request.after_id = page->next_after_id;
    }
    ADD_FAILURE() << "paging did not end";
    return ids;
  }

  SecretBox secrets_ = SecretBox::from_key(std::string(32, 'k')).value();
};

}  // namespace corral::store::test_support
