// A shared library that is not a Corral plugin: it exports something, but not the entry alias.
extern "C" __attribute__((visibility("default"))) int corral_test_not_a_plugin() { return 42; }
