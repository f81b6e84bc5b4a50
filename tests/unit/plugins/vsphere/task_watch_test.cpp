// Following a vCenter task through the property collector (plugins/vsphere/task_watch.h): the
// requests as vCenter reads them, the UpdateSet reader, and the follow itself against a scripted
// vCenter whose clock moves only when it answers a wait, so every path (a task that ends, one
// still running at the deadline, a collector lost with its session, a cancelled call) is proven
// without time passing.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include "plugins/vsphere/task_watch.h"
#include "tests/unit/plugins/vsphere/xml_test_util.h"

namespace corral::vsphere {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the test helpers of this directory

// Functions, not globals: a static MoRef's constructor may throw before main.
MoRef task_ref() { return {"Task", "task-42"}; }
MoRef collector_ref() { return {"PropertyCollector", "session[52b7]pc-1"}; }

std::string envelope(const std::string& body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope "
         "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
         "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>" +
         body + "</soapenv:Body></soapenv:Envelope>";
}

// A WaitForUpdatesEx answer with one object update of TASK: VERSION and CHANGES (<changeSet>s).
std::string update_set(const std::string& version, const std::string& kind, const std::string& changes,
                       const MoRef& task = task_ref()) {
  return "<WaitForUpdatesExResponse xmlns=\"urn:vim25\"><returnval><version>" + version +
         "</version><filterSet><filter type=\"PropertyFilter\">session[52b7]f-1</filter><objectSet><kind>" + kind +
         "</kind>" + moref_xml("obj", task) + changes +
         "</objectSet></filterSet></returnval></WaitForUpdatesExResponse>";
}
std::string assign(const std::string& name, const std::string& val) {
  return "<changeSet><name>" + name + "</name><op>assign</op>" + val + "</changeSet>";
}
std::string state_val(const std::string& state) { return "<val xsi:type=\"TaskInfoState\">" + state + "</val>"; }
const char* const kNoChange = "<WaitForUpdatesExResponse xmlns=\"urn:vim25\"/>";

pugi::xml_node response_of(pugi::xml_document& doc, const std::string& body) {
  const std::string text = envelope(body);
  EXPECT_TRUE(doc.load_buffer(text.data(), text.size()));
  return child(child(doc.document_element(), "Body"), body.substr(1, body.find_first_of(" >") - 1));
}

TEST(VsphereTaskWatch, TheFilterWatchesTheTasksStateErrorAndResult) {
  Sent s = parse_sent(create_task_filter_xml(collector_ref(), task_ref()));
  EXPECT_STREQ(s.method.name(), "CreateFilter");
  EXPECT_EQ(element_namespace(s.method), kVim25Ns);
  EXPECT_EQ(child_names(s.method), "_this spec partialUpdates");
  EXPECT_EQ(moref_of(child(s.method, "_this")), collector_ref());
  pugi::xml_node spec = child(s.method, "spec");
  EXPECT_EQ(child_names(spec), "propSet objectSet");
  pugi::xml_node props = child(spec, "propSet");
  EXPECT_STREQ(child(props, "type").text().get(), "Task");
  std::vector<std::string> paths;
  for (pugi::xml_node p : children(props, "pathSet")) paths.emplace_back(p.text().get());
  EXPECT_EQ(paths, (std::vector<std::string>{"info.state", "info.error", "info.result"}));
  EXPECT_EQ(moref_of(child(child(spec, "objectSet"), "obj")), task_ref());
  EXPECT_STREQ(child(child(spec, "objectSet"), "skip").text().get(), "false");
  EXPECT_STREQ(child(s.method, "partialUpdates").text().get(), "false");
}

TEST(VsphereTaskWatch, TheWaitNamesItsVersionAndItsLongestWait) {
  Sent s = parse_sent(wait_for_updates_xml(collector_ref(), "7", 42));
  EXPECT_STREQ(s.method.name(), "WaitForUpdatesEx");
  EXPECT_EQ(child_names(s.method), "_this version options");
  EXPECT_STREQ(child(s.method, "version").text().get(), "7");
  EXPECT_STREQ(child(child(s.method, "options"), "maxWaitSeconds").text().get(), "42");
  for (const std::string& body :
       {create_property_collector_xml(collector_ref()), destroy_property_collector_xml(collector_ref()),
        destroy_property_filter_xml({"PropertyFilter", "session[52b7]f-1"})}) {
    Sent d = parse_sent(body);
    EXPECT_EQ(element_namespace(d.method), kVim25Ns);
    EXPECT_EQ(child_names(d.method), "_this") << body;
  }
}

TEST(VsphereTaskWatch, UpdatesAreAppliedInOrderAndOnlyForTheTask) {
  TaskInfo info;
  bool left = false;
  pugi::xml_document d1;
  EXPECT_EQ(apply_task_updates(response_of(d1, update_set("1", "enter",
                                                          assign("info.state", state_val("running")) +
                                                              assign("info.error", "") + assign("info.result", ""))),
                               task_ref(), info, left),
            "1");
  EXPECT_EQ(info.state, "running");
  EXPECT_TRUE(info.result.empty());
  // Another object's update changes nothing.
  pugi::xml_document d2;
  EXPECT_EQ(apply_task_updates(response_of(d2, update_set("2", "modify", assign("info.state", state_val("error")),
                                                          {"Task", "task-9"})),
                               task_ref(), info, left),
            "2");
  EXPECT_EQ(info.state, "running");
  pugi::xml_document d3;
  apply_task_updates(response_of(d3, update_set("3", "modify",
                                                assign("info.state", state_val("success")) +
                                                    assign("info.result",
                                                           "<val type=\"VirtualMachine\" "
                                                           "xsi:type=\"ManagedObjectReference\">vm-77"
                                                           "</val>"))),
                     task_ref(), info, left);
  EXPECT_EQ(info.state, "success");
  EXPECT_EQ(info.result, (MoRef{"VirtualMachine", "vm-77"}));
  EXPECT_FALSE(left);
  // maxWaitSeconds passed with nothing new: no version, nothing applied.
  pugi::xml_document d4;
  EXPECT_EQ(apply_task_updates(response_of(d4, kNoChange), task_ref(), info, left), "");
  EXPECT_EQ(info.state, "success");
}

TEST(VsphereTaskWatch, AnErrorCarriesItsFaultTypeAndMessage) {
  TaskInfo info;
  bool left = false;
  pugi::xml_document d;
  apply_task_updates(
      response_of(d, update_set("4", "modify",
                                assign("info.state", state_val("error")) +
                                    assign("info.error",
                                           "<val xsi:type=\"LocalizedMethodFault\"><fault "
                                           "xsi:type=\"InsufficientHostCapacityFault\"/><localizedMessage>No host "
                                           "&amp; no room</localizedMessage></val>"))),
      task_ref(), info, left);
  EXPECT_EQ(info.state, "error");
  EXPECT_EQ(info.fault_type, "InsufficientHostCapacityFault");
  EXPECT_EQ(info.message, "No host & no room");
  pugi::xml_document gone;
  apply_task_updates(response_of(gone, update_set("5", "leave", "")), task_ref(), info, left);
  EXPECT_TRUE(left);
}

// A vCenter that answers by method: logs in, makes collectors and filters, and answers each
// WaitForUpdatesEx with the next scripted answer, moving its clock on by the wait asked for when
// that answer is "no change" (the wait ran out).
class ScriptedVcenter {
 public:
  std::deque<std::string> waits;  // WaitForUpdatesEx answers (bodies), in order
  int64_t now_ms = 1'000'000;
  std::vector<std::string> methods;        // every method called, in order
  std::vector<std::string> wait_versions;  // the version of each wait
  std::vector<int64_t> wait_seconds;       // maxWaitSeconds of each wait
  std::vector<int64_t> wait_timeouts_ms;   // the HTTP attempt's timeout of each wait
  int collectors = 0;

  HttpSend send() {
    return [this](const sdk::pv1::HttpRequest& r) { return answer(r); };
  }

 private:
  sdk::HttpResult answer(const sdk::pv1::HttpRequest& r) {
    Sent s = parse_sent_body(r.body());
    const std::string method = s.method.name();
    methods.push_back(method);
    sdk::HttpResult out;
    out.response.set_status(200);
    std::string body = "<" + method + "Response xmlns=\"urn:vim25\"/>";
    if (method == "RetrieveServiceContent") {
      body =
          "<RetrieveServiceContentResponse xmlns=\"urn:vim25\"><returnval><rootFolder type=\"Folder\">group-d1"
          "</rootFolder><propertyCollector type=\"PropertyCollector\">propertyCollector</propertyCollector>"
          "<searchIndex type=\"SearchIndex\">SearchIndex</searchIndex><sessionManager type=\"SessionManager\">"
          "SessionManager</sessionManager><about><apiVersion>8.0</apiVersion></about></returnval>"
          "</RetrieveServiceContentResponse>";
    } else if (method == "Login") {
      auto* h = out.response.add_headers();
      h->set_name("Set-Cookie");
      h->set_value("vmware_soap_session=\"abc\"; Path=/; HttpOnly");
      body = "<LoginResponse xmlns=\"urn:vim25\"><returnval><key>s</key></returnval></LoginResponse>";
    } else if (method == "CreatePropertyCollector") {
      EXPECT_EQ(moref_of(child(s.method, "_this")), (MoRef{"PropertyCollector", "propertyCollector"}));
      body = "<CreatePropertyCollectorResponse xmlns=\"urn:vim25\"><returnval type=\"PropertyCollector\">pc-" +
             std::to_string(++collectors) + "</returnval></CreatePropertyCollectorResponse>";
    } else if (method == "CreateFilter") {
      body = "<CreateFilterResponse xmlns=\"urn:vim25\"><returnval type=\"PropertyFilter\">f-" +
             std::to_string(collectors) + "</returnval></CreateFilterResponse>";
    } else if (method == "WaitForUpdatesEx") {
      EXPECT_EQ(moref_of(child(s.method, "_this")), (MoRef{"PropertyCollector", "pc-" + std::to_string(collectors)}));
      wait_versions.emplace_back(child(s.method, "version").text().get());
      const int64_t seconds = child(child(s.method, "options"), "maxWaitSeconds").text().as_llong(-1);
      wait_seconds.push_back(seconds);
      wait_timeouts_ms.push_back(r.timeout_ms());
      EXPECT_FALSE(waits.empty()) << "an unscripted wait";
      body = waits.empty() ? kNoChange : waits.front();
      if (!waits.empty()) waits.pop_front();
      if (body == kNoChange) now_ms += seconds * 1000;
      if (body.find("<soapenv:Fault>") != std::string::npos) {
        out.response.set_status(500);
        out.response.set_body(body);
        return out;
      }
    }
    out.response.set_body(envelope(body));
    return out;
  }

  static Sent parse_sent_body(const std::string& text) {
    Sent s;
    EXPECT_TRUE(s.doc->load_buffer(text.data(), text.size()));
    for (pugi::xml_node c = child(s.doc->document_element(), "Body").first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_element) {
        s.method = c;
        break;
      }
    }
    return s;
  }
};

VsphereConfig scripted_config() {
  VsphereConfig c;
  c.url = "https://vcenter.example/sdk";
  c.user = "corral@vsphere.local";
  c.password = "secret";
  return c;
}

class FollowTask : public ::testing::Test {
 protected:
  Outcome<TaskInfo> follow(int64_t budget_ms) {
    return follow_task(session_, vc_.send(), {[this] { return vc_.now_ms; }, [this] { return cancelled_; }}, task_ref(),
                       vc_.now_ms + budget_ms);
  }
  int count(const std::string& method) const {
    return static_cast<int>(std::count(vc_.methods.begin(), vc_.methods.end(), method));
  }

  ScriptedVcenter vc_;
  VimSession session_{scripted_config()};
  bool cancelled_ = false;
};

TEST_F(FollowTask, WaitsFromVersionToVersionUntilTheTaskSucceeds) {
  vc_.waits = {update_set("1", "enter", assign("info.state", state_val("running"))),
               update_set("2", "modify",
                          assign("info.state", state_val("success")) +
                              assign("info.result", "<val type=\"VirtualMachine\">vm-7</val>"))};
  auto followed = follow(120'000);
  ASSERT_TRUE(followed.ok()) << followed.error().message;
  EXPECT_EQ(followed.value().state, "success");
  EXPECT_EQ(followed.value().result, (MoRef{"VirtualMachine", "vm-7"}));
  // The state as it is first, then a wait from the version that answer gave, as long as the
  // deadline allows and no longer; the HTTP attempt outlasts the wait.
  EXPECT_EQ(vc_.wait_versions, (std::vector<std::string>{"", "1"}));
  EXPECT_EQ(vc_.wait_seconds, (std::vector<int64_t>{120, 120}));
  EXPECT_GT(vc_.wait_timeouts_ms.at(1), 120'000);
  EXPECT_EQ(vc_.methods, (std::vector<std::string>{"RetrieveServiceContent", "Login", "CreatePropertyCollector",
                                                   "CreateFilter", "WaitForUpdatesEx", "WaitForUpdatesEx",
                                                   "DestroyPropertyFilter", "DestroyPropertyCollector"}));
}

TEST_F(FollowTask, ATaskStillRunningAtTheDeadlineIsReportedSoAndCleanedUp) {
  vc_.waits = {update_set("1", "enter", assign("info.state", state_val("running"))), kNoChange, kNoChange};
  auto followed = follow(10'500);
  ASSERT_TRUE(followed.ok()) << followed.error().message;
  EXPECT_EQ(followed.value().state, "running");
  // 10.5 s: a wait of 10, then half a second left: one last look that does not wait.
  EXPECT_EQ(vc_.wait_seconds, (std::vector<int64_t>{10, 10, 0}));
  EXPECT_EQ(vc_.wait_versions, (std::vector<std::string>{"", "1", "1"}));
  EXPECT_EQ(count("DestroyPropertyFilter"), 1);
  EXPECT_EQ(count("DestroyPropertyCollector"), 1);
}

TEST_F(FollowTask, ATaskErrorIsAnAnswerNotAFailure) {
  vc_.waits = {update_set(
      "1", "enter",
      assign("info.state", state_val("error")) + assign("info.error",
                                                        "<val><fault xsi:type=\"NoDiskSpace\"/><localizedMessage>full"
                                                        "</localizedMessage></val>"))};
  auto followed = follow(60'000);
  ASSERT_TRUE(followed.ok()) << followed.error().message;
  EXPECT_EQ(followed.value().state, "error");
  EXPECT_EQ(followed.value().fault_type, "NoDiskSpace");
  EXPECT_EQ(vc_.wait_seconds.size(), 1u);
}

TEST_F(FollowTask, ACollectorLostWithItsSessionIsMadeAgain) {
  const std::string not_found =
      "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>gone</faultstring><detail>"
      "<ManagedObjectNotFoundFault xmlns=\"urn:vim25\" xsi:type=\"ManagedObjectNotFound\"/></detail></soapenv:Fault>";
  vc_.waits = {update_set("1", "enter", assign("info.state", state_val("running"))), envelope(not_found),
               update_set("1", "enter", assign("info.state", state_val("success")))};
  auto followed = follow(60'000);
  ASSERT_TRUE(followed.ok()) << followed.error().message;
  EXPECT_EQ(followed.value().state, "success");
  EXPECT_EQ(vc_.collectors, 2);
  EXPECT_EQ(vc_.wait_versions, (std::vector<std::string>{"", "1", ""})) << "the new collector starts over";
  EXPECT_EQ(count("DestroyPropertyCollector"), 2);
}

TEST_F(FollowTask, ACancelledCallLooksOnceAndReturns) {
  cancelled_ = true;
  vc_.waits = {update_set("1", "enter", assign("info.state", state_val("queued")))};
  auto followed = follow(60'000);
  ASSERT_TRUE(followed.ok()) << followed.error().message;
  EXPECT_EQ(followed.value().state, "queued");
  EXPECT_EQ(vc_.wait_seconds.size(), 1u);
  EXPECT_EQ(count("DestroyPropertyCollector"), 1);
}

}  // namespace
}  // namespace corral::vsphere
