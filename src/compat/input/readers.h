// Transitional: forwards the old include path to src/formats/readers.h.
#pragma once
#include "formats/readers.h"
