/* The ABI header is a C header: this file includes it from C99 with warnings as errors, so a C++
 * construct slipping into it breaks the build, and checks the name helpers and table layout that
 * a C plugin relies on. */
#include "corral/plugin_abi.h"

#include <stdio.h>
#include <string.h>

static int failures = 0;

static void expect_name(const char* got, const char* want, const char* what) {
  if ((got == NULL) != (want == NULL) || (got != NULL && strcmp(got, want) != 0)) {
    fprintf(stderr, "%s: got %s, want %s\n", what, got ? got : "NULL", want ? want : "NULL");
    ++failures;
  }
}

int main(void) {
  expect_name(corral_status_name(CORRAL_OK), "OK", "status 0");
  expect_name(corral_status_name(CORRAL_ERR_DEADLINE), "DEADLINE", "status DEADLINE");
  expect_name(corral_status_name(CORRAL_ERR_UNAVAILABLE), "UNAVAILABLE", "status UNAVAILABLE");
  expect_name(corral_status_name(8), NULL, "status 8");
  expect_name(corral_status_name(-1), NULL, "status -1");
  expect_name(corral_method_name(CORRAL_METHOD_DESCRIBE), "Describe", "method 1");
  expect_name(corral_method_name(CORRAL_METHOD_LIST_VMS), "ListVms", "method 6");
  expect_name(corral_method_name(0), NULL, "method 0");
  expect_name(corral_method_name(7), NULL, "method 7");

  /* Both tables open with the version triple, at the same offsets, so either side can read the
   * other's version before trusting anything else in it. */
  if (offsetof(corral_host_v1, abi_major) != 0 || offsetof(corral_plugin_v1, abi_major) != 0 ||
      offsetof(corral_host_v1, abi_minor) != offsetof(corral_plugin_v1, abi_minor) ||
      offsetof(corral_host_v1, struct_size) != offsetof(corral_plugin_v1, struct_size)) {
    fprintf(stderr, "the tables do not start with abi_major, abi_minor, struct_size\n");
    ++failures;
  }
  if (strcmp(CORRAL_PLUGIN_ENTRY_NAME, "corral_provider_plugin_v1") != 0) {
    fprintf(stderr, "entry name changed: %s\n", CORRAL_PLUGIN_ENTRY_NAME);
    ++failures;
  }
  return failures == 0 ? 0 : 1;
}
