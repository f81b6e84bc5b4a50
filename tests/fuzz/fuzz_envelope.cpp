// Fuzzes the receive path of the agent channel: decode_envelope on arbitrary bytes, and
// MessageAssembler on fragment sequences, both well-formed splits of a payload and adversarial
// first/final flags checked against a reference model.
//
// Input layout: byte 0 steers the well-formed split (low 5 bits: chunk size - 1; bit 7: make the
// limit one byte too small); the rest is the payload. The whole input, byte 0 included, is also
// read as adversarial records: a control byte (low 5 bits: length, bit 5: first, bit 6: final)
// followed by that many bytes, with byte 0 doubling as the size limit.
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/ws/envelope_codec.h"
#include "common/ws/message_assembler.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using corral::agent::v1::Envelope;
using corral::ws::MessageAssembler;
using Outcome = MessageAssembler::Outcome;

void check_decode(std::string_view bytes) {
  auto decoded = corral::ws::decode_envelope(bytes);
  if (!decoded.ok()) {
    FUZZ_CHECK(decoded.status().code() == corral::ErrorCode::invalid_argument);
    FUZZ_CHECK(!decoded.status().message().empty());
    return;
  }
  FUZZ_CHECK(decoded->seq() != 0);
  FUZZ_CHECK(decoded->body_case() != Envelope::BODY_NOT_SET || corral::ws::carries_unknown_body(*decoded));
  // What we accept we must be able to send back unchanged.
  auto again = corral::ws::decode_envelope(corral::ws::encode_envelope(*decoded));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*again, *decoded));
}

void well_formed_split(uint8_t control, std::string_view payload) {
  const size_t chunk = 1 + (control & 0x1f);
  const bool one_too_small = (control & 0x80) != 0 && !payload.empty();
  const size_t limit = payload.size() - (one_too_small ? 1 : 0);
  MessageAssembler assembler(limit);
  Outcome outcome = Outcome::need_more;
  size_t offset = 0;
  do {
    std::string_view piece = payload.substr(offset, chunk);
    bool first = offset == 0;
    offset += piece.size();
    outcome = assembler.append(piece, first, offset == payload.size());
    FUZZ_CHECK(outcome == Outcome::need_more || outcome == Outcome::complete || outcome == Outcome::too_large);
  } while (outcome == Outcome::need_more && offset < payload.size());
  if (one_too_small) {
    FUZZ_CHECK(outcome == Outcome::too_large);
    FUZZ_CHECK(assembler.message().empty());
    FUZZ_CHECK(assembler.append("x", true, true) == Outcome::too_large);
    return;
  }
  FUZZ_CHECK(outcome == Outcome::complete);
  FUZZ_CHECK(assembler.message() == payload);
  check_decode(assembler.message());
}

void adversarial_records(std::string_view input) {
  const size_t limit = input.empty() ? 0 : static_cast<uint8_t>(input[0]);
  MessageAssembler assembler(limit);
  // Reference model: what a correct assembler must answer.
  bool in_progress = false;
  Outcome failed = Outcome::need_more;
  std::string expected;
  size_t i = 0;
  while (i < input.size()) {
    const auto control = static_cast<uint8_t>(input[i++]);
    const size_t length = control & 0x1f;
    const bool first = (control & 0x20) != 0;
    const bool final = (control & 0x40) != 0;
    std::string_view fragment = input.substr(i, length);
    i += fragment.size();

    Outcome want;
    if (failed != Outcome::need_more) {
      want = failed;
    } else if (first && in_progress) {
      want = failed = Outcome::protocol_error;
    } else if (!first && !in_progress) {
      want = failed = Outcome::protocol_error;
    } else {
      if (first) expected.clear();
      expected.append(fragment);
      if (expected.size() > limit) {
        want = failed = Outcome::too_large;
      } else if (final) {
        want = Outcome::complete;
        in_progress = false;
      } else {
        want = Outcome::need_more;
        in_progress = true;
      }
    }
    Outcome got = assembler.append(fragment, first, final);
    FUZZ_CHECK(got == want);
    if (got == Outcome::complete) {
      FUZZ_CHECK(assembler.message() == expected);
      FUZZ_CHECK(assembler.message().size() <= limit);
      check_decode(assembler.message());
    } else {
      FUZZ_CHECK(assembler.message().empty());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view payload = input.substr(1);
  check_decode(payload);
  well_formed_split(data[0], payload);
  adversarial_records(input);
  return 0;
}
