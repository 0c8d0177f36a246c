// Transitional: forwards the old include path to src/formats/binary_ratings.h.
#pragma once
#include "formats/binary_ratings.h"
