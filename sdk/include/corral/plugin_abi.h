/*
 * Corral provider plugin ABI, version 1.
 *
 * This header is the whole contract between corral-manager (the host) and a provider plugin
 * (a shared library). It is plain C so that a plugin built by another compiler, standard
 * library or protobuf version still loads. Only these types cross the boundary:
 *   - fixed-width integers and `const char*` / byte pointers with explicit lengths,
 *   - serialized protobuf messages of package corral.provider.v1 (proto/corral/provider/v1),
 *   - function pointers and opaque context pointers declared here.
 * No C++ object, exception or allocator crosses it. A buffer is always freed by the side that
 * allocated it, through that side's `free_buffer`.
 *
 * Versioning (docs/plugin-abi.md): the major version changes only for an incompatible change and
 * then the host refuses the plugin; a minor version only appends members to the end of a table
 * or adds methods, and each side reads a member only when the other's `struct_size` covers it.
 *
 * Entry point: the plugin exports exactly one function of type corral_plugin_entry_fn under the
 * name CORRAL_PLUGIN_ENTRY_NAME with BOOST_DLL_ALIAS (the SDK's CORRAL_EXPORT_PROVIDER macro does
 * it). The host calls it once per load, then checks the returned table's abi_major before calling
 * anything else.
 */
#ifndef CORRAL_PLUGIN_ABI_H
#define CORRAL_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CORRAL_PLUGIN_ABI_MAJOR 1u
#define CORRAL_PLUGIN_ABI_MINOR 0u

/* Name under which the entry function is exported (a Boost.DLL alias). */
#define CORRAL_PLUGIN_ENTRY_NAME "corral_provider_plugin_v1"

/* Status of a call across the boundary. Provider failures (no capacity, quota, auth...) are not
 * statuses: they travel inside the response message as corral.provider.v1.Error so they carry a
 * class and a message. A status other than CORRAL_OK means the call itself failed, and the output
 * buffer, when not empty, holds a UTF-8 message saying why. */
typedef int32_t corral_status;
#define CORRAL_OK 0
#define CORRAL_ERR_INVALID_ARGUMENT 1 /* a request buffer that does not decode, a NULL pointer */
#define CORRAL_ERR_UNIMPLEMENTED 2    /* a method this plugin does not know */
#define CORRAL_ERR_INTERNAL 3         /* the plugin failed (an exception it caught, a bug) */
#define CORRAL_ERR_CANCELLED 4        /* the call's cancellation was requested */
#define CORRAL_ERR_DEADLINE 5         /* the call's deadline passed */
#define CORRAL_ERR_ABI_VERSION 6      /* the other side's ABI version is not supported */
#define CORRAL_ERR_UNAVAILABLE 7      /* a host service is unavailable (e.g. plugin host died) */

/* Provider methods, carried by corral_plugin_v1.invoke. Request and response message types
 * (package corral.provider.v1) are named in the comment. New methods get new numbers; numbers
 * are never reused. */
typedef uint32_t corral_method;
#define CORRAL_METHOD_DESCRIBE 1        /* DescribeRequest -> DescribeResponse */
#define CORRAL_METHOD_VALIDATE_CONFIG 2 /* ValidateConfigRequest -> ValidateConfigResponse */
#define CORRAL_METHOD_CREATE_VM 3       /* CreateVmRequest -> CreateVmResponse */
#define CORRAL_METHOD_DELETE_VM 4       /* DeleteVmRequest -> DeleteVmResponse */
#define CORRAL_METHOD_GET_VM 5          /* GetVmRequest -> GetVmResponse */
#define CORRAL_METHOD_LIST_VMS 6        /* ListVmsRequest -> ListVmsResponse */

/* Names of statuses ("DEADLINE") and methods ("CreateVm") for messages and logs; NULL for a
 * value this header does not know (a newer peer's). Not part of the binary interface. */
static inline const char* corral_status_name(corral_status s) {
  switch (s) {
    case CORRAL_OK: return "OK";
    case CORRAL_ERR_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case CORRAL_ERR_UNIMPLEMENTED: return "UNIMPLEMENTED";
    case CORRAL_ERR_INTERNAL: return "INTERNAL";
    case CORRAL_ERR_CANCELLED: return "CANCELLED";
    case CORRAL_ERR_DEADLINE: return "DEADLINE";
    case CORRAL_ERR_ABI_VERSION: return "ABI_VERSION";
    case CORRAL_ERR_UNAVAILABLE: return "UNAVAILABLE";
    default: return NULL;
  }
}

static inline const char* corral_method_name(corral_method m) {
  switch (m) {
    case CORRAL_METHOD_DESCRIBE: return "Describe";
    case CORRAL_METHOD_VALIDATE_CONFIG: return "ValidateConfig";
    case CORRAL_METHOD_CREATE_VM: return "CreateVm";
    case CORRAL_METHOD_DELETE_VM: return "DeleteVm";
    case CORRAL_METHOD_GET_VM: return "GetVm";
    case CORRAL_METHOD_LIST_VMS: return "ListVms";
    default: return NULL;
  }
}

/* Log levels for corral_host_v1.log. */
#define CORRAL_LOG_DEBUG 0
#define CORRAL_LOG_INFO 1
#define CORRAL_LOG_WARN 2
#define CORRAL_LOG_ERROR 3

/* One in-flight call, owned by the host. The plugin passes it back to host services so that an
 * HTTP request made on behalf of a call is bounded by the call's deadline and aborted when the
 * call is cancelled. Opaque to the plugin; valid only until the call returns. */
typedef struct corral_call corral_call;

/* Services the host gives a plugin. Every function is safe to call from any thread, and
 * concurrently. Members may only be appended (minor version). */
typedef struct corral_host_v1 {
  uint32_t abi_major;   /* CORRAL_PLUGIN_ABI_MAJOR of the host */
  uint32_t abi_minor;   /* CORRAL_PLUGIN_ABI_MINOR of the host */
  uint32_t struct_size; /* sizeof(corral_host_v1) as the host was compiled */
  uint32_t reserved;
  void* host_ctx; /* passed back as the first argument of every function below */

  /* A structured log line: `record` is a serialized corral.provider.v1.LogRecord. The host
   * adds the plugin's name and redacts secret-looking fields. */
  void (*log)(void* host_ctx, const uint8_t* record, size_t record_len);

  /* Wall-clock time in milliseconds since the Unix epoch, and a monotonic clock in ms. */
  int64_t (*now_unix_ms)(void* host_ctx);
  int64_t (*monotonic_ms)(void* host_ctx);

  /* Fills `out` with `len` bytes from a cryptographically secure generator. Returns CORRAL_OK
   * or CORRAL_ERR_INTERNAL. */
  corral_status (*random_bytes)(void* host_ctx, uint8_t* out, size_t len);

  /* The call's deadline in monotonic ms (0: none), and whether it has been cancelled. `call`
   * may be NULL outside a call (then: no deadline, not cancelled). */
  int64_t (*call_deadline_ms)(void* host_ctx, const corral_call* call);
  int32_t (*call_cancelled)(void* host_ctx, const corral_call* call);

  /* Performs an HTTP(S) request: `request` is a serialized corral.provider.v1.HttpRequest; on
   * CORRAL_OK `*response` receives a serialized corral.provider.v1.HttpResponse allocated by the
   * host (free it with free_buffer). A transport failure (DNS, TLS, timeout) is CORRAL_OK with
   * HttpResponse.transport_error set; a status is returned only when the request itself is bad,
   * or for cancellation or deadline. */
  corral_status (*http_request)(void* host_ctx, const corral_call* call, const uint8_t* request, size_t request_len,
                                uint8_t** response, size_t* response_len);

  /* Frees a buffer the host allocated. */
  void (*free_buffer)(void* host_ctx, uint8_t* data, size_t len);
} corral_host_v1;

/* What a plugin gives the host. Members may only be appended (minor version). */
typedef struct corral_plugin_v1 {
  uint32_t abi_major;   /* CORRAL_PLUGIN_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;   /* CORRAL_PLUGIN_ABI_MINOR the plugin was built with */
  uint32_t struct_size; /* sizeof(corral_plugin_v1) as the plugin was compiled */
  uint32_t reserved;
  void* plugin_ctx; /* passed back as the first argument of every function below */

  /* Runs one provider method. `request` is the serialized request message of `method`. On
   * CORRAL_OK `*response` receives the serialized response message; otherwise it receives a
   * UTF-8 explanation or stays NULL. The plugin allocates `*response`; the host frees it with
   * free_buffer. Calls are stateless (each request carries the provider config) and may run
   * concurrently on several host threads. */
  corral_status (*invoke)(void* plugin_ctx, const corral_call* call, corral_method method, const uint8_t* request,
                          size_t request_len, uint8_t** response, size_t* response_len);

  /* Frees a buffer the plugin allocated. */
  void (*free_buffer)(void* plugin_ctx, uint8_t* data, size_t len);

  /* Releases everything the plugin holds. The host calls it once, after its last invoke and
   * before unloading the library. */
  void (*shutdown)(void* plugin_ctx);
} corral_plugin_v1;

/* The entry function. The plugin checks host->abi_major (and that host->abi_minor is at least
 * what it needs) and returns CORRAL_ERR_ABI_VERSION if it cannot work with this host; otherwise
 * it stores `host` (valid until shutdown) and sets `*plugin` to a table that stays valid until
 * shutdown returns. */
typedef corral_status (*corral_plugin_entry_fn)(const corral_host_v1* host, const corral_plugin_v1** plugin);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CORRAL_PLUGIN_ABI_H */
