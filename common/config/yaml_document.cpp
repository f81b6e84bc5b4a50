#include "common/config/yaml_document.h"

#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <vector>

namespace corral::config {
namespace {

// Records where each document starts and ignores the rest.
class DocumentStarts : public YAML::EventHandler {
 public:
  const std::vector<YAML::Mark>& starts() const { return starts_; }

  void OnDocumentStart(const YAML::Mark& mark) override { starts_.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::vector<YAML::Mark> starts_;
};

std::string position_of_offset(std::string_view text, size_t offset) {
  YAML::Mark mark;
  mark.line = 0;
  mark.column = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++mark.line;
      mark.column = 0;
    } else {
      ++mark.column;
    }
  }
  return describe_position(mark);
}

}  // namespace

std::string describe_position(const YAML::Mark& mark) {
  if (mark.is_null()) return "at end of document";
  return "at line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

Result<YAML::Node> parse_single_document(std::string_view text) {
  // yaml-cpp treats a NUL byte as the end of the stream and silently drops whatever follows it.
  // YAML does not allow NUL anywhere, so refuse it.
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return error(ErrorCode::invalid_argument, "invalid YAML " + position_of_offset(text, nul) + ": NUL byte");
  }
  try {
    const std::string owned(text);
    // First pass, events only: count documents, stopping at the second. YAML::LoadAll cannot be
    // used: on a stray token it cannot place (a ',' outside a flow collection) yaml-cpp 0.7 reports
    // an empty document without consuming the token, forever, and LoadAll collects them until
    // memory runs out.
    std::istringstream stream(owned);
    YAML::Parser parser(stream);
    DocumentStarts documents;
    while (documents.starts().size() < 2 && parser.HandleNextDocument(documents)) {
    }
    const auto& starts = documents.starts();
    if (starts.empty()) return YAML::Node();
    if (starts.size() > 1) {
      const YAML::Mark& second = starts[1];
      auto pos = static_cast<size_t>(second.pos);
      // A real second document opens with "---"; anything else is the stuck token above.
      bool separator = second.pos > starts[0].pos && pos < owned.size() && owned.compare(pos, 3, "---") == 0;
      if (!separator) {
        std::string what = pos < owned.size() ? "'" + owned.substr(pos, 1) + "'" : "content";
        return error(ErrorCode::invalid_argument, "invalid YAML " + describe_position(second) + ": unexpected " + what);
      }
      return error(ErrorCode::invalid_argument,
                   "expected one YAML document, found another " + describe_position(second));
    }
    // Second pass builds the tree; YAML::Load stops after the first document.
    return YAML::Load(owned);
  } catch (const YAML::Exception& e) {
    return error(ErrorCode::invalid_argument, "invalid YAML " + describe_position(e.mark) + ": " + e.msg);
  } catch (const std::exception& e) {
    return error(ErrorCode::internal, std::string("parsing YAML failed: ") + e.what());
  }
}

}  // namespace corral::config
