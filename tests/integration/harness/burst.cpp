#include "tests/integration/harness/burst.h"

#include <curl/curl.h>

#include <memory>

namespace corral::testing {
namespace {

size_t append_body(char* data, size_t size, size_t count, void* sink) {
  static_cast<std::string*>(sink)->append(data, size * count);
  return size * count;
}

struct Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  BurstAnswer* answer = nullptr;
};

struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};

}  // namespace

std::vector<BurstAnswer> send_all_at_once(const ManagerUnderTest& manager, const std::vector<BurstRequest>& requests,
                                          std::chrono::seconds timeout) {
  std::vector<BurstAnswer> answers(requests.size());
  std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
  if (!multi) {
    for (auto& a : answers) a.error = "curl_multi_init failed";
    return answers;
  }
  // No cap on connections: every request is in flight at once.
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);

  const std::string ca = manager.ca_pem();
  const std::string auth = "Authorization: Bearer " + manager.admin_token();
  std::vector<Transfer> transfers(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    Transfer& t = transfers[i];
    t.answer = &answers[i];
    t.easy = curl_easy_init();
    if (t.easy == nullptr) {
      answers[i].error = "curl_easy_init failed";
      continue;
    }
    const BurstRequest& r = requests[i];
    const std::string url = manager.api_url() + r.path;
    curl_easy_setopt(t.easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(t.easy, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
      curl_easy_setopt(t.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      curl_easy_setopt(t.easy, CURLOPT_COPYPOSTFIELDS, r.body.c_str());
    }
    t.headers = curl_slist_append(t.headers, auth.c_str());
    t.headers = curl_slist_append(t.headers, "Content-Type: application/json");
    curl_easy_setopt(t.easy, CURLOPT_HTTPHEADER, t.headers);
    curl_blob blob{const_cast<char*>(ca.data()), ca.size(), CURL_BLOB_COPY};
    curl_easy_setopt(t.easy, CURLOPT_CAINFO_BLOB, &blob);
    curl_easy_setopt(t.easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(t.easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(t.easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t.easy, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(t.easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count() * 1000));
    curl_easy_setopt(t.easy, CURLOPT_WRITEFUNCTION, &append_body);
    curl_easy_setopt(t.easy, CURLOPT_WRITEDATA, &answers[i].body);
    curl_easy_setopt(t.easy, CURLOPT_ERRORBUFFER, t.error);
    curl_easy_setopt(t.easy, CURLOPT_PRIVATE, &t);
    curl_multi_add_handle(multi.get(), t.easy);
  }

  int running = 0;
  do {
    if (curl_multi_perform(multi.get(), &running) != CURLM_OK) break;
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
      if (msg->data.result == CURLE_OK) {
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &t->answer->status);
      } else {
        t->answer->error = t->error[0] != '\0' ? t->error : curl_easy_strerror(msg->data.result);
      }
    }
    if (running > 0 && curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr) != CURLM_OK) break;
  } while (running > 0);

  for (Transfer& t : transfers) {
    if (t.easy == nullptr) continue;
    curl_multi_remove_handle(multi.get(), t.easy);
    curl_easy_cleanup(t.easy);
    curl_slist_free_all(t.headers);
  }
  return answers;
}

}  // namespace corral::testing
