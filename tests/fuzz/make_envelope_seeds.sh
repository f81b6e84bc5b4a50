#!/bin/sh
# Regenerates corpus/envelope/ (needs protoc). Each seed is one control byte, which fuzz_envelope
# reads as the split size and limit (see its header comment), followed by an encoded Envelope
# written here as text format, or by hand-made bytes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
proto_dir="$here/../../proto"
out="$here/corpus/envelope"
mkdir -p "$out"

# seed NAME CONTROL_OCTAL TEXTPROTO
seed() {
  { printf "\\$2"; printf '%s\n' "$3" | protoc --encode=corral.agent.v1.Envelope -I "$proto_dir" corral/agent/v1/agent.proto; } >"$out/$1"
}

seed hello_chunk3 002 'seq: 1 hello { agent_version: "0.1.0" os_family: OS_FAMILY_LINUX os_version: "12" hostname: "host-1" addresses: "10.0.0.1" addresses: "fe80::1" backends: BACKEND_KIND_XRDP backends: BACKEND_KIND_DOCKER labels { key: "gpu" value: "yes" } }'
seed welcome_whole 037 'seq: 1 ack: 1 welcome { agent_id: "a-1" heartbeat_interval_seconds: 10 server_id: "s-1" manager_version: "0.1.0" }'
seed heartbeat_chunk1 000 'seq: 7 ack: 6 heartbeat { sent_at { seconds: 1700000000 nanos: 5 } }'
seed capacity_too_large 207 'seq: 3 capacity_report { generation: 2 max_sessions: 4 sessions { id: "s1" user: "alice" state: SESSION_STATE_ACTIVE backend: BACKEND_KIND_XRDP started_at { seconds: 1 } } draining: true cores_total_milli: 8000 memory_total_bytes: 17179869184 gpus_total: 1 }'
seed command_drain 005 'seq: 18446744073709551615 command { command_id: "c-1" drain { enabled: true } }'
seed command_logoff 011 'seq: 2 command { command_id: "c-2" logoff_session { session_id: "s1" } }'
seed command_result 010 'seq: 4 ack: 3 command_result { command_id: "c-1" ok: true message: "done" }'
seed welcome_settings 037 'seq: 1 ack: 1 welcome { agent_id: "a-1" heartbeat_interval_seconds: 10 settings { max_sessions: 3 draining: true labels { key: "pool" value: "blue" } } }'
seed command_prepare 011 'seq: 2 command { command_id: "c-3" prepare_session { session_id: "s1" user: "alice" workspace_id: "w-1" } }'
seed command_set_labels 006 'seq: 3 command { command_id: "c-4" set_labels { labels { key: "gpu" value: "yes" } } }'
seed command_result_failure 010 'seq: 4 ack: 3 command_result { command_id: "c-3" ok: false message: "full" failure: COMMAND_FAILURE_FULL }'
seed no_body 003 'seq: 5 ack: 4'
seed seq_zero 003 'seq: 0 hello { hostname: "h" }'

# A hello cut inside its body.
head -c 20 "$out/hello_chunk3" >"$out/hello_truncated"
# Not protobuf at all.
printf '\001\377\377\377\377\377\377\377\377\377\377GET / HTTP/1.1\r\n' >"$out/garbage"
# Adversarial fragment records for a 64-byte limit: first "abc", continuation "de", final "f",
# then a continuation with nothing in progress.
printf '\100\043abc\002de\101f\002zz' >"$out/records_protocol_error"
# Limit 4: a first fragment of 3, then 3 more, crossing the limit.
printf '\004\043abc\003def' >"$out/records_too_large"
