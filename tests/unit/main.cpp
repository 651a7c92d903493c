/* doctest entry point; the implementation of evloop is compiled here once. */
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#define EVLOOP_IMPLEMENTATION
#include "evloop.hpp"
